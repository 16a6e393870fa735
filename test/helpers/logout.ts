/**
 * Logout messages as an IdP sends them, from a template, for the logout unit and attack tests:
 * signed (or not, or wrongly) over the HTTP-Redirect query or enveloped for HTTP-POST.
 */
import { sign } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { deflateRaw } from 'pako';
import { signEnveloped } from '../../src/crypto/sign.js';
import { parseKeyPair } from '../../src/crypto/keys.js';
import { defineTenant, type LogoutMessageInput, type Tenant } from '../../src/index.js';
import { ALG, KEYS, type KeyPair } from './constants.js';

export const NOW = new Date('2027-01-15T12:00:00.000Z');
export const IDP = 'https://idp.example.com/metadata';
export const IDP_SLO = 'https://idp.example.com/slo';
export const SP = 'https://sp.example.com/saml/acme';
export const SLO = 'https://sp.example.com/saml/acme/slo';
export const NAME_ID = 'alice@example.com';
export const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** The SP's signing key: the rollover pair of test/helpers/keys. */
export const SP_KEYS: KeyPair = KEYS.rollover;

export function spTenant(id = 'acme', overrides: { sloUrl?: string; idpCerts?: string[] } = {}): Tenant {
  return defineTenant({
    id,
    sp: {
      entityId: SP,
      acsUrl: 'https://sp.example.com/saml/acme/acs',
      sloUrl: overrides.sloUrl ?? SLO,
      signing: { privateKey: SP_KEYS.key, certificate: SP_KEYS.cert },
    },
    idp: {
      entityId: IDP,
      certificates: overrides.idpCerts ?? [KEYS.idp.cert],
      ssoUrl: 'https://idp.example.com/sso',
      sloUrls: { redirect: IDP_SLO, post: IDP_SLO },
    },
  });
}

export interface IdpMessageOptions {
  id?: string;
  issuer?: string | null;
  destination?: string | null;
  /** Seconds relative to NOW. */
  issueInstant?: number;
  /** Seconds relative to NOW; `null` leaves it out. */
  notOnOrAfter?: number | null;
  nameId?: string;
  format?: string;
  spNameQualifier?: string;
  sessionIndex?: string | null;
  inResponseTo?: string;
  status?: string;
  subStatus?: string;
}

const at = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString();

export function logoutRequestXml(options: IdpMessageOptions = {}): string {
  const attrs = [
    `ID="${options.id ?? '_lr1'}"`,
    'Version="2.0"',
    `IssueInstant="${at(options.issueInstant ?? 0)}"`,
    options.destination === null ? '' : `Destination="${options.destination ?? SLO}"`,
    options.notOnOrAfter === null ? '' : `NotOnOrAfter="${at(options.notOnOrAfter ?? 300)}"`,
  ].filter(Boolean);
  const issuer = options.issuer === null ? '' : `<saml:Issuer>${options.issuer ?? IDP}</saml:Issuer>`;
  const spq = options.spNameQualifier === undefined ? '' : ` SPNameQualifier="${options.spNameQualifier}"`;
  const index =
    options.sessionIndex === null
      ? ''
      : `<samlp:SessionIndex>${options.sessionIndex ?? '_s1'}</samlp:SessionIndex>`;
  return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${attrs.join(' ')}>${issuer}<saml:NameID Format="${options.format ?? EMAIL}"${spq}>${options.nameId ?? NAME_ID}</saml:NameID>${index}</samlp:LogoutRequest>`;
}

export function logoutResponseXml(options: IdpMessageOptions = {}): string {
  const attrs = [
    `ID="${options.id ?? '_lresp1'}"`,
    'Version="2.0"',
    `IssueInstant="${at(options.issueInstant ?? 0)}"`,
    options.destination === null ? '' : `Destination="${options.destination ?? SLO}"`,
    `InResponseTo="${options.inResponseTo ?? '_ours'}"`,
  ].filter(Boolean);
  const issuer = options.issuer === null ? '' : `<saml:Issuer>${options.issuer ?? IDP}</saml:Issuer>`;
  const sub = options.subStatus === undefined ? '' : `<samlp:StatusCode Value="${options.subStatus}"/>`;
  return `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${attrs.join(' ')}>${issuer}<samlp:Status><samlp:StatusCode Value="${options.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}">${sub}</samlp:StatusCode></samlp:Status></samlp:LogoutResponse>`;
}

/** The HTTP-Redirect query of a message, signed over the exact query (bindings §3.4.4.1). */
export function redirectQuery(
  xml: string,
  options: {
    parameter?: 'SAMLRequest' | 'SAMLResponse';
    relayState?: string;
    key?: KeyPair | null;
    sigAlg?: string;
  } = {},
): string {
  const parameter = options.parameter ?? (xml.includes('LogoutResponse') ? 'SAMLResponse' : 'SAMLRequest');
  let query = `${parameter}=${encodeURIComponent(Buffer.from(deflateRaw(xml)).toString('base64'))}`;
  if (options.relayState !== undefined) query += `&RelayState=${encodeURIComponent(options.relayState)}`;
  if (options.key === null) return query;
  const sigAlg = options.sigAlg ?? ALG.rsaSha256;
  query += `&SigAlg=${encodeURIComponent(sigAlg)}`;
  const hash = sigAlg.endsWith('sha1') ? 'sha1' : 'sha256';
  const signature = sign(hash, Buffer.from(query), (options.key ?? KEYS.idp).key).toString('base64');
  return `${query}&Signature=${encodeURIComponent(signature)}`;
}

/** The message enveloped-signed with `key` (default the IdP's), as an HTTP-POST form. */
export function signedXml(xml: string, key: KeyPair = KEYS.idp): string {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const root = document.documentElement;
  if (root === null) throw new Error('no root');
  const signer = parseKeyPair({ privateKey: key.key, certificate: key.cert });
  if (typeof signer === 'string') throw new Error(signer);
  signEnveloped(root, signer);
  return new XMLSerializer().serializeToString(document);
}

export function postMessage(xml: string, relayState?: string): LogoutMessageInput {
  const field = xml.includes('LogoutResponse') ? 'SAMLResponse' : 'SAMLRequest';
  return {
    binding: 'post',
    form: {
      [field]: Buffer.from(xml).toString('base64'),
      ...(relayState !== undefined && { RelayState: relayState }),
    },
  };
}

export function redirectMessage(query: string): LogoutMessageInput {
  return { binding: 'redirect', query };
}

/** A replay cache that remembers in memory, like MemoryStore. */
export function replayCache(): { remember(tenantId: string, id: string, expiresAt: Date): Promise<boolean> } {
  const seen = new Set<string>();
  return {
    remember(tenantId, id) {
      const key = `${tenantId}\n${id}`;
      if (seen.has(key)) return Promise.resolve(false);
      seen.add(key);
      return Promise.resolve(true);
    },
  };
}
