/**
 * What the service applies on top of a verified response: the app-wide role mapping, the step-up
 * age, the app's provisioning decision and the audit events. Kept apart from the login steps
 * (provider.ts), which call it.
 *
 * @module
 */
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import { maxAuthnAge } from '../response/authn-context.js';
import { mappedRoles, type MappedRoles } from '../tenant/roles.js';
import type { Tenant } from '../tenant/define.js';
import { checkedAppRoleMapping } from '../tenant/validate.js';
import type { RoleMapping, SamlProfile } from '../types.js';
import { emitter, type EventHandler } from './events.js';
import type { PublicTenantConfig } from './public-tenant.js';

/** What the app's provisioning hook is given: the verified login, before the app signs anyone in. */
export interface ProvisioningInput {
  /**
   * The account key: (tenant, issuer, NameID), stable for one user of one IdP. Never the email
   * alone: any tenant's admin decides what emails their IdP asserts.
   */
  readonly key: {
    /** The tenant. */
    readonly tenantId: string;
    /** The IdP's entity ID. */
    readonly issuer: string;
    /** The NameID. */
    readonly nameId: string;
  };
  /** The verified profile. */
  readonly profile: SamlProfile;
  /** The tenant, without its private keys. */
  readonly tenant: PublicTenantConfig;
  /**
   * The email's domain is verified for this tenant: only then may the app link the login to an
   * existing account found by email (docs/domains.md).
   */
  readonly emailDomainVerified: boolean;
  /** The roles the mapping granted. */
  readonly roles: readonly string[];
}

/**
 * The app's decision about the user of a login: `create` (a new account), `update` (the account
 * of this key, refreshed), `link` (an existing account, found by verified email, now tied to this
 * key) with the account's `userId`, or `refuse` with a reason, which fails the login with
 * `PROVISIONING_REFUSED`.
 */
export type ProvisioningDecision =
  | {
      /** What the app did. */
      readonly action: 'create' | 'update' | 'link';
      /** The app's ID of the account the user signs in to. */
      readonly userId: string;
    }
  | {
      /** The login must not go on. */
      readonly action: 'refuse';
      /** Why, for the admin and the logs (no personal data): it becomes the error's hint. */
      readonly reason: string;
    };

/**
 * Decides, for each verified login, which account it signs in to. Runs after every check passed
 * and the pending login was consumed. It may throw: the error reaches `finishLogin`'s caller as it is.
 */
export type ProvisioningHook = (
  input: ProvisioningInput,
) => ProvisioningDecision | Promise<ProvisioningDecision>;

/** The account a login signed in to, as the provisioning hook decided. */
export interface ProvisionedUser {
  /** The app's account ID. */
  readonly id: string;
  /** What the hook did. */
  readonly action: 'create' | 'update' | 'link';
}

/** The service options of this module; part of `ServiceProviderOptions`. */
export interface PolicyServiceOptions {
  /**
   * The app-wide role mapping: tenants without `roles` use it, tenants with `roles.inherit` add
   * their rules before it. E.g. `groupRoleConvention('openlayer', ['admin', 'member', 'viewer'])`.
   */
  readonly roles?: RoleMapping;
  /** Decides the account of every login (create, update, link or refuse); see {@link ProvisioningHook}. */
  readonly provision?: ProvisioningHook;
  /**
   * Receives `saml.login.succeeded` and `saml.login.failed` events. What it throws is swallowed:
   * a failing audit sink never fails a login.
   */
  readonly onEvent?: EventHandler;
  /**
   * Put the NameID (`user.id`) and the email (`user.email`) into `saml.login.succeeded`. Default
   * `false`: events carry no personal data, so that logs can be kept without it.
   */
  readonly personalDataInEvents?: boolean;
}

