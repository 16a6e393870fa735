import { randomBytes } from 'node:crypto';
import { SamlError } from '../errors.js';
import { normalizeTypedEmail, type EmailAddress } from '../internal/email.js';
import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import {
  createAuthnRequest,
  type AuthnRequestOptions,
  type PostAuthnRequest,
  type RedirectAuthnRequest,
} from '../request/authn-request.js';
import { decodeResponse, maxResponseBytes, type UnverifiedResponseHints } from '../response/read.js';
import { verifyResponse } from '../response/verify.js';
import type { PendingRequest, StateStore, TenantStore } from '../store/types.js';
import { resolvedTenant, type Tenant } from '../tenant/define.js';
import type { Clock, SamlProfile, TenantConfig } from '../types.js';
import { isSameBrowser, newBrowserSecret } from './browser-binding.js';
import { publicTenant, type PublicTenantConfig } from './public-tenant.js';
import { safeReturnTo } from './return-to.js';
import { createLogoutSteps, type LogoutServiceOptions, type LogoutSteps } from './logout.js';
import { createTenantCache, type TenantCache } from './tenant-cache.js';
import { narrowUnsolicited } from './tenant-isolation.js';
import { connectionsOf, emailDomainVerifiedInOrganization, type LoginConnection } from './organizations.js';
import type { DirectoryLoginGate } from '../scim/login.js';
import { loginPolicies, profileKey, type PolicyServiceOptions, type ProvisionedUser } from './policies.js';
import { fieldOf, sameText } from '../internal/form.js';

/** Options of {@link createServiceProvider}. */
export interface ServiceProviderOptions extends LogoutServiceOptions, PolicyServiceOptions {
  /** Where tenant configurations are looked up (by ID, email domain and issuer). */
  readonly tenants: TenantStore;
  /** Pending logins and the replay cache. Share it between instances (Redis, PostgreSQL). */
  readonly state: StateStore;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
  /** How long a started login may take at the IdP (MFA included). Default 600, at most 3600. */
  readonly requestTtlSeconds?: number;
  /** Largest decoded response `finishLogin` accepts, in bytes. Default 262144 (256 KiB), at most 4 MiB. */
  readonly maxResponseBytes?: number;
  /** Refuses logins of users the tenant's SCIM directory deactivated (`USER_DEACTIVATED`); see `createDirectoryLoginGate` in `samlkit/scim`. */
  readonly directory?: DirectoryLoginGate;
}

/** Options of `startLogin`: those of `createAuthnRequest`, and where to go afterwards. */
export interface StartLoginOptions extends Omit<AuthnRequestOptions, 'relayState' | 'now'> {
  /**
   * Where to send the user after login: a same-origin relative path such as `/projects/42`.
   * Anything else (an absolute or protocol-relative URL, a backslash, a control character) is
   * dropped, never followed. It stays on the server; RelayState carries only a random handle.
   */
  readonly returnTo?: string;
  /**
   * Step-up: the most seconds since the user authenticated at the IdP that `finishLogin` accepts
   * for this login (`AUTHN_TOO_OLD`). Default with `forceAuthn: true`: `requestTtlSeconds`, so an
   * IdP that reuses its session instead of asking again is caught; without it, not checked.
   */
  readonly maxAuthnAgeSeconds?: number;
}

/** Whom a login is for: a tenant by ID, or whichever tenant claims the email's domain. */
export type LoginTarget =
  | {
      /** The tenant's ID, e.g. from a per-tenant login URL. */
      readonly tenantId: string;
    }
  | {
      /** The address the user typed; the tenant that claims its domain (`emailDomains`) signs them in. */
      readonly email: string;
    };

