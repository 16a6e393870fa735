/**
 * A tiny test IdP: mints SAML 2.0 Responses from a template and signs them with xml-crypto, the way a
 * real IdP would (exclusive c14n, enveloped signature placed right after the signed element's
 * Issuer, KeyInfo carrying the X.509 certificate). Test-only.
 */
import crypto from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SignedXml, createOptionalCallbackFunction } from 'xml-crypto';
import type { defineTenant } from '../../src/index.js';
import { ALG, KEYS, NS, type KeyPair } from './constants.js';

export { ALG, KEYS, NS, type KeyPair };

type TenantConfig = Parameters<typeof defineTenant>[0];

export const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** The fixed "current time" of every test; pass it as `checks.now`. */
export const NOW = new Date('2027-01-15T12:00:00.000Z');

export const IDP_ENTITY_ID = 'https://idp.example.com/metadata';
export const SP_ENTITY_ID = 'https://sp.example.com/saml/metadata';
export const ACS_URL = 'https://sp.example.com/saml/acs';
export const REQUEST_ID = '_req123';

export interface ResponseOptions {
  responseId?: string;
  assertionId?: string;
  /** The assertion's Issuer. */
  issuer?: string;
  /** The Response's Issuer; `null` leaves it out. Defaults to `issuer`. */
  responseIssuer?: string | null;
  destination?: string | null;
  /** Put on both the Response and the SubjectConfirmationData; `null` leaves both out. */
  inResponseTo?: string | null;
  recipient?: string | null;
  /** `null` leaves the AudienceRestriction out. */
  audience?: string | null;
  /** Raw XML content of the NameID (so tests can put CDATA or comments in it). */
  nameId?: string;
  /** `null` leaves the Format attribute out. */
  nameIdFormat?: string | null;
  statusCode?: string;
  /** Times in seconds relative to NOW; `null` leaves the attribute out. */
  notBefore?: number | null;
  notOnOrAfter?: number | null;
  scdNotOnOrAfter?: number | null;
  /** Attribute name → raw XML contents of its values. */
  attributes?: Readonly<Record<string, readonly string[]>>;
  authnStatement?: boolean;
  /** The assertion's namespace prefix; `''` puts the assertion in the default namespace. */
  assertionPrefix?: string;
  /** Put a line break between every two tags (before signing), like a pretty-printing IdP. */
  pretty?: boolean;
}

export const DEFAULT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  email: ['alice@example.com'],
  firstName: ['Alice'],
  lastName: ['Liddell'],
  groups: ['admins', 'engineering'],
};

const at = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString();
const attr = (name: string, value: string | null | undefined): string =>
  value == null ? '' : ` ${name}="${value}"`;

