/**
 * The demo's whole sign-in flow, headless, as a person would click through it: the app's sign-in
 * page, the redirect to the test IdP, its Sign in button, the auto-submitted response to the ACS,
 * and the signed-in page. `npm run demo -- --check` and the end-to-end tests run it.
 */
import { createBrowser, readForm, textOf, type Browser, type PageResponse } from './browser.js';

/** Who the signed-in page shows. */
export interface CheckResult {
  readonly name: string;
  readonly email: string;
  readonly roles: string;
}

function expect(condition: boolean, step: string, what: string, response?: PageResponse): asserts condition {
  if (condition) return;
  const got =
    response === undefined
      ? ''
      : ` (got HTTP ${response.status}${response.location === undefined ? '' : ` to ${response.location}`})`;
  throw new Error(`${step}: ${what}${got}`);
}

/**
 * Types `email` on the app's sign-in page and signs in at the test IdP; returns the form the IdP's
 * page would auto-submit to the ACS, without submitting it.
 */
export async function signInAtTestIdp(
  browser: Browser,
  email: string,
): Promise<{ readonly action: string; readonly fields: Record<string, string> }> {
  const home = await browser.get('/');
  expect(
    home.status === 200 && home.body.includes('data-testid="email"'),
    'GET /',
    'the sign-in page with an email field',
    home,
  );

  const login = await browser.post('/login', { email });
  expect(login.status === 303 && login.location !== undefined, 'POST /login', 'a redirect to the IdP', login);

  const idpPage = await browser.get(login.location);
  expect(
    idpPage.status === 200 && idpPage.body.includes('data-testid="sign-in"'),
    'test IdP',
    'its sign-in page',
    idpPage,
  );
  const signIn = readForm(idpPage.body);
  expect(signIn.fields.SAMLRequest !== undefined, 'test IdP', 'a SAMLRequest in its sign-in form');
  // The address typed in the app comes pre-filled (login_hint): clicking Sign in as it stands must
  // sign in that user, not someone else.
  expect(signIn.fields.email === email, 'test IdP', `its email field pre-filled with ${email}`);

  const posted = await browser.post(signIn.action, signIn.fields);
  expect(posted.status === 200, 'test IdP Sign in', 'the page that posts the response to the app', posted);
  const toAcs = readForm(posted.body);
  expect(toAcs.fields.SAMLResponse !== undefined, 'test IdP Sign in', 'a SAMLResponse form field');
  return toAcs;
}

/**
 * Signs Alice in through the test IdP and checks that `/me` shows her name and the admin role.
 * Throws an `Error` naming the step that failed.
 */
export async function runDemoCheck(baseUrl: string, timeoutMs = 5000): Promise<CheckResult> {
  const browser = createBrowser(baseUrl, timeoutMs);
  const toAcs = await signInAtTestIdp(browser, 'alice@example.com');

  const acs = await browser.post(toAcs.action, toAcs.fields);
  const signedIn = acs.location !== undefined && new URL(acs.location).pathname === '/me';
  const code = textOf(acs.body, 'error-code');
  expect(
    acs.status === 303 && signedIn,
    `POST ${toAcs.action}`,
    `a redirect to /me${code === undefined ? '' : `, not ${code}`}`,
    acs,
  );

  const me = await browser.get('/me');
  expect(me.status === 200, 'GET /me', 'the signed-in page', me);
  const result = {
    name: textOf(me.body, 'signed-in-name') ?? '',
    email: textOf(me.body, 'signed-in-email') ?? '',
    roles: textOf(me.body, 'signed-in-roles') ?? '',
  };
  expect(result.name === 'Alice Liddell', 'GET /me', `the name Alice Liddell, not "${result.name}"`);
  expect(result.roles.split(', ').includes('admin'), 'GET /me', `the admin role, not "${result.roles}"`);
  return result;
}
