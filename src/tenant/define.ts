import { deepFreeze } from '../internal/freeze.js';
import { currentTime } from '../internal/time.js';
import type { TenantConfig } from '../types.js';
import { resolveTenantConfig, type ResolvedTenant, type TenantProblem } from './validate.js';

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
  readonly now?: Date;
}

/**
 * Checks a tenant configuration and reports every problem at once, each with its path and a
 * severity: `'error'` makes it unusable, `'warning'` (a certificate expiring within 30 days)
 * does not. Use it to validate what an admin typed, before storing it.
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
  return resolveTenantConfig(config, currentTime(options.now, 'options.now')).problems;
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
  const { problems, resolved } = resolveTenantConfig(tenant, undefined);
  if (resolved === undefined) throw invalid(problems);
  Object.defineProperty(tenant, RESOLVED, { value: Object.freeze(resolved), enumerable: false });
  return deepFreeze(tenant) as Tenant;
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

function isTenant(config: TenantDraft): config is Tenant {
  return Object.prototype.hasOwnProperty.call(config, RESOLVED);
}
