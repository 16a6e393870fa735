/** Namespaces, algorithm URIs and the test keys (see keys/README.md) used by the test IdP. */
import { readFileSync } from 'node:fs';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const ALG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  hmacSha1: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
} as const;

const keyFile = (name: string): string => readFileSync(new URL(`./keys/${name}`, import.meta.url), 'utf8');

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}
const pair = (name: string): KeyPair => ({ key: keyFile(`${name}.key`), cert: keyFile(`${name}.crt`) });
export const KEYS = {
  idp: pair('idp'),
  attacker: pair('attacker'),
  rollover: pair('rollover'),
  rsa1024: pair('rsa1024'),
  ec: pair('ec'),
  /** attacker.key with a certificate whose subject copies the IdP's. */
  lookalike: { key: keyFile('attacker.key'), cert: keyFile('lookalike.crt') },
} as const;
