import { fail } from '../internal/fail.js';
import { deepFreeze } from '../internal/freeze.js';
import { currentTime } from '../internal/time.js';
import type { TenantConfig, Clock } from '../types.js';
import type { PublicEmailDomains } from './domains.js';
import { oversized, resolveTenantConfig, type ResolvedTenant, type TenantProblem } from './validate.js';

const RESOLVED: unique symbol = Symbol('samlkit.tenant');

/**
 * A validated, frozen {@link TenantConfig} whose certificates are already parsed. Make one with
 * {@link defineTenant} and keep it: verifying with it skips all per-call parsing.
 */
export type Tenant = TenantConfig & {
  /** @internal The parsed view the verifier uses; not part of the API. */
  readonly [RESOLVED]: ResolvedTenant;
};

/** Options of {@link validateTenantConfig}. */
export interface TenantValidationOptions {
  /** The time certificates are judged at (expired: error; within 30 days: warning). Default: now. */
  readonly now?: Clock;
  /**
   * Public mailbox domains the app adds to the built-in list (a list, or a function that says
   * whether a domain is one); an `emailDomains` entry among them is an error.
   */
  readonly publicEmailDomains?: PublicEmailDomains;
  /**
   * The domains verified for this tenant (the `verified` ones of `domainClaims`), to judge domain
   * ownership: an enabled tenant with none of its `emailDomains` verified then gets a warning (it
   * routes nobody by email, `requireSso` enforces nothing, its emails are untrusted). Leave it out
   * to check the configuration alone (the claims live in the store, not in the configuration).
   */
  readonly verifiedDomains?: readonly string[];
}

/**
 * Checks a tenant configuration and reports every problem at once, each with its path and a
 * severity: `'error'` makes it unusable, `'warning'` (a certificate expiring within 30 days, no
 * verified email domain) does not. Use it to validate what an admin typed, before storing it.
 *
 * It is strict about the input's shape (docs/security.md rule 28): unknown fields at any level, a `sealed`
 * value (only `sealTenantSecrets` writes it, inside the store), a public mailbox domain in
 * `emailDomains`, and a configuration nested deeper than 6 levels or larger than 256 Ki characters
 * (measured before anything else walks it) are errors.
 *
 * @example
 * ```ts
 * const problems = validateTenantConfig(JSON.parse(body));
 * if (problems.some((p) => p.severity === 'error')) return res.status(400).json({ problems });
 * ```
 */
export function validateTenantConfig(
  config: unknown,
  options: TenantValidationOptions = {},
): TenantProblem[] {
  if (
    options.verifiedDomains !== undefined &&
    (!Array.isArray(options.verifiedDomains) ||
      !options.verifiedDomains.every((domain) => typeof domain === 'string'))
  )
    throw new TypeError('options.verifiedDomains must be an array of domain names');
  return resolveTenantConfig(config, currentTime(options.now, 'options.now'), {
    ...(options.verifiedDomains !== undefined && { verifiedDomains: options.verifiedDomains }),
    ...(options.publicEmailDomains !== undefined && { publicEmailDomains: options.publicEmailDomains }),
  }).problems;
}

/**
 * Validates a tenant configuration, parses its IdP certificates (PEM or bare base64) and its SP
 * keys once, and returns a frozen copy. Throws a `TypeError` listing every error.
 *
 * Certificate expiry is not judged here, only by {@link validateTenantConfig}: keys are pinned,
 * some IdPs keep signing with an expired certificate, and a tenant must not be locked out at the
 * second its certificate runs out. Validate what an admin saves; define what you verify with.
 *
 * @example
 * ```ts
 * const tenant = defineTenant({
 *   id: 'acme',
 *   sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
 *   idp: { entityId: 'https://sts.windows.net/…/', certificates: [pem] },
 *   preset: 'azure',
 * });
 * ```
 */
export function defineTenant(config: TenantConfig): Tenant {
  if (isTenant(config)) return config;
  const given: unknown = config;
  const tooLarge = typeof given === 'object' && given !== null ? oversized(given as never) : undefined;
  if (tooLarge !== undefined) throw new TypeError(`Invalid tenant configuration: it ${tooLarge}`);
  // Resolve a copy, so that nothing the caller still holds can change what verifies.
  let tenant: TenantConfig;
  try {
    tenant = structuredClone(config);
  } catch (cause) {
    throw new TypeError(
      'Invalid tenant configuration: it must be plain data (no functions or class instances)',
      { cause },
    );
  }
  // Stores read back what sealTenantSecrets wrote; admin input goes through validateTenantConfig.
  const { problems, resolved } = resolveTenantConfig(tenant, undefined, { allowSealed: true });
  if (resolved === undefined) throw invalid(problems);
  Object.defineProperty(tenant, RESOLVED, { value: Object.freeze(resolved), enumerable: false });
  return deepFreeze(tenant) as Tenant;
}

/**
 * {@link defineTenant} for a configuration that came from a store or was assembled from one (a
 * promoted draft, flipped switches): one that no longer validates (an old 1024-bit certificate, a
 * hand-edited field) is `TENANT_CONFIG_INVALID` with the problems in its hint (docs/security.md
 * rule 32), never a `TypeError`, which would blame the calling developer.
 */
export function defineOrFail(config: TenantConfig): Tenant {
  try {
    return defineTenant(config);
  } catch (cause) {
    const id = (config as { readonly id?: unknown }).id;
    const problems = cause instanceof Error ? cause.message.replace(/\s*\n\s*/g, '; ') : String(cause);
    fail('TENANT_CONFIG_INVALID', 'The stored tenant configuration is not valid', {
      hint: `Open the organisation's SSO settings, fix and save them again: ${problems}`,
      ...(typeof id === 'string' && { tenantId: id }),
      cause,
    });
  }
}

/** The resolved view of a tenant; defines a plain configuration on the way. */
export function resolvedTenant(tenant: TenantConfig): ResolvedTenant {
  return defineTenant(tenant)[RESOLVED];
}

/** A tenant configuration before the admin has the IdP's values: `idp` may be missing. */
export type TenantDraft = Omit<TenantConfig, 'idp'> & {
  /** The IdP's values, once the admin has sent them. */
  readonly idp?: TenantConfig['idp'];
};

/**
 * The resolved view of a draft, for setup instructions only: without `idp` it trusts no key, so
 * it must never reach the verifier. Throws a `TypeError` listing every error.
 */
export function resolvedDraft(draft: TenantDraft | Tenant): ResolvedTenant {
  if (isTenant(draft)) return draft[RESOLVED];
  const { problems, resolved } = resolveTenantConfig(draft, undefined, { idpOptional: true });
  if (resolved === undefined) throw invalid(problems);
  return resolved;
}

function invalid(problems: readonly TenantProblem[]): TypeError {
  const errors = problems.filter((problem) => problem.severity === 'error');
  return new TypeError(
    `Invalid tenant configuration:\n${errors.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
  );
}

/** Whether `config` is already a {@link defineTenant} result (validated, frozen, keys parsed). */
export function isTenant(config: TenantDraft): config is Tenant {
  return Object.prototype.hasOwnProperty.call(config, RESOLVED);
}
