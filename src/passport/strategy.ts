/**
 * A Passport strategy over the multi-tenant service: the shape Passport expects (a `name` and an
 * `authenticate(req, options)` that ends in one of the actions Passport adds per request), without
 * depending on `passport` itself. SAML profiles §4.1 (Web Browser SSO): a request to a login route
 * starts the login (HTTP-Redirect or HTTP-POST binding, bindings §3.4 and §3.5); the IdP's post to the
 * ACS URL finishes it.
 *
 * @module
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { SamlError } from '../errors.js';
import { POST_FORM_SCRIPT_HASH } from '../request/bindings.js';
import { sameSiteStep } from '../service/browser-binding.js';
import type { LoginResult, LoginTarget, ServiceProvider, StartedLogin } from '../service/provider.js';
import { fieldOf } from '../internal/form.js';

/** The login cookie's name unless {@link SamlStrategyOptions.cookieName} says otherwise. */
export const DEFAULT_LOGIN_COOKIE = 'samlkit_login';

/**
 * What the strategy reads from a request: Express's request (and NestJS's, on Express) has all of
 * it. `body` must be the parsed `application/x-www-form-urlencoded` form at the ACS URL, and `res`
 * the response (Express sets `req.res`): the login cookie is set on it, and the POST binding's and
 * the same-site step's pages are written to it.
 */
export interface SamlStrategyRequest {
  /** The HTTP method: a `POST` with a `SAMLResponse` field finishes a login, anything else starts one. */
  readonly method?: string | undefined;
  /** The request headers: the login cookie is read from `cookie`. */
  readonly headers: IncomingHttpHeaders;
  /** Route parameters (`/saml/:tenant/acs`). */
  readonly params?: unknown;
  /** The parsed query: `email` and `returnTo` at a login route. */
  readonly query?: unknown;
  /** The parsed urlencoded form: `SAMLResponse` and `RelayState` at the ACS, `email` at a login route. */
  readonly body?: unknown;
  /** The path the request came to, for the same-site step's form (Express: the full path). */
  readonly originalUrl?: string | undefined;
  /** The path the request came to, when `originalUrl` is absent. */
  readonly url?: string | undefined;
  /** Express's `req.secure`: the request came over https (behind a proxy, with `trust proxy`). */
  readonly secure?: boolean | undefined;
  /** The response: the login cookie is set on it, and the self-submitting pages are written to it. */
  readonly res?: ServerResponse | undefined;
}

/** What Passport calls with a finished login: the Passport convention of `done(error, user, info)`. */
export type SamlVerifyDone = (error: unknown, user?: unknown, info?: unknown) => void;

/**
 * Turns a finished login into the application's user: call `done(null, user)`, `done(null, false,
 * { message })` to refuse it, or `done(error)`. The Passport convention, so that
 * `@nestjs/passport`'s `PassportStrategy(SamlStrategy)` can pass its `validate` as this argument.
 */
export type SamlVerify = (result: LoginResult, done: SamlVerifyDone) => void | Promise<void>;

/** Options of {@link SamlStrategy}. */
export interface SamlStrategyOptions {
  /** The multi-tenant service (`createServiceProvider`): tenants, pending logins and verification. */
  readonly sp: ServiceProvider;
  /** The strategy's name for `passport.authenticate(name)`. Default `'saml'`. */
  readonly name?: string;
  /**
   * The route parameter that names the tenant: at a login route (`/login/:tenant`) the login goes to
   * that tenant; at a per-tenant ACS URL (`/saml/:tenant/acs`) the response must be that tenant's.
   * Without it, a login goes to the tenant that claims the domain of the form or query field
   * `email`, and a shared ACS URL finds the tenant from the pending login. Default `'tenant'`.
   */
  readonly tenantParam?: string;
  /** The login cookie that binds a started login to the browser. Default {@link DEFAULT_LOGIN_COOKIE}. */
  readonly cookieName?: string;
  /**
   * Whether the login cookie gets `Secure`. Default: when the request came over https (`req.secure`,
   * else the socket). Set `true` behind a TLS-terminating proxy that Express does not trust.
   */
  readonly secureCookie?: boolean;
  /** The binding of the AuthnRequest unless `authenticate`'s options say otherwise. Default `'redirect'`. */
  readonly binding?: 'redirect' | 'post';
  /**
   * Adds the address the user typed as `login_hint` to the Redirect-binding URL, for the IdP's
   * sign-in page (Entra ID and Google read it). It is outside the signed query parameters (bindings
   * §3.4.4.1), so it changes nothing else. Default `false`.
   */
  readonly loginHint?: boolean;
}

/**
 * The options of `passport.authenticate('saml', options)` the strategy reads (Passport's own, such
 * as `session` and `failureRedirect`, work as usual).
 */
