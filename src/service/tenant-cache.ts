import { createHash } from 'node:crypto';
import { defineOrFail, isTenant, resolvedTenant, type Tenant } from '../tenant/define.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import type { TenantConfig } from '../types.js';

/** How many distinct tenant configurations a service provider keeps defined. */
const CACHED_TENANTS = 1000;

/** Stored tenant configurations, defined once per content (validated, certificates parsed). */
export interface TenantCache {
  /**
   * The defined tenant for a stored configuration. One that no longer validates (an old 1024-bit
   * certificate, a hand-edited field) is `TENANT_CONFIG_INVALID` with the problems in its hint
   * (docs/security.md rule 32).
   */
  defined(config: TenantConfig): Tenant;
  /** The resolved view, or `undefined` for a configuration that does not validate. */
  resolvedOrUndefined(config: TenantConfig): ResolvedTenant | undefined;
}

/**
 * A bounded cache of defined tenants, keyed by the SHA-256 of the configuration's JSON: a store
 * hands back a fresh object on every read (Redis, PostgreSQL), and defining it again would validate
 * it and parse its certificates on every login. An edited configuration has another key, so it is
 * defined anew; the least recently used entry goes first. It lives in one service provider.
 */
export function createTenantCache(limit = CACHED_TENANTS): TenantCache {
  const cache = new Map<string, Tenant>();

  function defined(config: TenantConfig): Tenant {
    // A store that keeps defined tenants (MemoryStore) hands them back as they are.
    if (isTenant(config)) return config;
    const key = keyOf(config);
    const hit = key === undefined ? undefined : cache.get(key);
    if (hit !== undefined && key !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const tenant = defineOrFail(config);
    if (key !== undefined) {
      cache.set(key, tenant);
      const oldest = cache.keys().next();
      if (cache.size > limit && oldest.done !== true) cache.delete(oldest.value);
    }
    return tenant;
  }

  return {
    defined,
    resolvedOrUndefined(config) {
      try {
        return resolvedTenant(defined(config));
      } catch {
        return undefined;
      }
    },
  };
}

function keyOf(config: TenantConfig): string | undefined {
  let json: string;
  try {
    json = JSON.stringify(config);
  } catch {
    return undefined; // not JSON data (a cycle, a BigInt): defined every time, and refused there
  }
  return createHash('sha256').update(json).digest('base64url');
}
