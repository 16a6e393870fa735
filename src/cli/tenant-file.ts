/**
 * Reading `--tenant tenant.json`: a TenantConfig as JSON, validated by the library.
 *
 * @module
 * @internal
 */
import {
  defineTenant,
  validateTenantConfig,
  type Tenant,
  type TenantConfig,
  type TenantDraft,
} from '../index.js';
import { inputError, readJsonFile, usageError, type CliIo } from './io.js';

/** The `--tenant` value, which every command that takes it requires. */
export function tenantPath(value: string | undefined): string {
  if (value === undefined || value === '') throw usageError('--tenant tenant.json is required');
  return value;
}

/**
 * Reads and defines a complete tenant (`defineTenant` validates it; its problems end the command
 * with exit 2). Problems `defineTenant` tolerates but `validateTenantConfig` reports at `now`
 * (certificates expired or about to) are written to stderr as warnings.
 */
export async function loadTenant(io: CliIo, path: string, now: Date): Promise<Tenant> {
  return tenantOf(io, path, await readJsonFile(io, path, 'tenant file'), now);
}

/**
 * Reads a tenant, or a draft when the file has no `idp` yet (what `samlkit init` writes before the
 * IdP's values exist). A draft is validated by the function it is given to (a TypeError).
 */
export async function loadTenantOrDraft(io: CliIo, path: string, now: Date): Promise<Tenant | TenantDraft> {
  const json = await readJsonFile(io, path, 'tenant file');
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && !('idp' in json)) {
    return json as TenantDraft;
  }
  return tenantOf(io, path, json, now);
}

function tenantOf(io: CliIo, path: string, json: unknown, now: Date): Tenant {
  let tenant: Tenant;
  try {
    // `defineTenant` checks every field of the untyped JSON at runtime and throws a TypeError.
    tenant = defineTenant(json as TenantConfig);
  } catch (error) {
    if (error instanceof TypeError) throw inputError(`${path}: ${error.message}`);
    throw error;
  }
  for (const problem of validateTenantConfig(json, { now: () => now })) {
    io.stderr(`warning: ${path}: ${problem.path}: ${problem.message}\n`);
  }
  return tenant;
}

/**
 * Reads a tenant that may still lack `idp` (a draft, e.g. for setup instructions). The JSON is
 * validated by the function it is given to, which throws a TypeError listing every problem.
 */
export async function loadDraft(io: CliIo, path: string): Promise<TenantDraft> {
  const json = await readJsonFile(io, path, 'tenant file');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw inputError(`${path}: a tenant must be a JSON object`);
  }
  return json as TenantDraft;
}
