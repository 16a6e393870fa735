/**
 * The three responses of the benchmark, signed with xml-crypto and the test IdP's throwaway
 * RSA-2048 key (test/helpers/keys/idp.key, TEST-ONLY), valid for an hour from `now`:
 *
 * - `entra`: Entra ID shape (default namespaces, assertion signed, RSA-SHA256, exclusive c14n,
 *   10 attributes), about 5.5 KB;
 * - `okta`: Okta shape (saml2p:/saml2:/ds: prefixes, xs:string typed values, Response and
 *   Assertion both signed, InclusiveNamespaces PrefixList="xs" on the assertion);
 * - `groups200`: the Entra shape with 200 group object IDs.
 */
import { createHash, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';

const keyFile = (name) => readFileSync(new URL(`../test/helpers/keys/${name}`, import.meta.url), 'utf8');
export const IDP_KEY = keyFile('idp.key');
export const IDP_CERT = keyFile('idp.crt');
/** The certificate as bare base64 (what some libraries want). */
export const IDP_CERT_BASE64 = IDP_CERT.replace(/-----[^-]+-----|\s+/g, '');
export const IDP_CERT_SHA1 = createHash('sha1').update(Buffer.from(IDP_CERT_BASE64, 'base64')).digest('hex');

export const SP_ENTITY_ID = 'https://app.example.com/saml/acme';
export const ACS_URL = 'https://app.example.com/saml/acme/acs';
export const REQUEST_ID = '_4f1c0b9a2d7e8f60a1b2c3d4e5f60718293a4b5c';
export const EMAIL = 'alice.liddell@acme-corp.com';

const ALG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
};
const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
};

const ENTRA_TENANT = '5b5c94c6-14cf-42da-85bc-4e08722b253b';
export const ENTRA_ISSUER = `https://sts.windows.net/${ENTRA_TENANT}/`;
export const OKTA_ISSUER = 'http://www.okta.com/exk1a2b3c4d5e6f7g8h9';

