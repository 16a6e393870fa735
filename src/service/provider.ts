import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SamlError } from '../errors.js';
import { domainOf, parseEmail } from '../internal/email.js';
import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import {
  createAuthnRequest,
  type AuthnRequestOptions,
  type PostAuthnRequest,
  type RedirectAuthnRequest,
} from '../request/authn-request.js';
import { peekRouting } from '../response/peek.js';
import { verifyResponse } from '../response/verify.js';
import type { PendingRequest, StateStore, TenantStore } from '../store/types.js';
import { defineTenant, resolvedTenant, type Tenant } from '../tenant/define.js';
import { mapRoles } from '../tenant/roles.js';
import type { ResponseForm, SamlProfile, TenantConfig } from '../types.js';
import { safeReturnTo } from './return-to.js';
import type { DirectoryLoginGate } from '../scim/login.js';

/** Options of {@link createServiceProvider}. */
export interface ServiceProviderOptions {
  /** Where tenant configurations are looked up (by ID, email domain and issuer). */
  readonly tenants: TenantStore;
  /** Pending logins and the replay cache. Share it between instances (Redis, PostgreSQL). */
  readonly state: StateStore;
  /** The clock. Default: the system clock. */
  readonly now?: () => Date;
  /** How long a started login may take at the IdP (MFA included). Default 600, at most 3600. */
  readonly requestTtlSeconds?: number;
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
  /** The `returnTo` kept for this login, after the same-origin check. */
  readonly returnTo?: string;
};

/** A finished login. */
export interface LoginResult {
  /** The tenant the response was verified against. */
  readonly tenant: Tenant;
  /** The verified identity. */
  readonly profile: SamlProfile;
  /** The app roles the tenant's role mapping grants. */
  readonly roles: readonly string[];
  /**
   * Entra ID sent its group-overage claim instead of the groups (more than 150): the groups, and
   * so the roles, are incomplete. Read the user's groups from Microsoft Graph.
   */
  readonly groupsOverage: boolean;
  /** Where the login started from wanted to go; absent for IdP-initiated logins. */
  readonly returnTo?: string;
}

/** What a login page should offer for an address. */
export interface LoginOptions {
  /** The tenant whose IdP signs this user in, or `null` when none handles the domain. */
  readonly sso: {
    /** Pass it to `startLogin({ tenantId })`. */
    readonly tenantId: string;
  } | null;
  /** Whether password login stays available (off under `requireSso`, except break-glass addresses). */
  readonly password: boolean;
}

/** The multi-tenant facade: routes logins to tenants and ties requests, responses and stores together. */
export interface ServiceProvider {
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
   * @param form - The posted form (`SAMLResponse`, `RelayState`), e.g. `req.body`.
   * @param options - `tenantId` when the ACS URL is per tenant (`/saml/:tenantId/acs`).
   * @throws SamlError for anything wrong with the response, and `IN_RESPONSE_TO_MISMATCH`,
   *   `RELAY_STATE_MISMATCH`, `TENANT_NOT_FOUND`, `TENANT_AMBIGUOUS`, `SAML_DISABLED`,
   *   `STORE_UNAVAILABLE`.
   */
  finishLogin(form: ResponseForm, options?: { readonly tenantId?: string }): Promise<LoginResult>;
  /**
   * What a login page should offer for the address the user typed: SSO through the tenant that
   * claims its domain, password login, or both (`requireSso`, `breakGlassEmails`).
   *
   * @throws SamlError `STORE_UNAVAILABLE`.
   */
  loginOptions(email: string): Promise<LoginOptions>;
}

const DEFAULT_REQUEST_TTL_SECONDS = 600;
const MAX_REQUEST_TTL_SECONDS = 3600;