/** A started login: the AuthnRequest to send, and the tenant it goes to. */
export type StartedLogin = (RedirectAuthnRequest | PostAuthnRequest) & {
  /** The tenant the login goes to (the one whose email domain matched, for `{ email }`). */
  readonly tenantId: string;
  /**
   * Binds the login to this browser (login CSRF, docs/security.md rule 23): set it as a cookie, e.g.
   * `samlkit_login=<secret>; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=<maxAgeSeconds>`, and
   * give its value back to `finishLogin` as `browserSecret`. Only its hash is stored. See
   * `sameSiteStep` for the ACS, where the IdP's cross-site post arrives without a `SameSite=Lax` cookie.
   */
  readonly browserSecret: string;
  /** How long the login may take at the IdP (`requestTtlSeconds`): the login cookie's Max-Age. */
  readonly maxAgeSeconds: number;
  /** The `returnTo` kept for this login, after the same-origin check. */
  readonly returnTo?: string;
};

/** A finished login. */
export interface LoginResult {
  /** The tenant the response was verified against, without its private keys (safe to log). */
  readonly tenant: PublicTenantConfig;
  /**
   * The verified identity. Its `email` is what the tenant's IdP asserts: any tenant's admin runs
   * their own IdP, so it is trusted only when `emailDomainVerified` is `true`. Key accounts by
   * (tenant, issuer, NameID); see docs/domains.md for linking.
   */
  readonly profile: SamlProfile;
  /**
   * The email's domain is verified for this tenant (the tenant proved it owns the domain): only
   * then may the app find or link an existing account by this email. `false` without an email.
   */
  readonly emailDomainVerified: boolean;
  /** The app roles the tenant's role mapping grants. */
  readonly roles: readonly string[];
  /**
   * Entra ID sent its group-overage claim instead of the groups (more than 150): the groups, and
   * so the roles, are incomplete. Read the user's groups from Microsoft Graph.
   */
  readonly groupsOverage: boolean;
  /** Where the login started from wanted to go; absent for IdP-initiated logins. */
  readonly returnTo?: string;
  /** The account the `provision` hook chose; absent without a hook. */
  readonly user?: ProvisionedUser;
}

/** What a login page should offer for an address. */
export interface LoginMethods {
  /** The tenant whose IdP signs this user in, or `null` when none handles the domain. */
  readonly sso: {
    /** Pass it to `startLogin({ tenantId })`. */
    readonly tenantId: string;
  } | null;
  /** Whether password login stays available (off under `requireSso`, except break-glass addresses). */
  readonly password: boolean;
  /**
   * The organisation's connections to choose from, when it has several (`sso` first, then the
   * holder's `organization.connections`; docs/policies.md): absent when there is only `sso`.
   */
  readonly connections?: readonly LoginConnection[];
}