/** A deterministic GUID-looking string. */
const guid = (seed) => {
  const h = createHash('sha256').update(String(seed)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

function elementWithId(node, id) {
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType !== 1) continue;
    if (child.getAttribute('ID') === id) return child;
    const found = elementWithId(child, id);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Signs the element with this ID the way IdPs do: enveloped signature right after its Issuer,
 * exclusive c14n (with an InclusiveNamespaces PrefixList in the c14n transform when given, as Okta
 * does), SHA-256 digest, RSA-SHA256, the certificate in KeyInfo. Built by hand around xml-crypto's
 * ExclusiveCanonicalization because xml-crypto's signer puts the PrefixList on every transform.
 */
function sign(xml, id, { prefix = '', inclusivePrefixes = [] } = {}) {
  const p = prefix === '' ? '' : `${prefix}:`;
  const c14n = (element, prefixes) =>
    new ExclusiveCanonicalization().process(element, { inclusiveNamespacesPrefixList: prefixes });
  const target = elementWithId(new DOMParser().parseFromString(xml, 'application/xml'), id);
  if (target === undefined) throw new Error(`no element with ID ${id}`);
  const digest = createHash('sha256').update(c14n(target, inclusivePrefixes)).digest('base64');
  const inclusive =
    inclusivePrefixes.length === 0
      ? ''
      : `<ec:InclusiveNamespaces xmlns:ec="${ALG.excC14n}" PrefixList="${inclusivePrefixes.join(' ')}"/>`;
  const signedInfo =
    `<${p}SignedInfo><${p}CanonicalizationMethod Algorithm="${ALG.excC14n}"/>` +
    `<${p}SignatureMethod Algorithm="${ALG.rsaSha256}"/><${p}Reference URI="#${id}"><${p}Transforms>` +
    `<${p}Transform Algorithm="${ALG.enveloped}"/>` +
    (inclusive === ''
      ? `<${p}Transform Algorithm="${ALG.excC14n}"/>`
      : `<${p}Transform Algorithm="${ALG.excC14n}">${inclusive}</${p}Transform>`) +
    `</${p}Transforms><${p}DigestMethod Algorithm="${ALG.sha256}"/><${p}DigestValue>${digest}</${p}DigestValue>` +
    `</${p}Reference></${p}SignedInfo>`;
  const placeholder = '@@SIGNATURE_VALUE@@';
  const signature =
    `<${p}Signature ${prefix === '' ? 'xmlns' : `xmlns:${prefix}`}="${DSIG}">${signedInfo}` +
    `<${p}SignatureValue>${placeholder}</${p}SignatureValue><${p}KeyInfo><${p}X509Data>` +
    `<${p}X509Certificate>${IDP_CERT_BASE64}</${p}X509Certificate></${p}X509Data></${p}KeyInfo></${p}Signature>`;
  // Right after the signed element's own Issuer (SAML core §5.4.1 places it there).
  const start = xml.indexOf(` ID="${id}"`);
  const issuerEnd = /<\/(?:[\w-]+:)?Issuer>/g;
  issuerEnd.lastIndex = start;
  const match = issuerEnd.exec(xml);
  if (start < 0 || match === null) throw new Error(`no Issuer in the element with ID ${id}`);
  const at = match.index + match[0].length;
  const withSignature = xml.slice(0, at) + signature + xml.slice(at);
  const signedInfoElement = elementWithId(
    new DOMParser().parseFromString(withSignature, 'application/xml'),
    id,
  ).getElementsByTagNameNS(DSIG, 'SignedInfo')[0];
  const value = cryptoSign('sha256', Buffer.from(c14n(signedInfoElement, []), 'utf8'), IDP_KEY);
  return withSignature.replace(placeholder, value.toString('base64'));
}

/** Checks every signature of `xml` with xml-crypto's own verifier (a generator self-test). */
export function selfCheck(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const signatures = doc.getElementsByTagNameNS(DSIG, 'Signature');
  for (let i = 0; i < signatures.length; i++) {
    const verifier = new SignedXml({ publicCert: IDP_CERT });
    verifier.loadSignature(signatures[i]);
    if (!verifier.checkSignature(xml)) throw new Error(`signature ${i} does not verify`);
  }
  return signatures.length;
}

function times(now) {
  const at = (seconds) => new Date(now.getTime() + seconds * 1000).toISOString();
  return { issued: at(-2), notBefore: at(-300), notOnOrAfter: at(3600), authn: at(-60) };
}

/** Entra ID's shape: see fixtures/real/azure for real ones. */
function entra(now, groups, audience = SP_ENTITY_ID) {
  const t = times(now);
  const responseId = `_${guid('entra-response')}`;
  const assertionId = `_${guid('entra-assertion')}`;
  const attribute = (name, values) =>
    `<Attribute Name="${name}">${values.map((v) => `<AttributeValue>${v}</AttributeValue>`).join('')}</Attribute>`;
  const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
  const attributes = [
    attribute('http://schemas.microsoft.com/identity/claims/tenantid', [ENTRA_TENANT]),
    attribute('http://schemas.microsoft.com/identity/claims/objectidentifier', [guid('user')]),
    attribute('http://schemas.microsoft.com/identity/claims/displayname', ['Alice Liddell']),
    attribute('http://schemas.microsoft.com/ws/2008/06/identity/claims/groups', groups),
    attribute('http://schemas.microsoft.com/identity/claims/identityprovider', [ENTRA_ISSUER]),
    attribute('http://schemas.microsoft.com/claims/authnmethodsreferences', [
      'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password',
      'http://schemas.microsoft.com/claims/multipleauthn',
    ]),
    attribute(`${claims}/givenname`, ['Alice']),
    attribute(`${claims}/surname`, ['Liddell']),
    attribute(`${claims}/emailaddress`, [EMAIL]),
    attribute(`${claims}/name`, [EMAIL]),
  ].join('');
  const xml =
    `<samlp:Response ID="${responseId}" Version="2.0" IssueInstant="${t.issued}" Destination="${ACS_URL}" InResponseTo="${REQUEST_ID}" xmlns:samlp="${NS.samlp}">` +
    `<Issuer xmlns="${NS.saml}">${ENTRA_ISSUER}</Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<Assertion ID="${assertionId}" IssueInstant="${t.issued}" Version="2.0" xmlns="${NS.saml}">` +
    `<Issuer>${ENTRA_ISSUER}</Issuer>` +
    `<Subject><NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${EMAIL}</NameID>` +
    `<SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><SubjectConfirmationData InResponseTo="${REQUEST_ID}" NotOnOrAfter="${t.notOnOrAfter}" Recipient="${ACS_URL}"/></SubjectConfirmation></Subject>` +
    `<Conditions NotBefore="${t.notBefore}" NotOnOrAfter="${t.notOnOrAfter}"><AudienceRestriction><Audience>${audience}</Audience></AudienceRestriction></Conditions>` +
    `<AttributeStatement>${attributes}</AttributeStatement>` +
    `<AuthnStatement AuthnInstant="${t.authn}" SessionIndex="${assertionId}"><AuthnContext><AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</AuthnContextClassRef></AuthnContext></AuthnStatement>` +
    `</Assertion></samlp:Response>`;
  return sign(xml, assertionId);
}

/** Okta's shape: see fixtures/real/okta for real ones. Assertion signed, then the Response. */
function okta(now, audience = SP_ENTITY_ID) {
  const t = times(now);
  const responseId = `id${BigInt(`0x${guid('okta-response').replace(/-/g, '').slice(0, 20)}`)}`;
  const assertionId = `id${BigInt(`0x${guid('okta-assertion').replace(/-/g, '').slice(0, 20)}`)}`;
  const xsi = 'http://www.w3.org/2001/XMLSchema-instance';
  const attribute = (name, values) =>
    `<saml2:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">` +
    values
      .map(
        (v) =>
          `<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${xsi}" xsi:type="xs:string">${v}</saml2:AttributeValue>`,
      )
      .join('') +
    `</saml2:Attribute>`;
  const entity = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
  const xml =
    `<saml2p:Response Destination="${ACS_URL}" ID="${responseId}" InResponseTo="${REQUEST_ID}" IssueInstant="${t.issued}" Version="2.0" xmlns:saml2p="${NS.samlp}">` +
    `<saml2:Issuer Format="${entity}" xmlns:saml2="${NS.saml}">${OKTA_ISSUER}</saml2:Issuer>` +
    `<saml2p:Status xmlns:saml2p="${NS.samlp}"><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>` +
    `<saml2:Assertion ID="${assertionId}" IssueInstant="${t.issued}" Version="2.0" xmlns:saml2="${NS.saml}">` +
    `<saml2:Issuer Format="${entity}" xmlns:saml2="${NS.saml}">${OKTA_ISSUER}</saml2:Issuer>` +
    `<saml2:Subject xmlns:saml2="${NS.saml}"><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${EMAIL}</saml2:NameID>` +
    `<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData InResponseTo="${REQUEST_ID}" NotOnOrAfter="${t.notOnOrAfter}" Recipient="${ACS_URL}"/></saml2:SubjectConfirmation></saml2:Subject>` +
    `<saml2:Conditions NotBefore="${t.notBefore}" NotOnOrAfter="${t.notOnOrAfter}" xmlns:saml2="${NS.saml}"><saml2:AudienceRestriction><saml2:Audience>${audience}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>` +
    `<saml2:AuthnStatement AuthnInstant="${t.authn}" SessionIndex="${responseId}" xmlns:saml2="${NS.saml}"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>` +
    `<saml2:AttributeStatement xmlns:saml2="${NS.saml}">` +
    attribute('firstName', ['Alice']) +
    attribute('lastName', ['Liddell']) +
    attribute('email', [EMAIL]) +
    attribute('groups', ['Everyone', 'Engineering', 'acme-admins']) +
    `</saml2:AttributeStatement></saml2:Assertion></saml2p:Response>`;
  const assertionSigned = sign(xml, assertionId, { prefix: 'ds', inclusivePrefixes: ['xs'] });
  return sign(assertionSigned, responseId, { prefix: 'ds' });
}

/**
 * The three responses, as XML text, valid from 5 minutes before `now` to an hour after it, for
 * `audience` (default: the benchmark's SP).
 * @param {Date} now
 */
export function buildResponses(now = new Date(), audience = SP_ENTITY_ID) {
  const someGroups = [guid('group-1'), guid('group-2'), guid('group-3')];
  const manyGroups = Array.from({ length: 200 }, (_, i) => guid(`group-${i + 1}`));
  return {
    entra: entra(now, someGroups, audience),
    okta: okta(now, audience),
    groups200: entra(now, manyGroups, audience),
  };
}

/**
 * Responses every contender must refuse, per scenario, to prove it is configured to check:
 * `tampered` (the NameID changed after signing: must be refused, or the contender does not count),
 * `otherAudience` (signed for another SP) and `expired` (issued 3 hours ago, so its hour ended 2
 * hours ago, beyond any clock skew), which are reported.
 * @param {Date} now
 */
export function buildProbes(now = new Date()) {
  const good = buildResponses(now);
  const otherAudience = buildResponses(now, 'https://other-app.example.net/saml');
  const expired = buildResponses(new Date(now.getTime() - 3 * 3600_000));
  return Object.fromEntries(
    Object.keys(good).map((name) => [
      name,
      {
        tampered: good[name].replace(`>${EMAIL}</`, '>mallory@acme-corp.com</'),
        otherAudience: otherAudience[name],
        expired: expired[name],
      },
    ]),
  );
}

/** What each response is, for the table, and which IdP it comes from. */
export const SCENARIOS = {
  entra: {
    label: 'Entra ID-style, assertion signed',
    issuer: ENTRA_ISSUER,
    signing: 'assertion',
    groupsAttribute: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    groups: 3,
  },
  okta: {
    label: 'Okta-style, Response + Assertion signed',
    issuer: OKTA_ISSUER,
    signing: 'both',
    groupsAttribute: 'groups',
    groups: 3,
  },
  groups200: {
    label: 'Entra ID-style, 200 groups',
    issuer: ENTRA_ISSUER,
    signing: 'assertion',
    groupsAttribute: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    groups: 200,
  },
};