/** The policies a service applies, made once from its options. */
export interface LoginPolicies {
  /** The step-up age a started login keeps: `maxAuthnAgeSeconds`, else the request TTL with `forceAuthn`. */
  stepUpAge(forceAuthn: boolean | undefined, maxAuthnAgeSeconds: number | undefined): number | undefined;
  /** The tenant's roles, with the app-wide mapping. */
  roles(tenant: Tenant, profile: SamlProfile): MappedRoles;
  /** The hook's decision; `undefined` without a hook. */
  provision(input: ProvisioningInput): Promise<ProvisionedUser | undefined>;
  /** Reports a finished login. */
  succeeded(input: ProvisioningInput, initiator: 'sp' | 'idp'): void;
  /** Reports a failed one (SamlErrors only: anything else is the app's own failure). */
  failed(error: unknown): void;
  /** `finish`, reporting each SamlError it throws with {@link LoginPolicies.failed}. */
  reportingFailures<A extends unknown[], R>(finish: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
}

/** The account key of a profile: (tenant, issuer, NameID). */
export function profileKey(profile: SamlProfile): ProvisioningInput['key'] {
  return { tenantId: profile.tenantId, issuer: profile.issuer, nameId: profile.nameId };
}

/** Checks the options once, and returns the policies. */
export function loginPolicies(
  options: PolicyServiceOptions,
  now: () => Date,
  requestTtlSeconds: number,
): LoginPolicies {
  const defaults = checkedAppRoleMapping(options.roles, 'options.roles');
  const hook = options.provision;
  if (hook !== undefined && typeof hook !== 'function')
    throw new TypeError('options.provision must be a function');
  const emit = emitter(options.onEvent, 'options.onEvent');
  const personal = options.personalDataInEvents === true;
  return {
    stepUpAge(forceAuthn, maxAuthnAgeSeconds) {
      const age = maxAuthnAge(maxAuthnAgeSeconds, 'options.maxAuthnAgeSeconds');
      return age ?? (forceAuthn === true ? requestTtlSeconds : undefined);
    },
    roles(tenant, profile) {
      return mappedRoles(tenant.roles, defaults, tenant.id, profile);
    },
    async provision(input) {
      if (hook === undefined) return undefined;
      const decision: unknown = await hook(input);
      return checkedDecision(decision, input.tenant.id);
    },
    succeeded(input, initiator) {
      const { profile } = input;
      emit({
        name: 'saml.login.succeeded',
        time: now(),
        attributes: {
          'saml.tenant.id': input.tenant.id,
          'saml.idp.entity_id': profile.issuer,
          'saml.login.initiator': initiator,
          ...(profile.authnContextClassRef !== undefined && {
            'saml.authn.context_class': profile.authnContextClassRef,
          }),
          'saml.login.roles': Object.freeze([...input.roles]),
          'saml.email_domain.verified': input.emailDomainVerified,
          ...(personal && { 'user.id': profile.nameId }),
          ...(personal && profile.email !== undefined && { 'user.email': profile.email }),
        },
      });
    },
    reportingFailures(finish) {
      return async (...args) => {
        try {
          return await finish(...args);
        } catch (error) {
          this.failed(error);
          throw error;
        }
      };
    },
    failed(error) {
      if (!(error instanceof SamlError)) return;
      emit({
        name: 'saml.login.failed',
        time: now(),
        attributes: {
          ...(error.tenantId !== undefined && { 'saml.tenant.id': error.tenantId }),
          'error.type': error.code,
        },
      });
    },
  };
}

function checkedDecision(decision: unknown, tenantId: string): ProvisionedUser {
  const fields =
    typeof decision === 'object' && decision !== null ? (decision as Record<string, unknown>) : {};
  const { action, userId, reason } = fields;
  if (action === 'refuse') {
    if (typeof reason !== 'string' || reason === '')
      throw new TypeError(
        "options.provision must give a reason (a non-empty string) with a 'refuse' decision",
      );
    fail('PROVISIONING_REFUSED', 'The application refused to sign this user in', {
      hint: `The application's provisioning rule refused the login: ${reason}`,
      tenantId,
    });
  }
  if (
    (action === 'create' || action === 'update' || action === 'link') &&
    typeof userId === 'string' &&
    userId !== ''
  )
    return Object.freeze({ id: userId, action });
  throw new TypeError(
    "provision must return { action: 'create' | 'update' | 'link', userId } or { action: 'refuse', reason }",
  );
}
