/**
 * A browser without a browser, for end-to-end logins: `fetch` with redirects followed by hand, a
 * cookie jar that sends cookies the way a browser does (by host, whatever the port: the app and the
 * IdP share 127.0.0.1), and forms read from the HTML and submitted as a browser would submit them.
 * No JavaScript: the auto-submit pages of the POST binding are submitted by {@link Browserless.submit}.
 */

/** A page the client landed on, after any redirects. */
export interface Page {
  /** The URL of the page (the last one, after redirects). */
  readonly url: string;
  readonly status: number;
  readonly body: string;
  /** Every URL visited to get here, the first request's included. */
  readonly visited: readonly string[];
}

/** A `<form>` of a page: its absolute action URL, its method and its fields (inputs with a name). */
export interface HtmlForm {
  readonly action: string;
  readonly method: 'get' | 'post';
  readonly fields: Readonly<Record<string, string>>;
}

interface Cookie {
  readonly value: string;
  readonly path: string;
}

/** Cookies by host and name (RFC 6265: cookies do not isolate ports), with path matching and expiry. */
export class CookieJar {
  readonly #cookies = new Map<string, Map<string, Cookie>>();

  /** Keeps the `Set-Cookie` headers of a response to `url`. */
  store(url: string, headers: Headers): void {
    const { hostname, pathname } = new URL(url);
    const host = this.#cookies.get(hostname) ?? new Map<string, Cookie>();
    this.#cookies.set(hostname, host);
    for (const header of headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attribute = (key: string): string | undefined =>
        attributes
          .map((part) => part.trim())
          .find((part) => part.toLowerCase().startsWith(`${key}=`))
          ?.slice(key.length + 1);
      const maxAge = attribute('max-age');
      const expires = attribute('expires');
      const expired =
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      const path = attribute('path') ?? pathname.slice(0, pathname.lastIndexOf('/') + 1);
      if (expired) host.delete(name);
      else host.set(name, { value, path: path === '' ? '/' : path });
    }
  }

