/** What both conformance suites share: case plumbing, awkward keys, assertion helpers. */
import assert from 'node:assert/strict';
import { SamlError, type SamlErrorCode } from '../../errors.js';
import type { PendingRequest } from '../../store/types.js';
import type { TenantConfig } from '../../types.js';

/** One conformance check: register it with your test runner, e.g. `it(c.name, () => c.run())`. */
export interface ConformanceCase {
  /** What the case checks, e.g. `50 concurrent consumeRequest calls: exactly one gets the request`. */
  readonly name: string;
  /** Creates a fresh store, runs the check, destroys the store; rejects when the check fails. */
  run(): Promise<void>;
}

/** What the suite passes to {@link StoreFactory.create}. */
export interface StoreFactoryOptions {
  /**
   * The suite's clock: the system clock. A store with an injectable clock should use it; a store
   * whose server keeps time ignores it (keep that server's clock within 100 ms of this process's).
   */
  readonly now: () => Date;
}

/** Makes the store under test. Each case calls `create` once and `destroy` once. */
export interface StoreFactory<S> {
  /** A new, empty store (for a shared server: a fresh key prefix, schema or table). */
  create(options: StoreFactoryOptions): Promise<S>;
  /**
   * Cleans up after a case, also after a failed one and after the case that closed the store.
   * Default: `store.close()` when the store has one.
   */
  destroy?(store: S): Promise<void>;
}

/** Options of {@link tenantStoreConformance}. */
export interface TenantStoreConformanceOptions {
  /**
   * A valid IdP signing certificate (PEM, RSA ≥ 2048 bits, not expired) for the test tenants. The
   * suite reads no files: pass the one of your test IdP.
   */
  readonly certificate: string;
}

/**
 * The certificate of `options`, checked, and a maker of valid tenant configurations trusting it:
 * `id`'s SP URLs, the IdP `idpEntityId`, and `more` on top.
 */
export function tenantMaker(
  options: TenantStoreConformanceOptions,
  idpEntityId: string,
): { certificate: string; tenant: (id: string, more?: Omit<Partial<TenantConfig>, 'id'>) => TenantConfig } {
  const certificate: unknown = options.certificate;
  if (typeof certificate !== 'string' || certificate === '')
    throw new TypeError('options.certificate must be a PEM certificate');
  const tenant = (id: string, more: Omit<Partial<TenantConfig>, 'id'> = {}): TenantConfig => ({
    id,
    sp: {
      entityId: `https://app.example.com/saml/${encodeURIComponent(id)}`,
      acsUrl: `https://app.example.com/saml/${encodeURIComponent(id)}/acs`,
    },
    idp: { entityId: idpEntityId, certificates: [certificate] },
    ...more,
  });
  return { certificate, tenant };
}

export type Body<S> = (store: S) => Promise<void>;

/** Short deadlines for the real-time expiry case: live for `TTL_MS`, checked `MARGIN_MS` after. */
export const TTL_MS = 300;
export const MARGIN_MS = 150;
export const systemClock = (): Date => new Date();
export const inMs = (ms: number): Date => new Date(Date.now() + ms);
export const LATER = 60_000;

/**
 * Keys a store must keep apart and intact: Unicode (and its normalisation forms), 1–4 KB IDs,
 * delimiters and wildcards of Redis (`:` `*` `?` `[]`), SQL (`%` `_` quotes), JSON, `printf`,
 * prototype names, case and trailing-space variants that some collations equate.
 */
export const AWKWARD_IDS: readonly string[] = Object.freeze([
  'ünïcødé-ключ-鍵-🔑',
  '\u00e9',
  'e\u0301',
  '\u202egnp.exe',
  'a'.repeat(1024),
  noise(4096),
  '鍵'.repeat(1400),
  ':',
  'a:b',
  'a:b:c',
  '*',
  'a*',
  'a?c',
  '[ab]c',
  'abc',
  'ac',
  '%',
  'a%',
  'a_c',
  '%s%n',
  '\n',
  'a\r\nb',
  '\t',
  ' ',
  'pad',
  'pad ',
  'CaseSensitive',
  'casesensitive',
  '{}',
  '{"$gt":""}',
  '__proto__',
  'constructor',
  'toString',
  "'; DROP TABLE samlkit; --",
  '" OR "1"="1',
  '\\',
  '\\x00',
  '$1',
  'KEYS *',
]);

/**
 * Turns named case bodies into runnable cases: each gets a fresh store from `factory` and destroys
 * (or closes) it afterwards, whether the body passed or not.
 */
export function toCases<S extends { close?(): Promise<void> }>(
  factory: StoreFactory<S>,
  bodies: readonly (readonly [string, Body<S>])[],
): ConformanceCase[] {
  if (typeof factory !== 'object' || typeof (factory as Partial<typeof factory>).create !== 'function')
    throw new TypeError('factory must be an object with a create({ now }) method');
  return bodies.map(([name, body]) => ({
    name,
    async run(): Promise<void> {
      const store = await factory.create({ now: systemClock });
      try {
        await body(store);
      } finally {
        await (factory.destroy === undefined ? store.close?.() : factory.destroy(store));
      }
    },
  }));
}

export function request(requestId: string, tenantId = 'tenant-a'): PendingRequest {
  return { tenantId, requestId, relayState: `relay-${requestId.length}`, browserBinding: 'binding' };
}

/** The JSON form of a value: what a database-backed store keeps of a tenant. */
export function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

export function assertCode(error: unknown, code: SamlErrorCode): asserts error is SamlError {
  assert.ok(error instanceof SamlError, `expected SamlError ${code}, got ${String(error)}`);
  assert.equal(error.code, code);
}

export async function rejectsWithCode(promise: Promise<unknown>, code: SamlErrorCode): Promise<SamlError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assertCode(caught, code);
  return caught;
}

/** `length` characters of deterministic, incompressible-looking text (a long ID is not `aaaa…`). */
export function noise(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~';
  let state = 0x2545f491;
  let text = '';
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    text += alphabet.charAt((state >>> 0) % alphabet.length);
  }
  return text;
}
