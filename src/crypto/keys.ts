import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { SignerKey } from './sign.js';

/** A public key the tenant pins, parsed once, with the fingerprint shown to admins. */
export interface TrustedKey {
  readonly key: KeyObject;
  /** SHA-256 fingerprint of the certificate, colon-separated upper-case hex (as IdP consoles show it). */
  readonly fingerprint: string;
  /** The certificate as base64 DER, as metadata and KeyInfo carry it. */
  readonly base64: string;
  /** The certificate's notAfter, in milliseconds since the epoch (informational: keys are pinned). */
  readonly expiresAt: number;
}

/** The problem with a certificate an admin pasted, or `undefined` when it is acceptable. */
export type CertificateProblem = string;

const PEM_BODY = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

/**
 * Parses a certificate given as PEM or as the bare base64 DER that IdP consoles and metadata show.
 * Returns a problem description instead of throwing, so tenant validation can report them all.
 */
export function parseCertificate(
  text: string,
  options: { readonly allowRsa1024: boolean },
): TrustedKey | CertificateProblem {
  const body = PEM_BODY.exec(text)?.[1] ?? text;
  const base64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return 'is not a PEM or base64 X.509 certificate';
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return 'is not a valid X.509 certificate';
  }
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    const minimum = options.allowRsa1024 ? 1024 : 2048;
    if (bits < minimum) {
      return `has a ${bits}-bit RSA key; at least ${minimum} bits are required${options.allowRsa1024 ? '' : ' (allowRsa1024 accepts 1024-bit keys of legacy IdPs)'}`;
    }
  } else if (key.asymmetricKeyType === 'ec') {
    const curve = details?.namedCurve;
    if (curve !== 'prime256v1' && curve !== 'secp384r1' && curve !== 'secp521r1') {
      return `uses the elliptic curve ${curve ?? 'unknown'}; only P-256, P-384 and P-521 are accepted`;
    }
  } else {
    return `has a ${key.asymmetricKeyType ?? 'unknown'} key; only RSA and EC keys are accepted`;
  }
  return Object.freeze({
    key,
    fingerprint: certificate.fingerprint256,
    expiresAt: Date.parse(certificate.validTo),
    base64,
  });
}

/** The SHA-256 fingerprint of a base64 DER certificate, or `undefined` when it does not parse. */
export function certificateFromBase64(base64: string): { key: KeyObject; fingerprint: string } | undefined {
  try {
    const certificate = new X509Certificate(Buffer.from(base64.replace(/\s+/g, ''), 'base64'));
    return { key: certificate.publicKey, fingerprint: certificate.fingerprint256 };
  } catch {
    return undefined;
  }
}

/** One of our RSA key pairs, parsed once: the private key and the certificate that holds its public key. */
export interface RsaKeyPair {
  readonly privateKey: KeyObject;
  readonly certificate: TrustedKey;
}

/**
 * Parses one of our key pairs (PEM private key and certificate), for signing or decryption: an RSA
 * private key of at least 2048 bits (1024 with `allowRsa1024`) that belongs to the certificate.
 * Returns a problem description instead of throwing, so tenant validation can report them all.
 */
export function parseRsaKeyPair(
  pair: { readonly privateKey: unknown; readonly certificate: unknown },
  options: { readonly allowRsa1024: boolean },
): RsaKeyPair | CertificateProblem {
  if (typeof pair.privateKey !== 'string' || typeof pair.certificate !== 'string') {
    return 'must have privateKey and certificate as PEM strings';
  }
  const certificate = parseCertificate(pair.certificate, options);
  if (typeof certificate === 'string') return `certificate ${certificate}`;
  if (certificate.key.asymmetricKeyType !== 'rsa') return 'certificate must hold an RSA key';
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pair.privateKey);
  } catch {
    return 'privateKey is not a PEM private key (an encrypted key must be decrypted first)';
  }
  if (privateKey.asymmetricKeyType !== 'rsa') return 'privateKey must be an RSA key';
  const spki = (key: KeyObject): string => key.export({ type: 'spki', format: 'der' }).toString('base64');
  if (spki(certificate.key) !== spki(createPublicKey(privateKey))) {
    return 'privateKey does not belong to certificate';
  }
  return Object.freeze({ privateKey, certificate });
}

/** Parses one of our signing key pairs (`sp.signing`): see {@link parseRsaKeyPair}. */
export function parseKeyPair(pair: {
  readonly privateKey: unknown;
  readonly certificate: unknown;
}): SignerKey | CertificateProblem {
  const parsed = parseRsaKeyPair(pair, { allowRsa1024: false });
  if (typeof parsed === 'string') return parsed;
  return Object.freeze({ privateKey: parsed.privateKey, certificateBase64: parsed.certificate.base64 });
}
