/**
 * `samlkit/passport` in a real Passport 0.7 + Express 5 app on loopback, with the test IdP of
 * samlkit/testing minting the responses: the login cookie, the redirect and POST bindings, the
 * same-site step at the ACS, returnTo, the verify callback, refusals through `fail` and Passport's
 * failure handling, and argument mistakes as TypeErrors.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { Passport } from 'passport';
import {
  createServiceProvider,
  MemoryStore,
  type LoginResult,
  type ServiceProvider,
} from '../../src/index.js';
import {
  DEFAULT_LOGIN_COOKIE,
  SamlStrategy,
  type SamlAuthInfo,
  type SamlChallenge,
  type SamlVerify,
} from '../../src/passport.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';

const ALICE = { email: 'alice@acme.com', firstName: 'Alice', lastName: 'Liddell', groups: ['admins'] };

interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly cookies: readonly string[];
  readonly headers: Headers;
  readonly body: string;
}

/** One browser: fetch without following redirects, with the cookies given. */
async function send(
  url: string,
  options: { readonly form?: Readonly<Record<string, string>>; readonly cookie?: string } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: options.form === undefined ? 'GET' : 'POST',
    redirect: 'manual',
    headers: options.cookie === undefined ? {} : { cookie: options.cookie },
    ...(options.form !== undefined && { body: new URLSearchParams(options.form) }),
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    cookies: response.headers.getSetCookie(),
    headers: response.headers,
    body: await response.text(),
  };
}

function loginCookieOf(answer: Answer): string {
  const line = answer.cookies.find((cookie) => cookie.startsWith(`${DEFAULT_LOGIN_COOKIE}=`));
  assert.ok(line !== undefined, `no login cookie in ${JSON.stringify(answer.cookies)}`);
  return line;
}

/** The `name=value` part of a Set-Cookie line, as the browser sends it back. */
function pairOf(setCookie: string): string {
  return setCookie.split(';')[0] ?? '';
}