export interface SamlAuthenticateOptions {
  /**
   * Where to send the user after the login, a same-origin path; default: the `returnTo` query
   * parameter. The service drops anything else (no open redirect) and hands it back after the login
   * as `req.authInfo.returnTo`.
   */
  readonly returnTo?: string;
  /** The binding of this AuthnRequest. */
  readonly binding?: 'redirect' | 'post';
  /** Ask the IdP to authenticate the user again (SAML core §3.4.1 `ForceAuthn`). */
  readonly forceAuthn?: boolean;
}

/** What a successful login leaves in `req.authInfo` (Passport's `info`). */
export interface SamlAuthInfo {
  /** The tenant the login was verified against. */
  readonly tenantId: string;
  /** Where the login wanted to go: a same-origin path, checked when the login started. */
  readonly returnTo?: string;
}

/** What a refused login hands to Passport's `fail`, e.g. to a custom callback as `info`. */
export interface SamlChallenge {
  /** `SAML login refused: <code>`, no personal data: fit for `failureMessage` and logs. */
  readonly message: string;
  /** The refusal's stable code (docs/errors.md). */
  readonly code: SamlError['code'];
  /** The error itself, with its `hint` for an admin. */
  readonly error: SamlError;
}

/** The actions Passport adds to the strategy for each request (passport's `authenticate` middleware). */
export interface PassportActions {
  /** The login succeeded: `user` becomes `req.user`, `info` `req.authInfo`. */
  success(user: unknown, info?: unknown): void;
  /** The login was refused: Passport answers with `status` (401) or its failure options. */
  fail(challenge?: unknown, status?: number): void;
  /** Sends the browser to `url` (the IdP). */
  redirect(url: string, status?: number): void;
  /** Lets the request through unauthenticated (not used by this strategy). */
  pass(): void;
  /** Something failed that is not the user's doing: Passport calls `next(error)`. */
  error(error: unknown): void;
}

/**
 * A Passport strategy for many tenants, over `createServiceProvider`. Like passport-saml's
 * `MultiSamlStrategy`, the tenant is chosen per request, but from the route (or the email the user
 * typed) and the service's tenant store, not by a per-request configuration callback.
 *
 * - At a login route it starts the login: the login cookie (`browserSecret`, login CSRF) is set on
 *   `req.res`, and the browser is redirected to the IdP (or, for the POST binding, sent samlkit's
 *   auto-submitting page).
 * - At the ACS URL (a POST with a `SAMLResponse`) it finishes the login: when the IdP's cross-site
 *   post came without the `SameSite=Lax` login cookie it answers with the same-site step (the form
 *   posted again from the app's origin), else it calls `finishLogin`, clears the cookie, and calls
 *   `success` with the verify callback's user (default: the `LoginResult`) and a
 *   {@link SamlAuthInfo}.
 * - A refused login (`SamlError`) ends in `fail` with a {@link SamlChallenge} and status 401 (404 for
 *   an unknown tenant at a login route); a store outage and anything unexpected in `error`.
 *
 * It is a class because Passport creates each request's strategy from it with `Object.create` (so
 * its settings are properties, reached through the prototype, not `#private` fields), and
 * `@nestjs/passport` extends it.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import passport from 'passport';
 * import { createServiceProvider, createMemoryStore } from 'samlkit';
 * import { SamlStrategy, type SamlAuthInfo } from 'samlkit/passport';
 *
 * const store = createMemoryStore();
 * const sp = createServiceProvider({ tenants: store, state: store });
 * passport.use(new SamlStrategy({ sp }));
 *
 * const app = express();
 * app.use(express.urlencoded({ extended: false }));
 * app.get('/login/:tenant', passport.authenticate('saml', { session: false }));
 * app.post('/saml/:tenant/acs', passport.authenticate('saml', { session: false }), (req, res) => {
 *   const info = req.authInfo as SamlAuthInfo;
 *   res.redirect(303, info.returnTo ?? '/');
 * });
 * ```
 */
export class SamlStrategy {
  /** The strategy's name, for `passport.authenticate(name)`. */
  readonly name: string;
  private readonly sp: ServiceProvider;
  private readonly tenantParam: string;
  private readonly cookieName: string;
  private readonly secureCookie: boolean | undefined;
  private readonly binding: 'redirect' | 'post';
  private readonly verify: SamlVerify | undefined;
  private readonly loginHint: boolean;

