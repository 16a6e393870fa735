/**
 * Each contender of the benchmark: how to configure it for one scenario (audience, ACS URL, issuer,
 * the pinned certificate, clock tolerance, InResponseTo off or given), and how to read the identity
 * out of its result, so that the runner can prove it accepted the response for real.
 *
 * `setup(scenario)` resolves to `verify(samlResponseBase64)`, which resolves to
 * `{ nameId, groups }` (or rejects). Configuration happens once, outside the timed loop, as an
 * application would do it at start-up.
 */
import { createPublicKey, verify as cryptoVerify, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ACS_URL, IDP_CERT, IDP_CERT_BASE64, REQUEST_ID, SCENARIOS, SP_ENTITY_ID } from './responses.mjs';

const require = createRequire(import.meta.url);
/** samlkit as built by `npm run build`; SAMLKIT_DIST=<dir> measures another build (before/after). */
export const SAMLKIT = process.env.SAMLKIT_DIST
  ? pathToFileURL(resolve(process.env.SAMLKIT_DIST, 'index.js')).href
  : new URL('../dist/index.js', import.meta.url).href;
const keyFile = (name) => readFileSync(new URL(`../test/helpers/keys/${name}`, import.meta.url), 'utf8');
const decode = (base64) => Buffer.from(base64, 'base64').toString('utf8');
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
/** Clock tolerance given to everyone that has the option: samlkit's default, 2 minutes. */
const SKEW_MS = 120_000;

/** The installed version of a package (the bench's own node_modules, or samlkit's package.json). */
export function versionOf(name) {
  if (name === 'samlkit')
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url))).version;
  const main = require.resolve(name);
  for (let dir = main; ;) {
    const parent = dir.slice(0, dir.lastIndexOf('/'));
    if (parent === dir || parent === '') throw new Error(`no package.json for ${name}`);
    dir = parent;
    try {
      const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch {
      // not a package root: keep climbing
    }
  }
}

const asArray = (value) =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

