/**
 * Every route of the example app as a plain async function: sign-in page, SSO start, ACS, the
 * signed-in page, sign-out and SP metadata, plus the admin and test IdP pages. No framework here:
 * `examples/express/app.ts` and `examples/fastify/app.ts` only register these.
 */
import {
  buildSpMetadata,
  createServiceProvider,
  SamlError,
  sameSiteStep,
  type LoginResult,
  type ServiceProvider,
  type SetupStore,
  type StartedLogin,
  type TenantStore,
} from 'samlkit';
import { createDirectoryLoginGate } from 'samlkit/scim';
import { createAdmin, type Admin } from './admin.js';
import { directoryRoutes } from './directory.js';
import {
  messagePage,
  page,
  redirect,
  type ExampleRequest,
  type ExampleResponse,
  type ExampleRoute,
} from './http.js';
import type { ExampleAppOptions } from './options.js';
import { logoutRoutes, recordForLogout, signOut } from './logout.js';
import { homePage, loginFailedPage, mePage } from './pages.js';
import { createSessionStore, type Session, type SessionStore } from './session.js';
import { testIdpRoutes } from './test-idp.js';
import { createUsersTable } from './users.js';

/**
 * The service and the app's sessions behind the routes. Glue that finishes logins itself (the
 * NestJS app, through `samlkit/passport`) makes them first and passes them to
 * {@link createExampleRoutes}, so that its logins and the shared pages share one session store.
 */
export interface ExampleCore {
  readonly sp: ServiceProvider;
  readonly sessions: SessionStore;
  /** The SSO settings pages; every finished login is reported to it (the lock-out guard's admin login). */
  readonly admin: Admin;
  /**
   * At the ACS, after the same-site step: the page of a test connection of the SSO settings page
   * (checked against the draft, never a login), or `undefined` for any other response.
   */
  finishTest(request: ExampleRequest, tenantId: string | undefined): Promise<ExampleResponse | undefined>;
  /**
   * After a finished login: a new session (any older one of this browser is ended), recorded for
   * Single Logout, and the redirect to `returnTo` (or `/me`) that sets its cookie and `setCookies`.
   */
  signIn(
    result: LoginResult,
    cookies: Readonly<Record<string, string>>,
    setCookies?: readonly string[],
  ): Promise<ExampleResponse>;
}

export function createExampleCore(options: ExampleAppOptions): ExampleCore {
  const { tenants, state, directory } = options;
  const gate = directory === undefined ? {} : { directory: createDirectoryLoginGate(directory) };
  const users = options.users ?? createUsersTable();
  const sp = createServiceProvider({
    tenants,
    state,
    ...(options.sessions && { sessions: options.sessions }),
    ...gate,
    // Just-in-time provisioning into the users table (users.ts), with the linking rule.
    provision: (input) => users.provision(input),
  });
  const slo = options.sessions !== undefined;
  const secure = options.baseUrl.startsWith('https:');
  const sessions = createSessionStore(secure);
  const setup = options.setup ?? (isSetupStore(tenants) ? tenants : undefined);
  if (setup === undefined) throw new TypeError('options.setup is required when tenants is not a SetupStore');
  const admin = createAdmin({
    tenants,
    setup,
    state,
    sessions,
    baseUrl: options.baseUrl,
    loginCookie: (secret) => loginCookie(secret, 600, secure),
    ...(options.setupSecret !== undefined && { setupSecret: options.setupSecret }),
    ...(options.fetchMetadata !== undefined && { fetchMetadata: options.fetchMetadata }),
  });
  return {
    sp,
    sessions,
    admin,
    finishTest: async (request, tenantId) => {
      const tested = await admin.finishTest(request, tenantId, request.cookies[LOGIN_COOKIE]);
      if (tested === undefined) return undefined;
      return { ...tested, headers: { ...tested.headers, 'set-cookie': loginCookie('', 0, secure) } };
    },
    signIn: async (result, cookies, setCookies = []) => {
      await admin.signedIn(result);
      sessions.destroy(cookies); // a session from before the login is never carried over
      const { id, cookie } = sessions.start(sessionOf(result));
      await recordForLogout(sp, slo, result, id);
      return redirect(result.returnTo ?? '/me', { 'set-cookie': [cookie, ...setCookies] });
    },
  };
}

