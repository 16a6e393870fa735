import type { Element } from '@xmldom/xmldom';
import { signatureOf, verifyEnvelopedSignature, type VerifiedSignature } from '../crypto/signature.js';
import { fail } from '../internal/fail.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import { attributeOf, childrenNamed, descendantsNamed, textOf } from '../xml/dom.js';
import { NAMEID_FORMAT, NS } from '../xml/namespaces.js';
import type { ParsedXml } from '../xml/parse.js';
import { NO_TRACE, type CheckDetail, type Trace } from './trace.js';

declare const verified: unique symbol;

/**
 * An assertion element covered by a verified signature. Only {@link openResponse} makes one, so
 * the extractors that take it can only ever read signed content (SECURITY rule 5).
 */
export interface VerifiedAssertion {
  readonly element: Element;
  readonly responseSignature?: VerifiedSignature;
  readonly assertionSignature?: VerifiedSignature;
  /** The Response's InResponseTo attribute (compared; trusted only as a second check). */
  readonly responseInResponseTo?: string;
  readonly [verified]: true;
}

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

const malformedHint =
  'The message is not a SAML 2.0 Response. Check that the IdP is configured for SAML 2.0 (not WS-Federation or SAML 1.1) and posts to this ACS URL.';

/**
 * Checks the Response envelope (SAML core §3.2.2, profiles §4.1.4.2) and its signatures, and returns
 * the one assertion, proven to be covered by a valid signature as the tenant's policy requires.
 */
export function openResponse(
  parsed: ParsedXml,
  tenant: ResolvedTenant,
  trace: Trace = NO_TRACE,
): VerifiedAssertion {
  const tenantId = tenant.config.id;
  const response = parsed.root;
  trace.check('envelope');
  if (response.namespaceURI !== NS.protocol || response.localName !== 'Response') {
    fail(
      'MALFORMED_XML',
      `Expected a samlp:Response, got ${response.localName ?? 'an element'} in ${response.namespaceURI ?? 'no namespace'}`,
      {
        hint: malformedHint,
        tenantId,
      },
    );
  }
  requireVersion(response, tenantId);
  trace.check('status');
  checkStatus(response, tenantId);
  trace.check('assertion');
  const assertion = theAssertion(response, tenantId);
  trace.check('signature-placement');
  checkSignaturePlacement(response, assertion, tenantId);
  trace.check('response-issuer');
  checkIssuer(response, tenant, false, trace);

  trace.check('signature-policy');
  const responseSignature = signatureOf(response, tenantId);
  const assertionSignature = signatureOf(assertion, tenantId);
  requireSignatures(tenant, responseSignature !== undefined, assertionSignature !== undefined);
  trace.detail({ expected: tenant.signing, received: signedParts(responseSignature, assertionSignature) });

  // The Response first: its canonical form includes the assertion, untouched.
  const policy = { keys: tenant.keys, allowSha1: tenant.allowSha1, tenantId };
  const pinned = tenant.keys.map((key) => key.fingerprint);
  trace.check('response-signature');
  const verifiedResponse =
    responseSignature && verifyEnvelopedSignature(response, responseSignature, parsed.ids, policy);
  trace.detail(describeSignature(verifiedResponse, pinned));
  trace.check('assertion-signature');
  const verifiedAssertion =
    assertionSignature && verifyEnvelopedSignature(assertion, assertionSignature, parsed.ids, policy);
  trace.detail(describeSignature(verifiedAssertion, pinned));

  trace.check('destination');
  checkDestination(response, tenant, verifiedResponse !== undefined);
  trace.detail({
    expected: tenant.config.sp.acsUrl,
    received: attributeOf(response, 'Destination') ?? '(none)',
  });
  const inResponseTo = attributeOf(response, 'InResponseTo');
  return {
    element: assertion,
    ...(verifiedResponse && { responseSignature: verifiedResponse }),
    ...(verifiedAssertion && { assertionSignature: verifiedAssertion }),
    ...(inResponseTo !== undefined && { responseInResponseTo: inResponseTo }),
  } as VerifiedAssertion;
}