export const CONTENDERS = {
  samlkit: {
    package: 'samlkit',
    note: 'defineTenant once; inResponseTo given; every check on (no replay cache: the same response is verified again and again)',
    async setup(name) {
      const { defineTenant, skipReplayCheck, verifyResponse } = await import(SAMLKIT);
      const scenario = SCENARIOS[name];
      const tenant = defineTenant({
        id: 'acme',
        sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL },
        idp: { entityId: scenario.issuer, certificates: [IDP_CERT] },
        signing: scenario.signing,
        emailDomains: ['acme-corp.com'],
        attributeNames: { groups: scenario.groupsAttribute },
      });
      const checks = { inResponseTo: REQUEST_ID, replayCache: skipReplayCheck };
      return async (base64) => {
        const profile = await verifyResponse(tenant, { SAMLResponse: base64 }, checks);
        return { nameId: profile.nameId, groups: profile.groups };
      };
    },
  },

  '@node-saml/node-saml': {
    package: '@node-saml/node-saml',
    note: 'audience, idpIssuer, callbackUrl, acceptedClockSkewMs 120000, validateInResponseTo never; wantAuthnResponseSigned only where the Response is signed',
    async setup(name) {
      const { SAML } = require('@node-saml/node-saml');
      const scenario = SCENARIOS[name];
      const saml = new SAML({
        callbackUrl: ACS_URL,
        issuer: SP_ENTITY_ID,
        audience: SP_ENTITY_ID,
        idpIssuer: scenario.issuer,
        idpCert: IDP_CERT,
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: scenario.signing === 'both',
        acceptedClockSkewMs: SKEW_MS,
        validateInResponseTo: 'never',
      });
      return async (base64) => {
        const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: base64 });
        if (profile === null) throw new Error('no profile');
        return { nameId: profile.nameID, groups: asArray(profile[scenario.groupsAttribute]) };
      };
    },
  },

  samlify: {
    package: 'samlify',
    note: 'schema validation switched off (a no-op validator: faster than any real one); clockDrifts ±120 s; wantMessageSigned only where the Response is signed',
    async setup(name) {
      const samlify = require('samlify');
      // samlify refuses to run without a schema validator; the XSD ones need Java or libxml.
      // A no-op validator makes samlify as fast as it can be, never slower.
      samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });
      const scenario = SCENARIOS[name];
      const sp = samlify.ServiceProvider({
        entityID: SP_ENTITY_ID,
        assertionConsumerService: [{ Binding: POST, Location: ACS_URL }],
        wantAssertionsSigned: true,
        wantMessageSigned: scenario.signing === 'both',
        clockDrifts: [-SKEW_MS, SKEW_MS],
      });
      const idp = samlify.IdentityProvider({
        entityID: scenario.issuer,
        signingCert: IDP_CERT,
        singleSignOnService: [{ Binding: POST, Location: 'https://idp.example.com/sso' }],
        singleLogoutService: [{ Binding: POST, Location: 'https://idp.example.com/slo' }],
        isAssertionEncrypted: false,
        wantAuthnRequestsSigned: false,
      });
      return async (base64) => {
        const { extract } = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: base64 } });
        const nameId = typeof extract.nameID === 'string' ? extract.nameID : extract.nameID?._;
        return { nameId, groups: asArray(extract.attributes?.[scenario.groupsAttribute]) };
      };
    },
  },

  'saml2-js': {
    package: 'saml2-js',
    note: 'audience, notbefore_skew 120 s, allow_unencrypted_assertion',
    async setup(name) {
      const saml2 = require('saml2-js');
      const scenario = SCENARIOS[name];
      const sp = new saml2.ServiceProvider({
        entity_id: SP_ENTITY_ID,
        // The SP's own key (decryption only; never used here).
        private_key: keyFile('rollover.key'),
        certificate: keyFile('rollover.crt'),
        assert_endpoint: ACS_URL,
        audience: SP_ENTITY_ID,
        notbefore_skew: SKEW_MS / 1000,
        allow_unencrypted_assertion: true,
      });
      const idp = new saml2.IdentityProvider({
        sso_login_url: 'https://idp.example.com/sso',
        sso_logout_url: 'https://idp.example.com/slo',
        certificates: [IDP_CERT],
      });
      const options = {
        allow_unencrypted_assertion: true,
        audience: SP_ENTITY_ID,
        notbefore_skew: SKEW_MS / 1000,
      };
      return (base64) =>
        new Promise((resolve, reject) => {
          sp.post_assert(idp, { ...options, request_body: { SAMLResponse: base64 } }, (error, response) => {
            if (error) reject(error);
            else
              resolve({
                nameId: response.user.name_id,
                groups: asArray(response.user.attributes?.[scenario.groupsAttribute]),
              });
          });
        });
    },
  },

  '@boxyhq/saml20': {
    package: '@boxyhq/saml20',
    note: 'publicKey, audience (strict), inResponseTo given; takes XML, so the base64 decode is timed with it; 10 min fixed clock skew',
    async setup(name) {
      const saml = require('@boxyhq/saml20').default;
      const scenario = SCENARIOS[name];
      const options = {
        publicKey: IDP_CERT_BASE64,
        audience: SP_ENTITY_ID,
        strictAudienceValidation: true,
        inResponseTo: REQUEST_ID,
      };
      return async (base64) => {
        const profile = await saml.validate(decode(base64), options);
        return {
          nameId: profile.claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier'],
          groups: asArray(profile.claims[scenario.groupsAttribute]),
        };
      };
    },
  },

  floor: {
    package: '@xmldom/xmldom + xml-crypto',
    note: 'the bare work of one correct verification and nothing else: base64 decode, parse (xmldom, no locator), exc-c14n of the signed element without its signature, SHA-256, compare, exc-c14n of SignedInfo, one RSA-2048 verify with a KeyObject parsed beforehand; per signature',
    async setup(name) {
      const { DOMParser } = await import('@xmldom/xmldom');
      const { ExclusiveCanonicalization } = await import('xml-crypto');
      const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
      const key = createPublicKey(IDP_CERT);
      // xmldom's defaults, less the line/column bookkeeping (samlkit turns it off too).
      const parser = new DOMParser({ locator: false });
      const signedElements = SCENARIOS[name].signing === 'both' ? ['Response', 'Assertion'] : ['Assertion'];
      const childSignature = (element) => {
        for (let child = element.firstChild; child !== null; child = child.nextSibling) {
          if (child.nodeType === 1 && child.localName === 'Signature') return child;
        }
        throw new Error('no signature');
      };
      const text = (element, localName) => element.getElementsByTagNameNS(DSIG, localName)[0].textContent;
      return async (base64) => {
        const doc = parser.parseFromString(decode(base64), 'application/xml');
        const response = doc.documentElement;
        let assertion = response.firstChild;
        while (assertion.localName !== 'Assertion') assertion = assertion.nextSibling;
        // The Response first: its digest covers the assertion's signature.
        for (const element of signedElements.map((which) => (which === 'Response' ? response : assertion))) {
          const signature = childSignature(element);
          const signedInfo = signature.firstChild;
          const prefixes = signature.getElementsByTagNameNS(
            'http://www.w3.org/2001/10/xml-exc-c14n#',
            'InclusiveNamespaces',
          )[0];
          element.removeChild(signature);
          const canonical = new ExclusiveCanonicalization().process(element, {
            inclusiveNamespacesPrefixList: prefixes ? prefixes.getAttribute('PrefixList').split(' ') : [],
          });
          const digest = createHash('sha256').update(canonical).digest('base64');
          if (digest !== text(signedInfo, 'DigestValue')) throw new Error('floor: digest mismatch');
          const signedBytes = Buffer.from(new ExclusiveCanonicalization().process(signedInfo, {}), 'utf8');
          const value = Buffer.from(text(signature, 'SignatureValue'), 'base64');
          if (!cryptoVerify('sha256', signedBytes, key, value)) throw new Error('floor: bad signature');
        }
        return { nameId: undefined, groups: undefined };
      };
    },
  },
};
