/**
 * A real Passport 0.7 + Express 5 app on loopback with samlkit/passport's strategy, over a
 * MemoryStore and the test IdP of samlkit/testing, for test/integration/passport.test.ts and
 * test/attacks/passport-login-csrf.test.ts: routes for each way the strategy is used, and a
 * one-browser fetch.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { Passport } from 'passport';
import { createServiceProvider, createMemoryStore, type ServiceProvider } from '../../src/index.js';
import {
  DEFAULT_LOGIN_COOKIE,
  SamlStrategy,
  type SamlAuthInfo,
  type SamlVerify,
} from '../../src/passport.js';
import { createTestIdp, type TestIdp, type TestIdpUser } from '../../src/testing/index.js';

export const ALICE: TestIdpUser = {
  email: 'alice@acme.com',
  firstName: 'Alice',
  lastName: 'Liddell',
  groups: ['admins'],
};

export interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly cookies: readonly string[];
  readonly headers: Headers;
  readonly body: string;
}

/** One browser: fetch without following redirects, with the cookies given. */
export async function send(
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

export function loginCookieOf(answer: Answer): string {
  const line = answer.cookies.find((cookie) => cookie.startsWith(`${DEFAULT_LOGIN_COOKIE}=`));
  assert.ok(line !== undefined, `no login cookie in ${JSON.stringify(answer.cookies)}`);
  return line;
}

/** The `name=value` part of a Set-Cookie line, as the browser sends it back. */
export function pairOf(setCookie: string): string {
  return setCookie.split(';')[0] ?? '';
}

/** What the last custom callback saw: `(err, user, info, status)`. */
export interface CallbackSeen {
  readonly user: unknown;
  readonly info: unknown;
  readonly status: unknown;
}

export interface PassportApp {
  readonly baseUrl: string;
  readonly idp: TestIdp;
  readonly sp: ServiceProvider;
  /** What the custom callback of `/callback/saml/:tenant/acs` saw last; fails when it was not called. */
  callbackSeen(): CallbackSeen;
  /** Forgets the last custom callback. */
  resetCallback(): void;
  /**
   * Starts a login at `path` (a GET, or a POST of `form`); returns the redirect, the IdP's answer
   * for `user` and the login cookie as the browser sends it back.
   */
  startAt(
    path: string,
    form?: Readonly<Record<string, string>>,
    user?: TestIdpUser,
  ): Promise<{ started: Answer; answer: ReturnType<TestIdp['respond']>; cookie: string }>;
  close(): Promise<void>;
}

/** The IdP's answer as the browser posts it. */
export function formOf(answer: ReturnType<TestIdp['respond']>): Record<string, string> {
  return {
    SAMLResponse: answer.SAMLResponse,
    ...(answer.RelayState !== undefined && { RelayState: answer.RelayState }),
  };
}

/**
 * Tenants `acme` (domain acme.com, verified) and `verified`, both trusting the test IdP; routes:
 * `/login/:tenant`, `POST /login`, `/post/login/:tenant` (POST binding), `/hint/login` (login_hint),
 * `/login-to-settings/:tenant` (returnTo option), ACS URLs `/saml/:tenant/acs` (answers the user and
 * info as JSON), `/admins/...` (verify callback), `/redirecting/...` (failureRedirect),
 * `/callback/...` (custom callback), and any other POST path through the strategy.
 */
export async function startPassportApp(): Promise<PassportApp> {
  let lastCallback: CallbackSeen | undefined;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp = await createTestIdp({ preset: 'generic' });
  const store = createMemoryStore();
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
  const sp = createServiceProvider({ tenants: store, state: store });

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

  const startAt: PassportApp['startAt'] = async (path, form, user = ALICE) => {
    const started = await send(`${baseUrl}${path}`, form === undefined ? {} : { form });
    // 303 after a form post: the browser follows with a GET.
    assert.equal(started.status, form === undefined ? 302 : 303, started.body);
    const url = new URL(started.location ?? '');
    assert.equal(`${url.origin}${url.pathname}`, idp.ssoUrl);
    const answer = idp.respond({
      SAMLRequest: url.searchParams.get('SAMLRequest') ?? '',
      RelayState: url.searchParams.get('RelayState') ?? '',
      user,
    });
    return { started, answer, cookie: pairOf(loginCookieOf(started)) };
  };

  return {
    baseUrl,
    idp,
    sp,
    callbackSeen: () => {
      assert.ok(lastCallback !== undefined, 'the custom callback was not called');
      return lastCallback;
    },
    resetCallback: () => {
      lastCallback = undefined;
    },
    startAt,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