/** The multi-tenant facade: routes logins to tenants and ties requests, responses and stores together. */
export interface ServiceProvider extends LogoutSteps {
  /**
   * Starts an SP-initiated login with the HTTP-POST binding: send `html` (or a form of your own
   * from `action` and `fields`). See the redirect overload.
   */
  startLogin(
    target: LoginTarget,
    options: StartLoginOptions & { readonly binding: 'post' },
  ): Promise<Extract<StartedLogin, { binding: 'post' }>>;
  /**
   * Starts an SP-initiated login: finds the tenant (by ID, or by the email's domain), builds the
   * AuthnRequest with a random RelayState handle, and saves the pending login until
   * `requestTtlSeconds` have passed. Redirect the browser to `url`.
   *
   * @throws SamlError `TENANT_NOT_FOUND` (no tenant for the ID or domain), `SAML_DISABLED`,
   *   `STORE_UNAVAILABLE`; a `TypeError` for invalid options.
   */
  startLogin(
    target: LoginTarget,
    options?: StartLoginOptions & { readonly binding?: 'redirect' },
  ): Promise<Extract<StartedLogin, { binding: 'redirect' }>>;
  /** Starts a login with the binding `options.binding` chooses at run time. */
  startLogin(target: LoginTarget, options?: StartLoginOptions): Promise<StartedLogin>;
  /**
   * Finishes a login at the ACS URL: finds the pending login (or, for an IdP-initiated response,
   * the tenant), checks the RelayState, verifies the response against that tenant, consumes the
   * pending login once and maps the roles.
   *
   * @param form - The posted form (`SAMLResponse`, `RelayState`), e.g. `req.body`: any value.
   * @param options - `browserSecret`: the login cookie's value (see `StartedLogin.browserSecret`);
   *   `tenantId` when the ACS URL is per tenant (`/saml/:tenantId/acs`). Both come from the request
   *   and may be any value.
   * @throws SamlError for anything wrong with the response, and `IN_RESPONSE_TO_MISMATCH`,
   *   `RELAY_STATE_MISMATCH`, `BROWSER_MISMATCH`, `TENANT_NOT_FOUND`, `TENANT_AMBIGUOUS`,
   *   `TENANT_CONFIG_INVALID`, `SAML_DISABLED`, `STORE_UNAVAILABLE`.
   */
  finishLogin(form: unknown, options?: FinishLoginOptions): Promise<LoginResult>;
  /**
   * What a login page should offer for the address the user typed: SSO through the tenant that
   * claims its domain, password login, or both (`requireSso`, `breakGlassEmails`). The address is
   * judged in its normal form (NFKC, the domain through UTS #46 without a trailing dot), the way
   * apps compare addresses, so no spelling of a require-SSO address gets password login.
   *
   * @param email - What the user typed: any value.
   * @throws SamlError `EMAIL_INVALID` for anything that is not an address in normal form or cannot
   *   be brought into it (refuse the login: do not fall back to password), `TENANT_CONFIG_INVALID`,
   *   `STORE_UNAVAILABLE`.
   */
  loginMethods(email: unknown): Promise<LoginMethods>;
}

/** Options of `finishLogin`: values that came with the request, so each may be any value. */
export interface FinishLoginOptions {
  /** The login cookie's value: the `browserSecret` of the started login (`undefined` when absent). */
  readonly browserSecret?: unknown;
  /** The tenant named by a per-tenant ACS URL (`/saml/:tenantId/acs`). */
  readonly tenantId?: unknown;
}

const DEFAULT_REQUEST_TTL_SECONDS = 600;
const MAX_REQUEST_TTL_SECONDS = 3600;

/**
 * Creates the multi-tenant service provider: `startLogin` resolves the tenant (by ID or by the
 * email's domain), builds the AuthnRequest and remembers it; `finishLogin` finds the tenant and the
 * pending request, verifies the response against that tenant, consumes the request once, and maps
 * roles; `loginMethods` tells a login page whether to offer SSO, password, or both. Every store
 * failure fails the login closed (`STORE_UNAVAILABLE`).
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const sp = createServiceProvider({ tenants: store, state: store });
 * // GET /login?email=…
 * const login = await sp.startLogin({ email: req.query.email }, { returnTo: req.query.next });
 * res.redirect(login.url);
 * // POST /saml/acs
 * const { profile, roles, returnTo } = await sp.finishLogin(req.body);
 * ```
 */
