import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fail } from '../internal/fail.js';
import { defineTenant } from '../tenant/define.js';
import type { SpKeyPair, TenantConfig } from '../types.js';
import type { TenantStore } from './types.js';

/** A key that seals tenant secrets: 32 random bytes, with an ID that names it in what it sealed. */
export interface SealingKey {
  /** Letters, digits, `_` and `-`, at most 32: stored next to each ciphertext to find the key. */
  readonly id: string;
  /** 32 bytes (AES-256). Keep it outside the database, e.g. in the app's secret manager. */
  readonly key: Uint8Array;
}

/** Options of {@link sealTenantSecrets}. */
export interface SealingOptions {
  /**
   * The first key seals; every key unseals. To rotate, put the new key first, re-`put` every
   * tenant (`list` then `put`), then drop the old key.
   */
  readonly keys: readonly SealingKey[];
}

/** Where a tenant holds SP private keys: `sp.signing`, `sp.nextSigning` (pairs), `sp.decryption` (a list). */
const SECRET_FIELDS = ['signing', 'nextSigning', 'decryption'] as const;
type SecretField = (typeof SECRET_FIELDS)[number];

const FORMAT = 'samlkit-sealed:v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Wraps any {@link TenantStore} so that the SP private keys in tenant configurations
 * (`sp.signing`, `sp.nextSigning`, `sp.decryption`) are stored encrypted with AES-256-GCM under a key the app
 * supplies, never in clear. The rest of the configuration (domains, issuer) stays readable, so the
 * store's lookups keep working.
 *
 * Each key pair is moved out of `sp` into `sealed` as `samlkit-sealed:v1:<key id>:<base64url of IV,
 * ciphertext and tag>`; the additional data binds it to the tenant and the field, so a sealed value
 * copied into another tenant or field does not open. `get`, `list` and the lookups return the
 * configuration with the key pairs restored. A value that does not open (wrong or missing key,
 * tampering) is `STORE_UNAVAILABLE`: the login fails closed.
 *
 * @example
 * ```ts
 * const tenants = sealTenantSecrets(createPostgresStore({ pool }), {
 *   keys: [{ id: '2027-01', key: Buffer.from(process.env.SAMLKIT_SEALING_KEY ?? '', 'base64') }],
 * });
 * ```
 */
export function sealTenantSecrets(store: TenantStore, options: SealingOptions): TenantStore {
  const keys = checkKeys(options.keys);
  const [current] = keys;
  const unseal = (config: TenantConfig): TenantConfig => defineTenant(open(config, keys));
  return {
    get: async (id) => {
      const config = await store.get(id);
      return config === undefined ? undefined : unseal(config);
    },
    put: async (config) => store.put(seal(defineTenant(config), current)),
    delete: (id) => store.delete(id),
    list: async () => (await store.list()).map(unseal),
    findByEmailDomain: async (domain) => {
      const config = await store.findByEmailDomain(domain);
      return config === undefined ? undefined : unseal(config);
    },
    findByIssuer: async (issuer) => (await store.findByIssuer(issuer)).map(unseal),
    domainClaims: (tenantId) => store.domainClaims(tenantId),
    setDomainVerification: (tenantId, domain, verification) =>
      store.setDomainVerification(tenantId, domain, verification),
    close: () => store.close?.() ?? Promise.resolve(),
  };
}

function checkKeys(keys: unknown): [SealingKey, ...SealingKey[]] {
  const list: readonly unknown[] = Array.isArray(keys) ? (keys as unknown[]) : [];
  const checked = list.map((entry, index): SealingKey => {
    const { id, key } = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<SealingKey>;
    if (typeof id !== 'string' || !/^[\w-]{1,32}$/.test(id)) {
      throw new TypeError(`keys[${index}].id must be 1 to 32 letters, digits, _ or -`);
    }
    if (!(key instanceof Uint8Array) || key.length !== 32) {
      throw new TypeError(`keys[${index}].key must be 32 bytes`);
    }
    return { id, key };
  });
  const [first, ...rest] = checked;
  if (first === undefined) throw new TypeError('options.keys must list at least one key');
  return [first, ...rest];
}

/** `sp` without the key pairs that get sealed. */
function withoutSecrets(sp: TenantConfig['sp']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(sp).filter(([field]) => !(SECRET_FIELDS as readonly string[]).includes(field)),
  );
}

function seal(config: TenantConfig, key: SealingKey): TenantConfig {
  // Only this wrapper writes `sealed`: one planted in the input would be stored as if sealed here,
  // and fail every read of the tenant (list, and other tenants' lookups by issuer) later.
  if (config.sealed !== undefined)
    throw new TypeError(
      'Invalid tenant configuration: sealed is written by sealTenantSecrets; it cannot come from input',
    );
  const sealed: Record<string, string> = {};
  for (const field of SECRET_FIELDS) {
    const pair = config.sp[field];
    if (pair === undefined) continue;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv).setAAD(additionalData(config.id, field));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(pair), 'utf8'), cipher.final()]);
    const payload = Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
    sealed[field] = `${FORMAT}:${key.id}:${payload}`;
  }
  if (Object.keys(sealed).length === 0) return config;
  return { ...config, sp: withoutSecrets(config.sp), sealed } as unknown as TenantConfig;
}

function open(config: TenantConfig, keys: readonly SealingKey[]): TenantConfig {
  const sealed = config.sealed;
  if (sealed === undefined) return config;
  const sp = withoutSecrets(config.sp);
  for (const field of SECRET_FIELDS) {
    const value = sealed[field];
    if (value !== undefined) sp[field] = openField(value, config.id, field, keys);
  }
  const rest = Object.fromEntries(Object.entries(config).filter(([field]) => field !== 'sealed'));
  return { ...rest, sp } as unknown as TenantConfig;
}

function openField(
  value: string,
  tenantId: string,
  field: SecretField,
  keys: readonly SealingKey[],
): SpKeyPair | readonly SpKeyPair[] {
  const [format, version, keyId, payload] = value.split(':');
  const key = keys.find((candidate) => candidate.id === keyId);
  try {
    if (`${format ?? ''}:${version ?? ''}` !== FORMAT || key === undefined || payload === undefined) {
      throw new Error('unknown key or format');
    }
    const bytes = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(additionalData(tenantId, field));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString('utf8')) as SpKeyPair | readonly SpKeyPair[];
  } catch (cause) {
    fail('STORE_UNAVAILABLE', `The sealed sp.${field} of tenant ${tenantId} does not open`, {
      hint: `It was sealed with key "${keyId ?? ''}": pass that key to sealTenantSecrets (keys may list the old and the new one during a rotation).`,
      tenantId,
      cause,
    });
  }
}

function additionalData(tenantId: string, field: SecretField): Buffer {
  return Buffer.from(`${FORMAT}\u0000${tenantId}\u0000sp.${field}`, 'utf8');
}