/**
 * Creates the multi-tenant service provider: `startLogin` resolves the tenant (by ID or by the
 * email's domain), builds the AuthnRequest and remembers it; `finishLogin` finds the tenant and the
 * pending request, verifies the response against that tenant, consumes the request once, and maps
 * roles; `loginOptions` tells a login page whether to offer SSO, password, or both. Every store
 * failure fails the login closed (`STORE_UNAVAILABLE`).
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
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
  const now = options.now ?? (() => currentTime(undefined, 'now'));
  const ttl = options.requestTtlSeconds ?? DEFAULT_REQUEST_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_REQUEST_TTL_SECONDS) {
    throw new TypeError(`requestTtlSeconds must be a whole number from 1 to ${MAX_REQUEST_TTL_SECONDS}`);
  }

  async function tenantById(tenantId: string): Promise<Tenant> {
    const config = await guard(() => tenants.get(tenantId));
    if (config === undefined) notFound(`No tenant ${tenantId}`);
    return enabledTenant(config);
  }

  async function startLogin(
    target: LoginTarget,
    loginOptions: StartLoginOptions = {},
  ): Promise<StartedLogin> {
    const tenant =
      'tenantId' in target
        ? await tenantById(target.tenantId)
        : enabledTenant(await tenantForEmail(tenants, target.email));
    const { returnTo: requested, ...requestOptions } = loginOptions;
    const returnTo = safeReturnTo(requested);
    const time = now();
    const relayState = randomBytes(16).toString('base64url');
    const request = createAuthnRequest(tenant, { ...requestOptions, relayState, now: time });
    const pending: PendingRequest = {
      tenantId: tenant.id,
      requestId: request.id,
      relayState,
      ...(returnTo !== undefined && { returnTo }),
    };
    await guard(() => state.saveRequest(pending, new Date(time.getTime() + ttl * 1000)));
    return { ...request, tenantId: tenant.id, ...(returnTo !== undefined && { returnTo }) };
  }

  return {
    // One implementation behind the overloads, which only narrow the result by binding.
    startLogin: startLogin as ServiceProvider['startLogin'],

    async finishLogin(form, finishOptions = {}) {
      const routing = peekRouting(form);
      // Unverified: only says which tenant and request to verify against.
      const pending =
        routing.inResponseTo === undefined
          ? undefined
          : await guard(() => state.findRequest(routing.inResponseTo ?? ''));
      const tenantId = finishOptions.tenantId ?? pending?.tenantId;
      // A response to a request nobody is waiting for is not an IdP-initiated login.
      if (tenantId === undefined && routing.inResponseTo !== undefined) unknownRequest(routing.inResponseTo);
      const tenant =
        tenantId !== undefined
          ? await tenantById(tenantId)
          : await unsolicitedTenant(tenants, routing.issuer);
      if (routing.inResponseTo !== undefined) {
        if (pending?.tenantId !== tenant.id) unknownRequest(routing.inResponseTo, tenant.id);
        checkRelayState(form.RelayState, pending.relayState, tenant.id);
      }

      const profile = await verifyResponse(tenant, form, {
        ...(pending !== undefined && { inResponseTo: pending.requestId }),
        now: now(),
        replayCache: state,
      });
      if (options.directory !== undefined)
        await guard(() => options.directory?.checkLogin(profile) ?? Promise.resolve());
      // Consumed only once verified, so a forged response cannot burn a pending login.
      if (pending !== undefined) {
        const consumed = await guard(() => state.consumeRequest(tenant.id, pending.requestId));
        if (consumed === undefined) unknownRequest(pending.requestId, tenant.id);
      }
      const { roles, groupsOverage } = mapRoles(tenant, profile);
      return {
        tenant,
        profile,
        roles,
        groupsOverage,
        ...(pending?.returnTo !== undefined && { returnTo: pending.returnTo }),
      };
    },

    async loginOptions(email) {
      const domain = domainOf(email);
      const config = domain === undefined ? undefined : await guard(() => tenants.findByEmailDomain(domain));
      if (config === undefined) return { sso: null, password: true };
      const resolved = resolvedTenant(config);
      if (!resolved.enabled) return { sso: null, password: true };
      const address = parseEmail(email.trim())?.address.toLowerCase();
      const breakGlass = resolved.breakGlassEmails.some((entry) => entry.toLowerCase() === address);
      return { sso: { tenantId: config.id }, password: !resolved.requireSso || breakGlass };
    },
  };
}

async function tenantForEmail(tenants: TenantStore, email: string): Promise<TenantConfig> {
  const domain = typeof email === 'string' ? domainOf(email) : undefined;
  if (domain === undefined) notFound('The sign-in name is not an email address');
  const config = await guard(() => tenants.findByEmailDomain(domain));
  if (config === undefined) notFound(`No tenant signs in users of ${domain}`);
  return config;
}

/** An unsolicited response belongs to the one enabled tenant of its issuer that allows them. */
async function unsolicitedTenant(tenants: TenantStore, issuer: string | undefined): Promise<Tenant> {
  const candidates =
    issuer === undefined
      ? []
      : (await guard(() => tenants.findByIssuer(issuer))).filter((config) => {
          const resolved = resolvedTenant(config);
          return resolved.enabled && resolved.allowIdpInitiated;
        });
  const [only, ...more] = candidates;
  if (only === undefined) {
    fail('TENANT_NOT_FOUND', 'No tenant accepts IdP-initiated logins from this issuer', {
      hint: 'Start the login from the application, or enable IdP-initiated login for the tenant whose IdP this is (allowIdpInitiated).',
      ...(issuer !== undefined && { received: issuer }),
    });
  }
  if (more.length > 0) {
    fail('TENANT_AMBIGUOUS', 'Several tenants accept IdP-initiated logins from this issuer', {
      hint: 'Give each tenant its own ACS URL (with the tenant in the path) and pass tenantId to finishLogin, or allow IdP-initiated login for only one of them.',
      expected: candidates.map((config) => config.id),
      received: issuer ?? '',
    });
  }
  return enabledTenant(only);
}

function enabledTenant(config: TenantConfig): Tenant {
  const tenant = defineTenant(config);
  if (!resolvedTenant(tenant).enabled) {
    fail('SAML_DISABLED', 'SAML login is turned off for this tenant', {
      hint: 'An admin of the organisation can turn SAML login on in its SSO settings.',
      tenantId: tenant.id,
    });
  }
  return tenant;
}

function checkRelayState(received: unknown, expected: string, tenantId: string): void {
  const ok =
    typeof received === 'string' &&
    received.length === expected.length &&
    timingSafeEqual(Buffer.from(received), Buffer.from(expected));
  if (!ok) {
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
