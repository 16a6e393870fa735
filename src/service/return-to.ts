const BASE = 'https://return-to.invalid';

/**
 * `returnTo` when it is a same-origin relative path, else `undefined` (SECURITY rule 18: never an
 * open redirect). Refuses what browsers read as another origin: `//host`, `/\host`, backslashes,
 * schemes, control characters and white space; and normalises `..` away.
 */
export function safeReturnTo(returnTo: string | undefined): string | undefined {
  if (typeof returnTo !== 'string' || !returnTo.startsWith('/') || returnTo.length > 2048) return undefined;
  // Browsers treat "\" like "/" and drop tabs and newlines inside URLs, so "/\evil.com" and
  // "/\t/evil.com" are protocol-relative to them.
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u0020\u007f]/.test(returnTo) || returnTo.startsWith('//')) return undefined;
  const url = new URL(returnTo, BASE);
  if (url.origin !== BASE) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}