  /**
   * @param options - The service and how to read the tenant from a request.
   * @param verify - Turns the `LoginResult` into the app's user (the Passport convention); without
   *   it, the user is the `LoginResult`.
   */
  constructor(options: SamlStrategyOptions, verify?: SamlVerify) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw new TypeError('options must be an object');
    }
    const { sp } = options;
    if (
      typeof sp !== 'object' ||
      typeof sp.startLogin !== 'function' ||
      typeof sp.finishLogin !== 'function'
    ) {
      throw new TypeError('options.sp must be a service provider (createServiceProvider)');
    }
    this.name = nonEmpty(options.name, 'options.name') ?? 'saml';
    this.sp = sp;
    this.tenantParam = nonEmpty(options.tenantParam, 'options.tenantParam') ?? 'tenant';
    this.cookieName = nonEmpty(options.cookieName, 'options.cookieName') ?? DEFAULT_LOGIN_COOKIE;
    if (!/^[!#$%&'*+\-.^`|~\w]+$/.test(this.cookieName)) {
      throw new TypeError('options.cookieName must be a cookie name (RFC 6265 token)');
    }
    if (options.secureCookie !== undefined && typeof options.secureCookie !== 'boolean') {
      throw new TypeError('options.secureCookie must be a boolean');
    }
    this.secureCookie = options.secureCookie;
    this.binding = bindingOf(options.binding, 'options.binding') ?? 'redirect';
    if (options.loginHint !== undefined && typeof options.loginHint !== 'boolean') {
      throw new TypeError('options.loginHint must be a boolean');
    }
    this.loginHint = options.loginHint ?? false;
    if (verify !== undefined && typeof verify !== 'function') {
      throw new TypeError('verify must be a function');
    }
    this.verify = verify;
  }

  /**
   * Called by Passport with the request and the options of `passport.authenticate`: starts the login,
   * or finishes it when the request is the IdP's post of a `SAMLResponse` to the ACS URL.
   */
  authenticate(this: PassportActions, req: SamlStrategyRequest, options?: unknown): void {
    // Passport calls this on an object made with Object.create(strategy) that carries the actions:
    // typed as Passport's own types see it (@types/passport), with this strategy as its prototype.
    const strategy = this as unknown as SamlStrategy;
    const run = async (): Promise<void> => {
      const res = req.res;
      if (res === undefined) {
        throw new TypeError('req.res is missing (Express sets it): the strategy writes cookies on it');
      }
      const form = req.body;
      if (req.method === 'POST' && fieldOf(form, 'SAMLResponse') !== undefined) {
        await strategy.finish(this, req, res, form);
      } else {
        await strategy.start(this, req, res, authenticateOptions(options));
      }
    };
    run().catch((error: unknown) => {
      this.error(error);
    });
  }

  private async start(
    actions: PassportActions,
    req: SamlStrategyRequest,
    res: ServerResponse,
    options: SamlAuthenticateOptions,
  ): Promise<void> {
    const tenantId = fieldOf(req.params, this.tenantParam);
    const email = fieldOf(req.body, 'email') ?? fieldOf(req.query, 'email');
    const target: LoginTarget | undefined =
      typeof tenantId === 'string' && tenantId !== ''
        ? { tenantId }
        : typeof email === 'string' && email.trim() !== ''
          ? { email: email.trim() }
          : undefined;
    if (target === undefined) {
      actions.fail(
        challengeOf(
          new SamlError('TENANT_NOT_FOUND', 'The login names no tenant and no email address.', {
            hint: `Route the login as /login/:${this.tenantParam}, or post the user's email in the field "email".`,
          }),
        ),
        400,
      );
      return;
    }
    const returnTo = options.returnTo ?? fieldOf(req.query, 'returnTo');
    let login: StartedLogin;
    try {
      login = await this.sp.startLogin(target, {
        binding: options.binding ?? this.binding,
        ...(options.forceAuthn !== undefined && { forceAuthn: options.forceAuthn }),
        ...(typeof returnTo === 'string' && { returnTo }),
      });
    } catch (error) {
      if (!refusable(error)) throw error;
      actions.fail(challengeOf(error), error.code === 'TENANT_NOT_FOUND' ? 404 : 400);
      return;
    }
    appendCookie(res, this.cookie(req, login.browserSecret, login.maxAgeSeconds));
    if (login.binding === 'redirect') {
      // 303 after a form post (the browser follows with a GET), as for any redirect to the IdP.
      // Appended, not set through URLSearchParams: re-encoding the query would change the bytes
      // the Redirect-binding signature covers.
      const url =
        this.loginHint && 'email' in target
          ? `${login.url}&login_hint=${encodeURIComponent(target.email)}`
          : login.url;
      actions.redirect(url, req.method === 'POST' ? 303 : 302);
      return;
    }
    // Passport's actions cannot send a page: the POST binding's form is written here, as
    // passport-saml does (bindings §3.5.4: the browser posts it to the IdP).
    sendPage(res, login.html);
  }

  private async finish(
    actions: PassportActions,
    req: SamlStrategyRequest,
    res: ServerResponse,
    form: unknown,
  ): Promise<void> {
    const browserSecret = readCookie(req.headers.cookie, this.cookieName);
    // The form goes back to the path it came to, on this origin: a request line such as
    // `//evil.example/acs` must not make it a protocol-relative URL to another host.
    const path = (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
    const step = sameSiteStep(form, browserSecret, { action: `/${path.replace(/^[/\\]+/, '')}` });
    if (step !== undefined) {
      sendPage(res, step);
      return;
    }
    const tenantId = fieldOf(req.params, this.tenantParam);
    let result: LoginResult;
    try {
      result = await this.sp.finishLogin(form, {
        browserSecret,
        ...(tenantId !== undefined && { tenantId }),
      });
    } catch (error) {
      // The cookie stays: a refused response (another tenant's, a forged one) leaves the pending
      // login in place for the IdP's real answer.
      if (!refusable(error)) throw error;
      actions.fail(challengeOf(error), 401);
      return;
    }
    // The pending login is consumed: its cookie has no further use.
    appendCookie(res, this.cookie(req, '', 0));
    const info: SamlAuthInfo = {
      tenantId: result.tenant.id,
      ...(result.returnTo !== undefined && { returnTo: result.returnTo }),
    };
    const verify = this.verify;
    if (verify === undefined) {
      actions.success(result, info);
      return;
    }
    let settled = false;
    const done: SamlVerifyDone = (error, user, refusal) => {
      if (settled) return;
      settled = true;
      if (error !== null && error !== undefined) actions.error(error);
      else if (user === false || user === undefined || user === null) actions.fail(refusal, 401);
      else actions.success(user, { ...info, ...(typeof refusal === 'object' && refusal) });
    };
    try {
      await verify(result, done);
    } catch (error) {
      done(error);
    }
  }

  private cookie(req: SamlStrategyRequest, value: string, maxAgeSeconds: number): string {
    const secure = this.secureCookie ?? isHttps(req);
    // SameSite=Lax: sent with the same-site step's post, never with a cross-site one (login CSRF).
    return `${this.cookieName}=${value}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }
}

function nonEmpty(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

function bindingOf(value: unknown, name: string): 'redirect' | 'post' | undefined {
  if (value === undefined || value === 'redirect' || value === 'post') return value;
  throw new TypeError(`${name} must be 'redirect' or 'post'`);
}

/** The options of `passport.authenticate` this strategy reads; Passport's own pass through. */
function authenticateOptions(options: unknown): SamlAuthenticateOptions {
  if (typeof options !== 'object' || options === null) return {};
  const returnTo = fieldOf(options, 'returnTo');
  const binding = bindingOf(fieldOf(options, 'binding'), 'authenticate options.binding');
  const forceAuthn = fieldOf(options, 'forceAuthn');
  if (returnTo !== undefined && typeof returnTo !== 'string') {
    throw new TypeError('authenticate options.returnTo must be a string');
  }
  if (forceAuthn !== undefined && typeof forceAuthn !== 'boolean') {
    throw new TypeError('authenticate options.forceAuthn must be a boolean');
  }
  return {
    ...(returnTo !== undefined && { returnTo }),
    ...(binding !== undefined && { binding }),
    ...(forceAuthn !== undefined && { forceAuthn }),
  };
}

/** An own property of a parsed body, query or params object: never one of Object.prototype's. */
/** A refusal to report through `fail`; a store outage is the server's failure, not the user's. */
function refusable(error: unknown): error is SamlError {
  return error instanceof SamlError && error.code !== 'STORE_UNAVAILABLE';
}

function challengeOf(error: SamlError): SamlChallenge {
  return { message: `SAML login refused: ${error.code}`, code: error.code, error };
}

/** The value of cookie `name` in a Cookie header (the first one: the most specific path). */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    return part.slice(eq + 1).trim();
  }
  return undefined;
}

function isHttps(req: SamlStrategyRequest): boolean {
  if (typeof req.secure === 'boolean') return req.secure;
  const socket = req.res?.socket as { encrypted?: unknown } | null | undefined;
  return socket?.encrypted === true;
}

/** Adds a `Set-Cookie` line, keeping those already set (a session cookie, for one). */
function appendCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  const lines = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...lines, cookie]);
}

/**
 * Writes one of samlkit's self-submitting pages: its one script is allowed by hash, nothing else
 * loads, it cannot be framed, and no Referer leaks the message.
 */
function sendPage(res: ServerResponse, html: string): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader(
    'content-security-policy',
    `default-src 'none'; script-src ${POST_FORM_SCRIPT_HASH}; base-uri 'none'; frame-ancestors 'none'`,
  );
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.end(html);
}