export function createExampleRoutes(
  options: ExampleAppOptions,
  core: ExampleCore = createExampleCore(options),
): readonly ExampleRoute[] {
  const { tenants, baseUrl } = options;
  const { directory } = options;
  const { sp, sessions, admin } = core;
  const slo = options.sessions !== undefined;
  const secure = baseUrl.startsWith('https:');
  const start = startLogin(sp, tenants, secure);

  async function finish(request: ExampleRequest, tenantId: string | undefined): Promise<ExampleResponse> {
    // The IdP's post is cross-site, so the SameSite=Lax login cookie is not sent with it: post the
    // same form again from this origin, where it is (login CSRF protection, see docs/service.md).
    const browserSecret = request.cookies[LOGIN_COOKIE];
    const step = sameSiteStep(request.form, browserSecret, { action: request.path });
    if (step !== undefined) return page(step);
    // A test connection of the SSO settings page: checked against the draft, never a login.
    const tested = await core.finishTest(request, tenantId);
    if (tested !== undefined) return tested;
    let result: LoginResult;
    try {
      result = await sp.finishLogin(request.form, {
        browserSecret,
        ...(tenantId !== undefined && { tenantId }),
      });
    } catch (error) {
      if (error instanceof SamlError) return refused(error, 401);
      throw error;
    }
    return core.signIn(result, request.cookies, [loginCookie('', 0, secure)]);
  }

  return [
    { method: 'GET', path: '/', handler: () => Promise.resolve(page(homePage())) },
    {
      method: 'POST',
      path: '/login',
      handler: async ({ form }) => {
        const email = (form.email ?? '').trim();
        if (email === '') return page(homePage({ error: 'Enter your work email.' }), 400);
        let options: Awaited<ReturnType<ServiceProvider['loginMethods']>>;
        try {
          options = await sp.loginMethods(email);
        } catch (error) {
          // Not an address samlkit can judge: refuse it rather than fall back to password login.
          if (error instanceof SamlError && error.code === 'EMAIL_INVALID') {
            return page(homePage({ email, error: `${email} is not an email address we can sign in.` }), 400);
          }
          throw error;
        }
        const { sso, password } = options;
        if (sso !== null) return start({ email }, sso.tenantId);
        // requireSso: no password for this address, and (here) no SSO to offer either.
        if (!password) return messagePage('Single sign-on required', 'Your organisation requires SSO.', 403);
        return messagePage(
          'Password sign-in',
          `No organisation has set up single sign-on for ${email}. Password login is not part of this example.`,
        );
      },
    },
    {
      method: 'GET',
      path: '/login/:tenant',
      handler: ({ params, query }) => {
        const tenantId = params.tenant ?? '';
        return start({ tenantId }, tenantId, {
          ...(query.binding === 'post' && { binding: 'post' }),
          ...(query.returnTo !== undefined && { returnTo: query.returnTo }),
          // Step-up before a sensitive action: the IdP must ask again, and an old session is refused.
          ...(query.stepUp === '1' && { forceAuthn: true }),
        });
      },
    },
    {
      method: 'POST',
      path: '/saml/:tenant/acs',
      handler: (request) => finish(request, request.params.tenant ?? ''),
    },
    // A shared ACS URL: finishLogin finds the tenant from the pending login (or the Issuer).
    { method: 'POST', path: '/saml/acs', handler: (request) => finish(request, undefined) },
    {
      method: 'GET',
      path: '/me',
      handler: ({ cookies }) => {
        const session = sessions.get(cookies);
        return Promise.resolve(session === undefined ? redirect('/') : page(mePage(session)));
      },
    },
    {
      method: 'POST',
      path: '/logout',
      handler: (request) => signOut(sp, slo, sessions, request),
    },
    ...logoutRoutes(sp, sessions),
    {
      method: 'GET',
      path: '/saml/:tenant/metadata',
      handler: async ({ params, query }) => {
        const config = await tenants.get(params.tenant ?? '');
        if (config === undefined) return messagePage('Not found', 'No such organisation.', 404);
        // ?view=xml (the settings page's link): as XML a browser shows, instead of a download.
        const type = query.view === 'xml' ? 'text/xml' : 'application/samlmetadata+xml';
        return {
          status: 200,
          headers: { 'content-type': `${type}; charset=utf-8`, 'x-content-type-options': 'nosniff' },
          body: buildSpMetadata(config),
        };
      },
    },
    ...admin.routes,
    ...(directory === undefined ? [] : directoryRoutes({ tenants, sessions, directory, baseUrl })),
    ...(options.testIdp === undefined ? [] : testIdpRoutes(options.testIdp)),
  ];
}

