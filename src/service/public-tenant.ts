import { deepFreeze } from '../internal/freeze.js';
import type { ServiceProviderConfig, SpKeyPair, TenantConfig } from '../types.js';

/** An SP key pair without its private key: what may be logged or shown. */
export type PublicSpKey = Pick<SpKeyPair, 'certificate'>;

/**
 * A tenant configuration without secrets (docs/security.md rule 30): every SP private key removed (the
 * certificates stay) and no `sealed` values. Safe to log, serialise or send to a browser.
 */
export type PublicTenantConfig = Omit<TenantConfig, 'sp' | 'sealed'> & {
  /** Our side, with certificates only. */
  readonly sp: Omit<ServiceProviderConfig, 'signing' | 'nextSigning' | 'decryption'> & {
    /** The certificate of the key that signs our requests. */
    readonly signing?: PublicSpKey;
    /** The certificate of the next signing key (rollover). */
    readonly nextSigning?: PublicSpKey;
    /** The certificates of our decryption keys. */
    readonly decryption?: readonly PublicSpKey[];
  };
};

/** A frozen copy of `config` without private keys or sealed values. */
export function publicTenant(config: TenantConfig): PublicTenantConfig {
  const { sp, ...rest } = config;
  const { signing, nextSigning, decryption, ...endpoints } = sp;
  const certificateOf = (pair: SpKeyPair): PublicSpKey => ({ certificate: pair.certificate });
  const copy: Omit<TenantConfig, 'sp'> = structuredClone(rest);
  // Sealed values are secrets too (sealTenantSecrets); copied, then dropped from the copy.
  Reflect.deleteProperty(copy, 'sealed');
  return deepFreeze(
    structuredClone({
      ...copy,
      sp: {
        ...endpoints,
        ...(signing !== undefined && { signing: certificateOf(signing) }),
        ...(nextSigning !== undefined && { nextSigning: certificateOf(nextSigning) }),
        ...(decryption !== undefined && { decryption: decryption.map(certificateOf) }),
      },
    }),
  );
}
