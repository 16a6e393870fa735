/**
 * Just enough of a browser for the headless demo check and the end-to-end tests: `fetch` without
 * following redirects, a cookie jar for one origin, and reading a page's first form the way the
 * browser would submit it. It reads only pages this example renders (attributes in double quotes).
 */

export interface PageResponse {
  readonly status: number;
  /** The `Location` header, resolved against the request URL; `undefined` without one. */
  readonly location: string | undefined;
  readonly contentType: string;
  readonly body: string;
}

export interface Browser {
  get(url: string): Promise<PageResponse>;
  post(url: string, fields: Readonly<Record<string, string>>): Promise<PageResponse>;
  /** The cookies the browser holds, by name. */
  readonly cookies: ReadonlyMap<string, string>;
}

/** A browser whose relative URLs resolve against `baseUrl`, with a timeout on every request. */
export function createBrowser(baseUrl: string, timeoutMs = 5000): Browser {
  const cookies = new Map<string, string>();

  async function request(method: 'GET' | 'POST', url: string, body?: URLSearchParams): Promise<PageResponse> {
    const target = new URL(url, baseUrl);
    const headers: Record<string, string> = {};
    if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        ...(body !== undefined && { body }),
      });
    } catch (error) {
      throw new Error(`${method} ${target.href}: no answer (${reason(error)})`, { cause: error });
    }
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const cleared = attributes.some((attribute) => attribute.trim().toLowerCase() === 'max-age=0');
      if (cleared) cookies.delete(name);
      else cookies.set(name, pair.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location === null ? undefined : new URL(location, target).href,
      contentType: response.headers.get('content-type') ?? '',
      body: await response.text(),
    };
  }

  return {
    get: (url) => request('GET', url),
    post: async (url, fields) => {
      const response = await request('POST', url, new URLSearchParams(fields));
      // samlkit's same-site step submits itself, as a browser with JavaScript would (sameSiteStep).
      if (response.status !== 200 || !response.body.includes('name="samlkit_same_site"')) return response;
      const again = readForm(response.body);
      return request(
        'POST',
        new URL(again.action, url.startsWith('http') ? url : new URL(url, baseUrl)).href,
        new URLSearchParams(again.fields),
      );
    },
    cookies,
  };
}

/** Why a fetch failed: undici hides the socket error (ECONNREFUSED…) in `cause`. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause: unknown = error.cause;
  return cause instanceof Error ? cause.message : error.message;
}

/** The page's first form: its action and the fields it would submit (inputs and textareas with a name). */
export function readForm(page: string): { readonly action: string; readonly fields: Record<string, string> } {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page);
  if (form === null) throw new Error('the page has no form');
  const action = attributesOf(form[1] ?? '').action ?? '';
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const { name, value } = attributesOf(input[1] ?? '');
    if (name !== undefined) fields[name] = value ?? '';
  }
  return { action, fields };
}

/** The text of the element with this `data-testid`, unescaped; `undefined` when absent. */
export function textOf(page: string, testId: string): string | undefined {
  const match = new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`).exec(page);
  return match?.[1] === undefined ? undefined : unescape(match[1]);
}

function attributesOf(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name, value] of tag.matchAll(/([\w-]+)="([^"]*)"/g)) {
    if (name !== undefined && value !== undefined) out[name.toLowerCase()] = unescape(value);
  }
  return out;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

function unescape(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}