export function createServiceProvider(options: ServiceProviderOptions): ServiceProvider {
  const { tenants, state } = options;
  const now = (): Date => currentTime(options.now, 'options.now');
  const ttl = options.requestTtlSeconds ?? DEFAULT_REQUEST_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_REQUEST_TTL_SECONDS) {
    throw new TypeError(`requestTtlSeconds must be a whole number from 1 to ${MAX_REQUEST_TTL_SECONDS}`);
  }
  const maxBytes = maxResponseBytes(options.maxResponseBytes, 'maxResponseBytes');
  const policies = loginPolicies(options, now, ttl);
  // Stored configurations are validated and their certificates parsed once per content.
  const known = createTenantCache();
  // The public view of each defined tenant, made once (a login result carries it).
  const views = new WeakMap<Tenant, PublicTenantConfig>();
  const viewOf = (tenant: Tenant): PublicTenantConfig => {
    let view = views.get(tenant);
    if (view === undefined) views.set(tenant, (view = publicTenant(tenant)));
    return view;
  };

  async function tenantById(value: unknown): Promise<Tenant> {
    const tenantId = requestTenantId(value);
    const config = await guard(() => tenants.get(tenantId));
    if (config === undefined) notFound(`No tenant ${tenantId}`);
    return enabledTenant(known, config);
  }

  async function startLogin(target: LoginTarget, options: StartLoginOptions = {}): Promise<StartedLogin> {
    // The type says an object; a caller may still pass what a request held.
    if (typeof (target as unknown) !== 'object' || (target as unknown) === null) {
      throw new TypeError('target must be { tenantId } or { email }');
    }
    const tenant = Object.hasOwn(target, 'tenantId')
      ? await tenantById((target as { readonly tenantId: unknown }).tenantId)
      : enabledTenant(known, await tenantForEmail(tenants, (target as { readonly email?: unknown }).email));
    const { returnTo: requested, maxAuthnAgeSeconds: age, ...requestOptions } = options;
    const returnTo = safeReturnTo(requested);
    const maxAuthnAgeSeconds = policies.stepUpAge(requestOptions.forceAuthn, age);
    const time = now();
    const relayState = randomBytes(16).toString('base64url');
    const browser = newBrowserSecret();
    const request = createAuthnRequest(tenant, { ...requestOptions, relayState, now: () => time });
    const pending: PendingRequest = {
      tenantId: tenant.id,
      requestId: request.id,
      relayState,
      browserBinding: browser.binding,
      ...(returnTo !== undefined && { returnTo }),
      ...(maxAuthnAgeSeconds !== undefined && { maxAuthnAgeSeconds }),
    };
    await guard(() => state.saveRequest(pending, new Date(time.getTime() + ttl * 1000)));
    return {
      ...request,
      tenantId: tenant.id,
      browserSecret: browser.secret,
      maxAgeSeconds: ttl,
      ...(returnTo !== undefined && { returnTo }),
    };
  }

  const { issued, ...logout } = createLogoutSteps(options, {
    tenants,
    state,
    now,
    requestTtlSeconds: ttl,
    tenantById,
  });
  // The steps of a login; finishLogin is wrapped below to report failures (policies.ts).
  const steps: Pick<ServiceProvider, 'finishLogin' | 'loginMethods'> = {
    async finishLogin(form, finishOptions = {}) {
      // The fields may be anything a request held; the object is the app's own.
      if (typeof (finishOptions as unknown) !== 'object' || (finishOptions as unknown) === null)
        throw new TypeError('options must be { browserSecret, tenantId } (each any value)');
      // Decoded and parsed once; its hints are unverified and only say which tenant and request to
      // verify against, and verification reads the same parsed document.
      const decoded = decodeResponse(form, { maxResponseBytes: maxBytes });
      const routing = decoded.unverified;
      const pending =
        routing.inResponseTo === undefined
          ? undefined
          : await guard(() => state.findRequest(routing.inResponseTo ?? ''));
      const tenantId = finishOptions.tenantId !== undefined ? finishOptions.tenantId : pending?.tenantId;
      // A response to a request nobody is waiting for is not an IdP-initiated login.
      if (tenantId === undefined && routing.inResponseTo !== undefined) unknownRequest(routing.inResponseTo);
      const [tenant, pickedByEmailDomain] =
        tenantId !== undefined
          ? [await tenantById(tenantId), false]
          : await unsolicitedTenant(known, tenants, routing);
      if (routing.inResponseTo !== undefined) {
        if (pending?.tenantId !== tenant.id) unknownRequest(routing.inResponseTo, tenant.id);
        checkRelayState(fieldOf(form, 'RelayState'), pending.relayState, tenant.id);
        checkBrowser(finishOptions.browserSecret, pending, tenant.id);
      }

      const profile = await verifyResponse(tenant, decoded, {
        ...(pending !== undefined && { inResponseTo: pending.requestId }),
        now,
        replayCache: state,
        maxResponseBytes: maxBytes,
        ...(pending?.maxAuthnAgeSeconds !== undefined && { maxAuthnAgeSeconds: pending.maxAuthnAgeSeconds }),
      });
      if (options.directory !== undefined)
        await guard(() => options.directory?.checkLogin(profile) ?? Promise.resolve());
      // Consumed only once verified, so a forged response cannot burn a pending login.
      if (pending !== undefined) {
        const consumed = await guard(() => state.consumeRequest(tenant.id, pending.requestId));
        if (consumed === undefined) unknownRequest(pending.requestId, tenant.id);
      }
      const verifiedEmail = await guard(() =>
        emailDomainVerifiedInOrganization(tenants, tenant, profile.email),
      );
      if (pickedByEmailDomain && !verifiedEmail) ambiguous(routing.issuer, [tenant.id]);
      const { roles, groupsOverage } = policies.roles(tenant, profile);
      const login = {
        key: profileKey(profile),
        profile,
        tenant: viewOf(tenant),
        emailDomainVerified: verifiedEmail,
        roles,
      };
      const user = await policies.provision(login);
      policies.succeeded(login, pending === undefined ? 'idp' : 'sp');
      return issued({
        tenant: viewOf(tenant),
        profile,
        emailDomainVerified: verifiedEmail,
        roles,
        groupsOverage,
        ...(pending?.returnTo !== undefined && { returnTo: pending.returnTo }),
        ...(user !== undefined && { user }),
      });
    },

    async loginMethods(email) {
      const { address, domain } = typedEmail(email);
      const config = await guard(() => tenants.findByEmailDomain(domain));
      if (config === undefined) return { sso: null, password: true };
      const resolved = resolvedTenant(known.defined(config));
      if (!resolved.enabled) return { sso: null, password: true };
      const typed = address.toLowerCase();
      const breakGlass = resolved.breakGlassEmails.some(
        (entry) => normalizeTypedEmail(entry)?.address.toLowerCase() === typed,
      );
      const connections = await guard(() => connectionsOf(tenants, known, config));
      return {
        sso: { tenantId: config.id },
        password: !resolved.requireSso || breakGlass,
        ...(connections.length > 1 && { connections }),
      };
    },
  };
  return {
    ...logout,
    // One implementation behind the overloads, which only narrow the result by binding.
    startLogin: startLogin as ServiceProvider['startLogin'],
    finishLogin: policies.reportingFailures(steps.finishLogin),
    loginMethods: steps.loginMethods,
  };
}