export function requireVersion(element: Element, tenantId: string): void {
  const version = attributeOf(element, 'Version');
  if (version !== '2.0') {
    fail(
      'MALFORMED_XML',
      `Unsupported SAML Version ${version ?? '(none)'} on ${element.localName ?? 'element'}`,
      {
        hint: malformedHint,
        expected: '2.0',
        ...(version !== undefined && { received: version }),
        tenantId,
      },
    );
  }
}

/** StatusCode must be Success (SAML core §3.2.2.2); otherwise report what the IdP said. */
function checkStatus(response: Element, tenantId: string): void {
  const [status, ...more] = childrenNamed(response, NS.protocol, 'Status');
  if (status === undefined || more.length > 0) {
    fail('MALFORMED_XML', 'The Response must contain exactly one Status', { hint: malformedHint, tenantId });
  }
  const [code] = childrenNamed(status, NS.protocol, 'StatusCode');
  const value = code === undefined ? undefined : attributeOf(code, 'Value');
  if (value === SUCCESS) return;
  const [subCode] = code === undefined ? [] : childrenNamed(code, NS.protocol, 'StatusCode');
  const subValue = subCode === undefined ? undefined : attributeOf(subCode, 'Value');
  const [message] = childrenNamed(status, NS.protocol, 'StatusMessage');
  const said = [value, subValue].filter((part) => part !== undefined).map((part) => part.replace(/^.*:/, ''));
  fail(
    'STATUS_NOT_SUCCESS',
    `The IdP answered ${said.join('/') || 'without a status code'}${message ? `: ${textOf(message).trim()}` : ''}`,
    {
      hint: statusHint(subValue),
      expected: SUCCESS,
      received: [value, subValue].filter((part) => part !== undefined).join(' '),
      tenantId,
    },
  );
}

function statusHint(subCode: string | undefined): string {
  switch (subCode?.replace(/^.*:/, '')) {
    case 'RequestDenied':
      return 'The IdP refused the login. Check that the user is assigned to the application in the IdP (Entra ID: Users and groups; Okta: Assignments).';
    case 'InvalidNameIDPolicy':
      return 'The IdP cannot provide the requested NameID format. Set the NameID format to EmailAddress in the IdP, or change the tenant email source.';
    case 'NoPassive':
      return 'The user has no session at the IdP and a passive login was requested. Retry without isPassive.';
    case 'AuthnFailed':
      return 'The user did not authenticate at the IdP. Ask them to try again.';
    default:
      return 'The IdP reported an error. Its logs (Entra ID: Sign-in logs; Okta: System Log) say why.';
  }
}

/** Exactly one assertion, as a direct child of the Response, and none anywhere else (SECURITY rule 6). */
function theAssertion(response: Element, tenantId: string): Element {
  const all = [
    ...descendantsNamed(response, NS.assertion, 'Assertion'),
    ...descendantsNamed(response, NS.assertion, 'EncryptedAssertion'),
  ];
  if (all.length === 0) {
    fail('ASSERTION_MISSING', 'The Response carries no assertion', {
      hint: 'The IdP answered Success without an assertion; check its configuration for this application.',
      tenantId,
    });
  }
  const [only] = all;
  if (all.length > 1 || only?.parentNode !== response) {
    fail('MULTIPLE_ASSERTIONS', 'The Response must contain exactly one assertion, directly inside it', {
      hint: 'Extra or misplaced assertions are a sign of a signature-wrapping attack; no IdP sends them.',
      tenantId,
    });
  }
  if (only.localName === 'EncryptedAssertion') {
    fail(
      'ENCRYPTED_ASSERTION_UNSUPPORTED',
      'The assertion is encrypted, which this version does not decrypt',
      {
        hint: 'Turn off assertion encryption for this application in the IdP (Okta: Assertion Encryption = Unencrypted; Entra ID: Token encryption inactive).',
        tenantId,
      },
    );
  }
  return only;
}

/** A ds:Signature anywhere but directly in the Response or the assertion is never ours to accept. */
function checkSignaturePlacement(response: Element, assertion: Element, tenantId: string): void {
  for (const signature of descendantsNamed(response, NS.dsig, 'Signature')) {
    if (signature.parentNode !== response && signature.parentNode !== assertion) {
      fail('SIGNATURE_STRUCTURE', 'A signature sits outside the Response and the assertion', {
        hint: 'Signatures on other elements are a sign of a signature-wrapping attack.',
        tenantId,
      });
    }
  }
}