/** The XML text of an (unsigned) Response with sane defaults. */
export function buildResponse(o: ResponseOptions = {}): string {
  const issuer = o.issuer ?? IDP_ENTITY_ID;
  const responseIssuer = o.responseIssuer === undefined ? issuer : o.responseIssuer;
  const irt = o.inResponseTo === undefined ? REQUEST_ID : o.inResponseTo;
  const ap = o.assertionPrefix ?? 'saml';
  const p = ap === '' ? '' : `${ap}:`;
  const nsDecl = ap === '' ? `xmlns="${NS.saml}"` : `xmlns:${ap}="${NS.saml}"`;
  const audience = o.audience === undefined ? SP_ENTITY_ID : o.audience;
  const attributes = Object.entries(o.attributes ?? DEFAULT_ATTRIBUTES)
    .map(
      ([name, values]) =>
        `<${p}Attribute Name="${name}">` +
        values.map((v) => `<${p}AttributeValue>${v}</${p}AttributeValue>`).join('') +
        `</${p}Attribute>`,
    )
    .join('');
  const xml =
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${o.responseId ?? '_resp1'}"` +
    ` Version="2.0" IssueInstant="${at(-5)}"` +
    attr('Destination', o.destination === undefined ? ACS_URL : o.destination) +
    attr('InResponseTo', irt) +
    '>' +
    (responseIssuer === null ? '' : `<saml:Issuer>${responseIssuer}</saml:Issuer>`) +
    `<samlp:Status><samlp:StatusCode Value="${o.statusCode ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
    `<${p}Assertion ${nsDecl} ID="${o.assertionId ?? '_assert1'}" Version="2.0" IssueInstant="${at(-5)}">` +
    `<${p}Issuer>${issuer}</${p}Issuer>` +
    `<${p}Subject><${p}NameID${attr('Format', o.nameIdFormat === undefined ? EMAIL_FORMAT : o.nameIdFormat)}>` +
    `${o.nameId ?? 'alice@example.com'}</${p}NameID>` +
    `<${p}SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><${p}SubjectConfirmationData` +
    attr('InResponseTo', irt) +
    attr('NotOnOrAfter', o.scdNotOnOrAfter === null ? null : at(o.scdNotOnOrAfter ?? 300)) +
    attr('Recipient', o.recipient === undefined ? ACS_URL : o.recipient) +
    `/></${p}SubjectConfirmation></${p}Subject>` +
    `<${p}Conditions` +
    attr('NotBefore', o.notBefore === null ? null : at(o.notBefore ?? -60)) +
    attr('NotOnOrAfter', o.notOnOrAfter === null ? null : at(o.notOnOrAfter ?? 300)) +
    '>' +
    (audience === null
      ? ''
      : `<${p}AudienceRestriction><${p}Audience>${audience}</${p}Audience></${p}AudienceRestriction>`) +
    `</${p}Conditions>` +
    (o.authnStatement === false
      ? ''
      : `<${p}AuthnStatement AuthnInstant="${at(-10)}" SessionIndex="_session1"><${p}AuthnContext>` +
        `<${p}AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport` +
        `</${p}AuthnContextClassRef></${p}AuthnContext></${p}AuthnStatement>`) +
    (attributes === '' ? '' : `<${p}AttributeStatement>${attributes}</${p}AttributeStatement>`) +
    `</${p}Assertion></samlp:Response>`;
  return o.pretty === true ? xml.replaceAll('><', '>\n  <') : xml;
}

export interface SignOptions {
  /** Which element to sign; `id` picks one element by its ID instead (e.g. one of two assertions). */
  ref: 'assertion' | 'response';
  id?: string;
  key?: string;
  cert?: string;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  /** Namespace prefix of the Signature elements (default `ds`; `''` for the default namespace). */
  prefix?: string;
  /** Leave KeyInfo out. */
  noKeyInfo?: boolean;
}

/** ECDSA-SHA256 for xml-crypto, which lacks it (XMLDSig wants the raw r||s encoding). Signing only. */
const EcdsaSha256 = class {
  getSignature = createOptionalCallbackFunction((signedInfo: crypto.BinaryLike, key: crypto.KeyLike) => {
    const privateKey = key instanceof crypto.KeyObject ? key : crypto.createPrivateKey(key);
    const data = typeof signedInfo === 'string' ? Buffer.from(signedInfo) : signedInfo;
    return crypto.sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
  });
  verifySignature = createOptionalCallbackFunction((): boolean => {
    throw new Error('test IdP: ECDSA is for signing only');
  });
  getAlgorithmName = (): string => ALG.ecdsaSha256;
};

function findTarget(xml: string, o: SignOptions): Element {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const all = Array.from(doc.getElementsByTagName('*'));
  const found =
    o.id !== undefined
      ? all.find((e) => e.getAttribute('ID') === o.id)
      : o.ref === 'response'
        ? doc.documentElement
        : all.find((e) => e.localName === 'Assertion');
  if (found == null) throw new Error(`signXml: nothing to sign for ${o.id ?? o.ref}`);
  return found;
}

/** Signs one element of `xml` (enveloped, exc-c14n) and returns the signed XML text. */
export function signXml(xml: string, o: SignOptions): string {
  const target = findTarget(xml, o);
  const id = target.getAttribute('ID') ?? '';
  const xpath = `//*[@ID='${id}']`;
  const hasIssuer = Array.from(target.childNodes).some((n) => n.nodeType === 1 && n.localName === 'Issuer');
  const signatureAlgorithm = o.signatureAlgorithm ?? ALG.rsaSha256;
  const sig = new SignedXml({
    privateKey: o.key ?? KEYS.idp.key,
    publicCert: o.cert ?? KEYS.idp.cert,
    signatureAlgorithm,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  if (signatureAlgorithm === ALG.hmacSha1) sig.enableHMAC();
  if (signatureAlgorithm === ALG.ecdsaSha256) sig.SignatureAlgorithms[ALG.ecdsaSha256] = EcdsaSha256;
  if (o.noKeyInfo === true) sig.getKeyInfoContent = () => null;
  sig.addReference({
    xpath,
    transforms: [ALG.enveloped, ALG.excC14n],
    digestAlgorithm: o.digestAlgorithm ?? ALG.sha256,
  });
  sig.computeSignature(xml, {
    prefix: o.prefix ?? 'ds',
    location: hasIssuer
      ? { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' }
      : { reference: xpath, action: 'prepend' },
  });
  return sig.getSignedXml();
}

/** Signs the assertion, then (for `'both'`) the Response around it. */
export function signed(
  xml: string,
  what: 'assertion' | 'response' | 'both' = 'assertion',
  kp: KeyPair = KEYS.idp,
): string {
  const key = { key: kp.key, cert: kp.cert };
  if (what === 'response') return signXml(xml, { ref: 'response', ...key });
  const a = signXml(xml, { ref: 'assertion', ...key });
  return what === 'both' ? signXml(a, { ref: 'response', ...key }) : a;
}

type TenantOverrides = Omit<Partial<TenantConfig>, 'sp' | 'idp'> & {
  sp?: Partial<TenantConfig['sp']>;
  idp?: Partial<TenantConfig['idp']>;
};

/** Tenant A: trusts the test IdP's key, users in example.com. */
export function tenant(overrides: TenantOverrides = {}): TenantConfig {
  const { sp, idp, ...rest } = overrides;
  return {
    id: 'tenant-a',
    emailDomains: ['example.com'],
    attributeNames: { groups: 'groups', firstName: 'firstName', lastName: 'lastName' },
    ...rest,
    sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL, ...sp },
    idp: { entityId: IDP_ENTITY_ID, certificates: [KEYS.idp.cert], ...idp },
  };
}

/** The HTTP-POST binding form field for `xml`. */
export function toForm(xml: string | Buffer): { SAMLResponse: string } {
  return { SAMLResponse: Buffer.from(xml).toString('base64') };
}