async function tenantForEmail(tenants: TenantStore, email: unknown): Promise<TenantConfig> {
  const { domain } = typedEmail(email);
  const config = await guard(() => tenants.findByEmailDomain(domain));
  if (config === undefined) notFound(`No tenant signs in users of ${domain}`);
  return config;
}

/** An address a person typed, in normal form (docs/security.md rule 26); anything else is refused. */
function typedEmail(value: unknown): EmailAddress {
  const email = typeof value === 'string' ? normalizeTypedEmail(value) : undefined;
  if (email === undefined) {
    fail('EMAIL_INVALID', 'The sign-in name is not an email address samlkit can judge', {
      hint: 'Ask the user to type their work email address (name@company.com). Do not fall back to password login for it.',
    });
  }
  return email;
}

// eslint-disable-next-line no-control-regex
const IMPLAUSIBLE_ID = /[\u0000-\u001f\u007f\uD800-\uDFFF]/u;

/** A tenant ID from a path or query: any value; only a plausible ID reaches the store. */
function requestTenantId(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 256 || IMPLAUSIBLE_ID.test(value)) {
    notFound('No tenant has this ID');
  }
  return value;
}

/**
 * An unsolicited response belongs to the one enabled tenant of its issuer that allows them, after
 * narrowing by audience and verified email domain (tenant-isolation.ts); `true` when the domain
 * picked it.
 */