describe('samlkit/passport: SamlStrategy in Passport and Express', () => {
  let server: Server;
  let baseUrl = '';
  let idp: TestIdp;
  let sp: ServiceProvider;
  /** What the last custom callback saw: `(err, user, info, status)`. */
  let lastCallback: { user: unknown; info: unknown; status: unknown } | undefined;

  function callbackSeen(): { user: unknown; info: unknown; status: unknown } {
    assert.ok(lastCallback !== undefined, 'the custom callback was not called');
    return lastCallback;
  }

  before(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    idp = await createTestIdp({ preset: 'generic' });
    const store = new MemoryStore();
    for (const id of ['acme', 'verified']) {
      await store.put({
        id,
        emailDomains: id === 'acme' ? ['acme.com'] : [],
        sp: { entityId: `${baseUrl}/saml/${id}/metadata`, acsUrl: `${baseUrl}/saml/${id}/acs` },
        idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
        roles: { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' },
      });
    }
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'test',
    });
    sp = createServiceProvider({ tenants: store, state: store });

    // A Passport instance of its own (not the global one), as a library's tests should.
    const passport = new Passport();
    passport.use(new SamlStrategy({ sp }));
    // Under a second name: the verify callback turns the result into the app's user, or refuses it.
    const verify: SamlVerify = (result, done) => {
      if (result.roles.includes('admin')) done(null, { id: result.profile.nameId, admin: true });
      else done(null, false, { message: 'admins only' });
    };
    passport.use(new SamlStrategy({ sp, name: 'saml-admins' }, verify));
    passport.use(new SamlStrategy({ sp, name: 'saml-post', binding: 'post' }));
    passport.use(new SamlStrategy({ sp, name: 'saml-hint', loginHint: true }));
    const authenticate = (name: string, options: object): RequestHandler =>
      passport.authenticate(name, options) as RequestHandler;

    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(passport.initialize());
    app.get('/login/:tenant', authenticate('saml', { session: false }));
    app.get('/post/login/:tenant', authenticate('saml-post', { session: false }));
    app.get('/login-to-settings/:tenant', authenticate('saml', { session: false, returnTo: '/settings' }));
    app.post('/login', authenticate('saml', { session: false }));
    app.post('/hint/login', authenticate('saml-hint', { session: false }));
    const signedIn = (req: Request, res: Response): void => {
      const info = req.authInfo as SamlAuthInfo;
      res.json({ user: req.user, info });
    };
    app.post('/saml/:tenant/acs', authenticate('saml', { session: false }), signedIn);
    app.post(
      '/admins/saml/:tenant/acs',
      authenticate('saml-admins', { session: false, failureMessage: false }),
      signedIn,
    );
    app.post(
      '/redirecting/saml/:tenant/acs',
      authenticate('saml', {
        session: false,
        failureRedirect: '/login-failed',
      }),
    );
    app.post('/callback/saml/:tenant/acs', (req: Request, res: Response, next: NextFunction) => {
      const handler = passport.authenticate(
        'saml',
        { session: false },
        (error: unknown, user: unknown, info: unknown, status: unknown) => {
          if (error !== null) {
            next(error);
            return;
          }
          lastCallback = { user, info, status };
          res.status(user === false ? 401 : 200).end();
        },
      ) as (req: Request, res: Response, next: NextFunction) => void;
      handler(req, res, next);
    });
    // Any path: the same-site step must post back to this origin whatever the request line says.
    app.post('/{*rest}', authenticate('saml', { session: false }));
    server.on('request', app);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Starts a login at `path`; returns the IdP's answer form and the login cookie. */
  async function startAt(path: string, form?: Readonly<Record<string, string>>) {
    const started = await send(`${baseUrl}${path}`, form === undefined ? {} : { form });
    // 303 after a form post: the browser follows with a GET.
    assert.equal(started.status, form === undefined ? 302 : 303, started.body);
    const url = new URL(started.location ?? '');
    assert.equal(`${url.origin}${url.pathname}`, idp.ssoUrl);
    const answer = idp.respond({
      SAMLRequest: url.searchParams.get('SAMLRequest') ?? '',
      RelayState: url.searchParams.get('RelayState') ?? '',
      user: ALICE,
    });
    return { started, answer, cookie: pairOf(loginCookieOf(started)) };
  }

  function formOf(answer: ReturnType<TestIdp['respond']>): Record<string, string> {
    return {
      SAMLResponse: answer.SAMLResponse,
      ...(answer.RelayState !== undefined && { RelayState: answer.RelayState }),
    };
  }

  it('starts at /login/:tenant with the login cookie and finishes at the ACS: user, tenant, returnTo', async () => {
    const { started, answer, cookie } = await startAt('/login/acme?returnTo=%2Fprojects%2F42');
    const line = loginCookieOf(started);
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; SameSite=Lax/);
    assert.match(line, /; Path=\//);
    assert.doesNotMatch(line, /; Secure/, 'plain http: no Secure (it would be dropped)');

    const acs = await send(`${baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(acs.status, 200, acs.body);
    const { user, info } = JSON.parse(acs.body) as { user: LoginResult; info: SamlAuthInfo };
    assert.equal(user.tenant.id, 'acme');
    assert.equal(user.profile.email, 'alice@acme.com');
    assert.deepEqual(user.roles, ['admin']);
    assert.deepEqual(info, { tenantId: 'acme', returnTo: '/projects/42' });
    // The login cookie is cleared: the pending login is consumed.
    assert.match(loginCookieOf(acs), /^samlkit_login=; Max-Age=0;/);

    // The same response again is refused (the pending login is gone): fail → Passport's 401.
    const replay = await send(`${baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(replay.status, 401);
  });

  it('routes a posted email to the tenant that claims its domain', async () => {
    const { answer, cookie } = await startAt('/login', { email: ' alice@acme.com ' });
    const acs = await send(`${baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(acs.status, 200, acs.body);
  });

  it('adds login_hint when asked to, after the signed query (the signature still verifies)', async () => {
    const plain = await startAt('/login', { email: 'alice@acme.com' });
    assert.equal(new URL(plain.started.location ?? '').searchParams.get('login_hint'), null);
    const { started, answer, cookie } = await startAt('/hint/login', { email: 'alice@acme.com' });
    const location = started.location ?? '';
    assert.ok(location.endsWith('&login_hint=alice%40acme.com'), location);
    const acs = await send(`${baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(acs.status, 200, acs.body);
    assert.throws(() => new SamlStrategy({ sp, loginHint: 'yes' as never }), /options\.loginHint/);
  });

  it('takes returnTo from passport.authenticate options, and drops an off-site one', async () => {
    const fixed = await startAt('/login-to-settings/acme');
    const acs = await send(`${baseUrl}/saml/acme/acs`, { form: formOf(fixed.answer), cookie: fixed.cookie });
    assert.deepEqual((JSON.parse(acs.body) as { info: SamlAuthInfo }).info, {
      tenantId: 'acme',
      returnTo: '/settings',
    });
    for (const returnTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const offSite = await startAt(`/login/acme?returnTo=${encodeURIComponent(returnTo)}`);
      const answer = await send(`${baseUrl}/saml/acme/acs`, {
        form: formOf(offSite.answer),
        cookie: offSite.cookie,
      });
      assert.deepEqual(
        (JSON.parse(answer.body) as { info: SamlAuthInfo }).info,
        { tenantId: 'acme' },
        returnTo,
      );
    }
  });

  it('answers the IdP’s cookie-less cross-site post with the same-site step, then signs in', async () => {
    const { answer, cookie } = await startAt('/login/acme');
    const bounced = await send(`${baseUrl}/saml/acme/acs`, { form: formOf(answer) });
    assert.equal(bounced.status, 200);
    assert.match(bounced.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(bounced.headers.get('content-security-policy') ?? '', /script-src 'sha256-/);
    assert.match(bounced.body, /<form method="post" action="\/saml\/acme\/acs">/);
    assert.match(bounced.body, /name="samlkit_same_site" value="1"/);
    // The browser posts it again from the app's origin, now with the SameSite=Lax cookie.
    const again = await send(`${baseUrl}/saml/acme/acs`, {
      form: { ...formOf(answer), samlkit_same_site: '1' },
      cookie,
    });
    assert.equal(again.status, 200, again.body);
  });

  it('posts the same-site step back to this origin, even for a request path like //host', async () => {
    const { answer } = await startAt('/login/acme');
    for (const path of ['/anywhere//evil.example/acs', '/anywhere/%2F%2Fevil.example']) {
      const bounced = await send(`${baseUrl}${path}`, { form: formOf(answer) });
      assert.equal(bounced.status, 200);
      const action = /<form method="post" action="([^"]*)">/.exec(bounced.body)?.[1] ?? '';
      assert.ok(action.startsWith('/') && !action.startsWith('//'), action);
      assert.equal(new URL(action, baseUrl).origin, baseUrl);
    }
    // The request line itself may start with //: the action still stays on this origin.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1', () => {
        const body = new URLSearchParams(formOf(answer)).toString();
        socket.end(
          `POST //evil.example/anywhere/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => {
        resolve(text);
      });
      socket.on('error', reject);
    });
    const action = /<form method="post" action="([^"]*)">/.exec(raw)?.[1];
    assert.equal(action, '/evil.example/anywhere/x', raw.slice(0, 200));
  });

  it('refuses a login finished in another browser (login CSRF): fail with BROWSER_MISMATCH', async () => {
    const { answer } = await startAt('/login/acme');
    // The attacker's own response, posted from the victim's browser: no cookie, second post.
    const posted = await send(`${baseUrl}/callback/saml/acme/acs`, {
      form: { ...formOf(answer), samlkit_same_site: '1' },
    });
    assert.equal(posted.status, 401);
    const seen = callbackSeen();
    const challenge = seen.info as SamlChallenge;
    assert.equal(seen.user, false);
    assert.equal(seen.status, 401);
    assert.equal(challenge.code, 'BROWSER_MISMATCH');
    assert.equal(challenge.message, 'SAML login refused: BROWSER_MISMATCH');
    assert.equal(challenge.error.code, 'BROWSER_MISMATCH');
    assert.ok(challenge.error.hint.length > 0);
  });

  it('refuses a tampered response through fail, so failureRedirect applies', async () => {
    const { answer, cookie } = await startAt('/login/acme');
    const xml = Buffer.from(answer.SAMLResponse, 'base64').toString('utf8');
    const tampered = Buffer.from(xml.replace('alice@acme.com', 'mallory@acme.com'), 'utf8').toString(
      'base64',
    );
    const posted = await send(`${baseUrl}/redirecting/saml/acme/acs`, {
      form: { ...formOf(answer), SAMLResponse: tampered },
      cookie,
    });
    assert.equal(posted.status, 302);
    assert.equal(posted.location, '/login-failed');
  });

  it('refuses a response posted to another tenant’s ACS URL', async () => {
    const { answer, cookie } = await startAt('/login/acme');
    lastCallback = undefined;
    const posted = await send(`${baseUrl}/callback/saml/verified/acs`, { form: formOf(answer), cookie });
    assert.equal(posted.status, 401);
    const seen = callbackSeen();
    assert.equal(seen.user, false);
    assert.equal((seen.info as SamlChallenge).code, 'IN_RESPONSE_TO_MISMATCH');
  });

  it('fails an unknown tenant with 404, and a login naming no tenant with 400', async () => {
    const unknown = await send(`${baseUrl}/login/nobody`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.cookies.length, 0, 'no login cookie for a login that did not start');
    const nothing = await send(`${baseUrl}/login`, { form: { email: '' } });
    assert.equal(nothing.status, 400);
  });

  it('sends the POST binding’s self-submitting page with the cookie and a strict CSP', async () => {
    const started = await send(`${baseUrl}/post/login/acme`);
    assert.equal(started.status, 200);
    loginCookieOf(started);
    assert.match(
      started.body,
      new RegExp(`<form method="post" action="${idp.ssoUrl.replace(/[.?]/g, '\\$&')}">`),
    );
    assert.match(started.body, /name="SAMLRequest"/);
    assert.match(
      started.headers.get('content-security-policy') ?? '',
      /^default-src 'none'; script-src 'sha256-/,
    );
    assert.equal(started.headers.get('referrer-policy'), 'no-referrer');
  });

  it('hands the result to the verify callback: its user signs in, its refusal fails', async () => {
    const admin = await startAt('/login/acme');
    const ok = await send(`${baseUrl}/admins/saml/acme/acs`, {
      form: formOf(admin.answer),
      cookie: admin.cookie,
    });
    assert.equal(ok.status, 200, ok.body);
    const { user, info } = JSON.parse(ok.body) as { user: unknown; info: SamlAuthInfo };
    assert.deepEqual(user, { id: 'alice@acme.com', admin: true });
    assert.equal(info.tenantId, 'acme');

    const memberIdp = await startAt('/login/acme');
    const url = new URL(memberIdp.started.location ?? '');
    const member = idp.respond({
      SAMLRequest: url.searchParams.get('SAMLRequest') ?? '',
      RelayState: url.searchParams.get('RelayState') ?? '',
      user: { email: 'bob@acme.com', groups: [] },
    });
    const refused = await send(`${baseUrl}/admins/saml/acme/acs`, {
      form: formOf(member),
      cookie: memberIdp.cookie,
    });
    assert.equal(refused.status, 401);
  });

  it('reports argument mistakes as TypeErrors naming the option', () => {
    assert.throws(() => new SamlStrategy(undefined as never), /options must be an object/);
    assert.throws(() => new SamlStrategy({} as never), /options\.sp must be a service provider/);
    assert.throws(() => new SamlStrategy({ sp, name: '' }), /options\.name/);
    assert.throws(() => new SamlStrategy({ sp, cookieName: 'a b' }), /options\.cookieName/);
    assert.throws(() => new SamlStrategy({ sp, binding: 'artifact' as never }), /options\.binding/);
    assert.throws(() => new SamlStrategy({ sp, secureCookie: 'yes' as never }), /options\.secureCookie/);
    assert.throws(() => new SamlStrategy({ sp }, 'verify' as never), /verify must be a function/);
    assert.equal(new SamlStrategy({ sp }).name, 'saml');
  });
});
