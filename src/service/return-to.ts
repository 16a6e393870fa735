const BASE = 'https://return-to.invalid';

// Browsers read "\" as "/" and drop tabs and newlines inside URLs; C0, C1, DEL and white space have
// no place in a path an app redirects to.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\\\u0000-\u0020\u007f-\u009f]/;

/**
 * `returnTo` when it is a same-origin path, else `undefined` (docs/security.md rule 18 and 22: never an
 * open redirect). The answer is judged in its final form: the string that will be returned is the
 * WHATWG URL parser's normalisation (dot segments, also `%2e`, removed), and that string must itself
 * resolve, as a browser resolves it against the app's origin, to the same origin and to itself.
 * So `/a/..//evil.com` (which normalises to `//evil.com`) is refused, as are `/\evil.com`,
 * schemes, control characters and white space.
 */
export function safeReturnTo(returnTo: unknown): string | undefined {
  if (typeof returnTo !== 'string' || returnTo.length > 2048 || !returnTo.startsWith('/')) return undefined;
  if (UNSAFE.test(returnTo)) return undefined;
  const final = pathOf(returnTo);
  if (final === undefined || !final.startsWith('/') || final.startsWith('//') || UNSAFE.test(final)) {
    return undefined;
  }
  // Resolving the final string again must change nothing: a browser sees exactly this path.
  return pathOf(final) === final ? final : undefined;
}

/** The path, query and fragment `value` resolves to against a fixed origin, or `undefined` off it. */
function pathOf(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return undefined;
  }
  return url.origin === BASE ? `${url.pathname}${url.search}${url.hash}` : undefined;
}