/** The Issuer, when present, must be exactly the tenant's IdP entity ID (SAML profiles §4.1.4.2). */
export function checkIssuer(
  element: Element,
  tenant: ResolvedTenant,
  required: boolean,
  trace: Trace = NO_TRACE,
): void {
  const tenantId = tenant.config.id;
  const issuers = childrenNamed(element, NS.assertion, 'Issuer');
  if (issuers.length > 1 || (required && issuers.length === 0)) {
    fail('ISSUER_MISMATCH', `The ${element.localName ?? 'element'} must carry exactly one Issuer`, {
      hint: 'The IdP must name itself in the Issuer element.',
      expected: tenant.config.idp.entityId,
      tenantId,
    });
  }
  const [issuer] = issuers;
  trace.detail({
    expected: tenant.config.idp.entityId,
    received: issuer === undefined ? '(none)' : textOf(issuer).trim(),
  });
  if (issuer === undefined) return;
  const format = attributeOf(issuer, 'Format');
  const value = textOf(issuer).trim();
  if (value !== tenant.config.idp.entityId || (format !== undefined && format !== NAMEID_FORMAT.entity)) {
    fail('ISSUER_MISMATCH', 'The Issuer is not the IdP configured for this tenant', {
      hint: `Set the tenant's IdP entity ID to the IdP's Issuer (Entra ID: "Microsoft Entra Identifier"; Okta: "Identity Provider Issuer"), or check that the response was posted to the right tenant's ACS URL.`,
      expected: tenant.config.idp.entityId,
      received: value,
      tenantId,
    });
  }
}

function signedParts(response: Element | undefined, assertion: Element | undefined): string {
  return [response && 'response', assertion && 'assertion'].filter(Boolean).join(' + ') || 'nothing signed';
}

function describeSignature(signature: VerifiedSignature | undefined, pinned: readonly string[]): CheckDetail {
  if (signature === undefined) return { skipped: true, note: 'not signed' };
  return {
    expected: pinned,
    received: signature.key.fingerprint,
    note: `${signature.signatureAlgorithm.replace(/^.*#/, '')} over a ${signature.digestAlgorithm.replace(/^.*#/, '')} digest, verified with the pinned key ${signature.key.fingerprint}`,
  };
}

function requireSignatures(tenant: ResolvedTenant, responseSigned: boolean, assertionSigned: boolean): void {
  const policy = tenant.signing;
  const missing =
    (policy === 'covered' && !responseSigned && !assertionSigned) ||
    ((policy === 'response' || policy === 'both') && !responseSigned) ||
    ((policy === 'assertion' || policy === 'both') && !assertionSigned);
  if (missing) {
    fail('SIGNATURE_MISSING', `The tenant's signing policy "${policy}" requires a signature that is absent`, {
      hint: signatureHint(policy),
      expected: policy,
      received:
        [responseSigned && 'response', assertionSigned && 'assertion'].filter(Boolean).join('+') ||
        'unsigned',
      tenantId: tenant.config.id,
    });
  }
}

function signatureHint(policy: string): string {
  return `The tenant requires ${policy === 'covered' ? 'a signed assertion or a signed response' : `the ${policy} to be signed`}. In Entra ID, set SAML Signing Certificate > Signing Option (e.g. "Sign SAML assertion"); in Okta, Assertion Signature = Signed.`;
}

/**
 * Destination must equal the ACS URL when present, and is required on a signed Response
 * (SAML bindings §3.5.5.2).
 */
function checkDestination(response: Element, tenant: ResolvedTenant, signed: boolean): void {
  const destination = attributeOf(response, 'Destination');
  const acsUrl = tenant.config.sp.acsUrl;
  if (destination === acsUrl || (destination === undefined && !signed)) return;
  fail(
    'DESTINATION_MISMATCH',
    destination === undefined
      ? 'The signed Response has no Destination'
      : 'The Response was sent to another ACS URL',
    {
      hint: `Set the Reply URL / ACS URL in the IdP to exactly ${acsUrl} (Entra ID: Basic SAML Configuration > Reply URL; Okta: Single sign-on URL).`,
      expected: acsUrl,
      ...(destination !== undefined && { received: destination }),
      tenantId: tenant.config.id,
    },
  );
}