async function unsolicitedTenant(
  known: TenantCache,
  tenants: TenantStore,
  routing: UnverifiedResponseHints,
): Promise<[Tenant, boolean]> {
  const { issuer } = routing;
  const allowing =
    issuer === undefined
      ? []
      : (await guard(() => tenants.findByIssuer(issuer))).filter((config) => {
          // A broken configuration of one tenant must not stop another's logins (rule 28).
          const resolved = known.resolvedOrUndefined(config);
          return resolved?.enabled === true && resolved.allowIdpInitiated;
        });
  const narrowed = await guard(() => narrowUnsolicited(tenants, allowing, routing));
  const { candidates } = narrowed;
  const [only, ...more] = candidates;
  if (only === undefined) {
    fail('TENANT_NOT_FOUND', 'No tenant accepts IdP-initiated logins from this issuer', {
      hint: 'Start the login from the application, or enable IdP-initiated login for the tenant whose IdP this is (allowIdpInitiated).',
      ...(issuer !== undefined && { received: issuer }),
    });
  }
  if (more.length > 0)
    ambiguous(
      issuer,
      candidates.map((config) => config.id),
    );
  return [enabledTenant(known, only), narrowed.pickedByEmailDomain];
}

function ambiguous(issuer: string | undefined, tenantIds: readonly string[]): never {
  fail('TENANT_AMBIGUOUS', 'Several tenants accept IdP-initiated logins from this issuer', {
    hint: 'Give each tenant its own SP entity ID and ACS URL (with the tenant in the path, assigned by the app) and pass tenantId to finishLogin, or allow IdP-initiated login for only one of them.',
    expected: tenantIds,
    received: issuer ?? '',
  });
}

function enabledTenant(known: TenantCache, config: TenantConfig): Tenant {
  const tenant = known.defined(config);
  if (!resolvedTenant(tenant).enabled) {
    fail('SAML_DISABLED', 'SAML login is turned off for this tenant', {
      hint: 'An admin of the organisation can turn SAML login on in its SSO settings.',
      tenantId: tenant.id,
    });
  }
  return tenant;
}

/** A field of the posted form, own properties only; `undefined` for anything that is not a form. */
function checkBrowser(secret: unknown, pending: PendingRequest, tenantId: string): void {
  if (!isSameBrowser(secret, pending.browserBinding)) {
    fail('BROWSER_MISMATCH', 'The login was not finished in the browser that started it', {
      hint: 'The login cookie was missing or belongs to another login: the login was started elsewhere (login CSRF), cookies are blocked, or the ACS skipped the same-site step (sameSiteStep). Ask the user to start the login again.',
      tenantId,
    });
  }
}

function checkRelayState(received: unknown, expected: string, tenantId: string): void {
  if (!sameText(received, expected)) {
    fail('RELAY_STATE_MISMATCH', 'The RelayState does not belong to the pending login', {
      hint: 'The IdP must return the RelayState unchanged (SAML bindings §3.4.3). Ask the user to start the login again.',
      tenantId,
    });
  }
}

function unknownRequest(requestId: string, tenantId?: string): never {
  fail('IN_RESPONSE_TO_MISMATCH', 'The response answers no pending login of this tenant', {
    hint: 'The login expired, was already finished, or was started on another server instance: share the state store between instances. Ask the user to start the login again.',
    received: requestId,
    ...(tenantId !== undefined && { tenantId }),
  });
}

function notFound(message: string): never {
  fail('TENANT_NOT_FOUND', message, {
    hint: 'Check the tenant ID or the email domain; an admin adds the organisation’s domains to its SSO settings.',
  });
}

/** Store calls fail closed: anything but a SamlError becomes STORE_UNAVAILABLE. */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof SamlError) throw cause;
    fail('STORE_UNAVAILABLE', 'A store failed; the login is refused', {
      hint: 'The tenant or state store is unreachable. Check the Redis/PostgreSQL connection of the application.',
      cause,
    });
  }
}