  /** The `Cookie` header for a request to `url`, or `undefined` when no cookie applies. */
  header(url: string): string | undefined {
    const { hostname, pathname } = new URL(url);
    const pairs = [...(this.#cookies.get(hostname) ?? new Map<string, Cookie>())]
      .filter(([, cookie]) => pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`);
    return pairs.length === 0 ? undefined : pairs.join('; ');
  }

  /** The value of one cookie for `url`'s host, e.g. to check that a session was made. */
  get(url: string, name: string): string | undefined {
    return this.#cookies.get(new URL(url).hostname)?.get(name)?.value;
  }
}

/** A client with one cookie jar: a user's browser. */
export class Browserless {
  readonly jar: CookieJar;

  constructor(jar = new CookieJar()) {
    this.jar = jar;
  }

  /** GET, following redirects. */
  async get(url: string): Promise<Page> {
    return this.#request(url, { method: 'GET' });
  }

  /** POSTs form fields (application/x-www-form-urlencoded), following redirects. */
  async post(url: string, fields: Readonly<Record<string, string>>): Promise<Page> {
    return this.#request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Submits a form as a browser would, with `overrides` typed into its fields. */
  async submit(form: HtmlForm, overrides: Readonly<Record<string, string>> = {}): Promise<Page> {
    const fields = { ...form.fields, ...overrides };
    if (form.method === 'post') return this.post(form.action, fields);
    const url = new URL(form.action);
    url.search = new URLSearchParams(fields).toString();
    return this.get(url.toString());
  }

  async #request(url: string, init: RequestInit): Promise<Page> {
    const visited: string[] = [];
    let current = url;
    let options = init;
    for (let hop = 0; hop <= 10; hop++) {
      visited.push(current);
      const cookie = this.jar.header(current);
      const response = await fetch(current, {
        ...options,
        redirect: 'manual',
        headers: { ...(options.headers as Record<string, string> | undefined), ...(cookie && { cookie }) },
      });
      this.jar.store(current, response.headers);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        current = new URL(location, current).toString();
        // 301, 302 and 303 turn a POST into a GET, as browsers do; 307 and 308 repeat it.
        if (response.status !== 307 && response.status !== 308) options = { method: 'GET' };
        continue;
      }
      return { url: current, status: response.status, body: await response.text(), visited };
    }
    throw new Error(`More than 10 redirects from ${url}: ${visited.join(' -> ')}`);
  }
}

/** The forms of a page, their actions resolved against the page's URL. */
export function formsOf(page: Page): HtmlForm[] {
  return [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, tag = '', inner = '']) => {
    const attributes = attributesOf(tag);
    const fields: Record<string, string> = {};
    for (const [, input = ''] of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const { name, value, type } = attributesOf(input);
      if (name === undefined || name in fields) continue;
      if (type === 'submit' || type === 'button' || type === 'image') continue;
      fields[name] = value ?? '';
    }
    // An empty action (or "?", SimpleSAMLphp's login form) posts back to the page's own path.
    const action = new URL(attributes.action ?? '', page.url);
    if (attributes.action === '?' || attributes.action === '') action.search = '';
    return {
      action: action.toString(),
      method: attributes.method?.toLowerCase() === 'post' ? 'post' : 'get',
      fields,
    };
  });
}

/** The one form of a page that has all the named fields; throws with the page's text otherwise. */
export function formWith(page: Page, ...names: readonly string[]): HtmlForm {
  const form = formsOf(page).find((candidate) => names.every((name) => name in candidate.fields));
  if (form === undefined) {
    throw new Error(`No form with ${names.join(', ')} at ${page.url} (HTTP ${page.status}): ${textOf(page)}`);
  }
  return form;
}

/** The page's visible text, squeezed, for failure messages and for reading error codes. */
export function textOf(page: Page): string {
  return decodeEntities(
    page.body
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/** SimpleSAMLphp's error page text ("Caused by: …"), or `undefined` when the page is no error page. */
export function simpleSamlPhpError(page: Page): string | undefined {
  const causes = [...page.body.matchAll(/Caused by: ([^\n<]+)/g)].map(([, cause = '']) => cause.trim());
  return causes.length > 0 ? decodeEntities(causes.join('; ')) : undefined;
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name = '', double, single, bare] of tag.matchAll(
    /([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g,
  )) {
    attributes[name.toLowerCase()] = decodeEntities(double ?? single ?? bare ?? '');
  }
  return attributes;
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return text.replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (entity, code: string) => {
    if (code.startsWith('#x') || code.startsWith('#X'))
      return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(parseInt(code.slice(1), 10));
    return named[code.toLowerCase()] ?? entity;
  });
}

/** What SimpleSAMLphp answered a login with. */
export type IdpOutcome =
  /** The auto-submit form that carries the SAMLResponse (and RelayState) to the SP's ACS. */
  | { readonly outcome: 'response'; readonly response: HtmlForm; readonly xml: string }
  /** The login form came back: wrong username or password. */
  | { readonly outcome: 'password-refused'; readonly page: Page }
  /** SimpleSAMLphp's error page (it answers HTTP 200 or 500), with its "Caused by" text. */
  | { readonly outcome: 'idp-error'; readonly message: string; readonly page: Page };

/**
 * Goes on from a page of SimpleSAMLphp's: signs in on its login form (username, password and the
 * hidden AuthState), or passes through when its session already knows the user, and reads what it
 * answers. It never posts the response on: that is the SP's part, see {@link postToAcs}.
 */
export async function signInAtSimpleSamlPhp(
  browser: Browserless,
  page: Page,
  credentials: { readonly username: string; readonly password: string },
): Promise<IdpOutcome> {
  const read = (current: Page): IdpOutcome | undefined => {
    const response = formsOf(current).find((form) => 'SAMLResponse' in form.fields);
    if (response !== undefined) {
      const xml = Buffer.from(response.fields.SAMLResponse ?? '', 'base64').toString('utf8');
      return { outcome: 'response', response, xml };
    }
    const message = simpleSamlPhpError(current);
    return message === undefined ? undefined : { outcome: 'idp-error', message, page: current };
  };
  const before = read(page);
  if (before !== undefined) return before;
  const login = formWith(page, 'AuthState', 'username', 'password');
  const after = await browser.submit(login, credentials);
  const outcome = read(after);
  if (outcome !== undefined) return outcome;
  if (formsOf(after).some((form) => 'AuthState' in form.fields))
    return { outcome: 'password-refused', page: after };
  throw new Error(
    `Unexpected page from SimpleSAMLphp at ${after.url} (HTTP ${after.status}): ${textOf(after)}`,
  );
}

/** Posts the IdP's auto-submit form (SAMLResponse, RelayState) to its action, the ACS, and follows on. */
export async function postToAcs(browser: Browserless, response: HtmlForm): Promise<Page> {
  if (response.method !== 'post')
    throw new Error(`The response form's method is ${response.method}, not post`);
  const page = await browser.submit(response);
  // The IdP's post is cross-site in a real browser: the app answers with samlkit's same-site step,
  // a form that posts itself again (sameSiteStep), which a browser with JavaScript submits.
  const again = formsOf(page).find((form) => 'samlkit_same_site' in form.fields);
  return again === undefined ? page : browser.submit(again);
}