type Target = { readonly email: string } | { readonly tenantId: string };
type Start = (
  target: Target,
  tenantId: string,
  options?: { readonly binding?: 'post'; readonly returnTo?: string; readonly forceAuthn?: boolean },
) => Promise<ExampleResponse>;

/** The cookie that binds a started login to this browser (`StartedLogin.browserSecret`). */
const LOGIN_COOKIE = 'samlkit_login';

/** The login cookie: HttpOnly, SameSite=Lax (the ACS takes the same-site step), Secure over https. */
function loginCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${LOGIN_COOKIE}=${value}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** Starts an SP-initiated login: a redirect to the IdP, or samlkit's auto-submitting page for POST. */
function startLogin(sp: ServiceProvider, tenants: TenantStore, secure: boolean): Start {
  return async (target, tenantId, options = {}) => {
    let login: StartedLogin;
    try {
      // An IdP whose metadata offers only the POST binding gets the request by POST.
      const urls = (await tenants.get(tenantId))?.idp.ssoUrls;
      const postOnly = urls?.post !== undefined && urls.redirect === undefined;
      login = await sp.startLogin(target, {
        ...options,
        binding: postOnly ? 'post' : (options.binding ?? 'redirect'),
      });
    } catch (error) {
      if (error instanceof SamlError) return refused(error, error.code === 'TENANT_NOT_FOUND' ? 404 : 400);
      throw error;
    }
    // As long as the login may take at the IdP (requestTtlSeconds), for this browser only.
    const cookie = { 'set-cookie': loginCookie(login.browserSecret, login.maxAgeSeconds, secure) };
    if (login.binding === 'post') return page(login.html, 200, cookie);
    // The address the user typed, for the IdP's sign-in page (Entra ID, Google and the test IdP
    // read login_hint); outside the signed query parameters, so it changes nothing else.
    if (!('email' in target)) return redirect(login.url, cookie);
    const url = new URL(login.url);
    url.searchParams.set('login_hint', target.email);
    return redirect(url.href, cookie);
  };
}

function isSetupStore(store: TenantStore): store is TenantStore & SetupStore {
  return typeof (store as Partial<SetupStore>).promoteDraft === 'function';
}

/** The page of a refused login, with its code and hint; logged without personal data. */
export function refused(error: SamlError, status: number): ExampleResponse {
  // What to log: the code, the hint and the tenant. Not the message's personal data, not the stack.
  console.warn(
    `SAML login refused: ${error.code}${error.tenantId === undefined ? '' : ` (tenant ${error.tenantId})`}`,
  );
  return page(loginFailedPage(error), status);
}

function sessionOf({ tenant, profile, roles, user }: LoginResult): Session {
  const name = [profile.firstName, profile.lastName].filter((part) => part !== undefined).join(' ');
  return {
    ...(user !== undefined && { userId: user.id }),
    tenantId: tenant.id,
    email: profile.email ?? '',
    name: name === '' ? (profile.email ?? profile.nameId) : name,
    roles,
    groups: profile.groups,
    nameId: profile.nameId,
  };
}
