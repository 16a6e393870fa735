/**
 * Organisations with several connections (each a tenant with its own keys and policies): which
 * connections a login page offers for an address, and whether a connection's login is in a domain
 * its organisation verified. Connections are linked only when both sides agree: the tenant that
 * holds the verified domain lists the other in `organization.connections`, and the other names the
 * same `organization.id` (docs/policies.md). A tenant's admin can therefore not join another
 * organisation's login page on their own.
 *
 * @module
 */
import { parseEmail } from '../internal/email.js';
import type { TenantStore } from '../store/types.js';
import type { TenantConfig } from '../types.js';
import type { TenantCache } from './tenant-cache.js';

/** One connection a login page may offer: start it with `startLogin({ tenantId })`. */
export interface LoginConnection {
  /** The connection's tenant ID. */
  readonly tenantId: string;
  /** What to call it on the login page (`organization.label`), when set. */
  readonly label?: string;
}

/**
 * The connections to offer for a domain held by `holder`: the holder first, then each of its
 * `organization.connections` that exists, is enabled and names the same organisation. A broken
 * configuration of one connection leaves it out without failing the others (docs/security.md).
 */
export async function connectionsOf(
  tenants: TenantStore,
  known: TenantCache,
  holder: TenantConfig,
): Promise<LoginConnection[]> {
  const connection = (config: TenantConfig): LoginConnection => ({
    tenantId: config.id,
    ...(config.organization?.label !== undefined && { label: config.organization.label }),
  });
  const result = [connection(holder)];
  const organization = holder.organization;
  // Read together (at most 20, set by the app): a login page waits for one round of reads.
  const configs = await Promise.all((organization?.connections ?? []).map((id) => tenants.get(id)));
  for (const config of configs) {
    if (config === undefined || config.organization?.id !== organization?.id) continue;
    if (known.resolvedOrUndefined(config)?.enabled !== true) continue;
    if (!result.some((offered) => offered.tenantId === config.id)) result.push(connection(config));
  }
  return result;
}

/**
 * Whether the email's domain is verified for the tenant: the tenant holds its claim verified, or
 * the holder is a connection of the same organisation that lists this tenant among its
 * connections. `false` without an email.
 */
export async function emailDomainVerifiedInOrganization(
  tenants: TenantStore,
  tenant: TenantConfig,
  email: string | undefined,
): Promise<boolean> {
  const domain = email === undefined ? undefined : parseEmail(email)?.domain;
  if (domain === undefined) return false;
  const holder = await tenants.findByEmailDomain(domain);
  if (holder === undefined) return false;
  if (holder.id === tenant.id) return true;
  const organization = tenant.organization?.id;
  return (
    organization !== undefined &&
    holder.organization?.id === organization &&
    (holder.organization.connections ?? []).includes(tenant.id)
  );
}
