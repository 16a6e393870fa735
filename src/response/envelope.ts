import type { Element } from '@xmldom/xmldom';
import { signatureOf, verifyEnvelopedSignature, type VerifiedSignature } from '../crypto/signature.js';
import { fail } from '../internal/fail.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import { attributeOf, childrenNamed, descendantsNamed, textOf } from '../xml/dom.js';
import { NAMEID_FORMAT, NS } from '../xml/namespaces.js';
import type { ParsedXml } from '../xml/parse.js';
import { asDecryptionFailure, failuresAreSafe, openDecrypted, readEncrypted } from './encrypted.js';
import { NO_TRACE, type CheckDetail, type Trace } from './trace.js';

declare const verified: unique symbol;

/**
 * An assertion element covered by a verified signature. Only {@link openResponse} makes one, so
 * the extractors that take it can only ever read signed content (docs/security.md rule 5).
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
 *
 * An encrypted assertion (SAML core §2.3.4, §6) is decrypted between the two signatures: the
 * Response signature is verified first, over the encrypted form; the decrypted assertion is a
 * document of its own (`parseXml`), whose signature is verified there. "Covered" then means: by
 * the assertion's own signature, or by a verified Response signature, which fixes the ciphertext,
 * the algorithms and the wrapped key, so that decrypting with our own key can yield only what the
 * IdP encrypted (AES-GCM and AES-CBC alike). AES-CBC that no verified signature covers is
 * malleable: until the assertion's own signature holds, every failure is the one
 * `DECRYPTION_FAILED` (see `response/encrypted.ts`).
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
  const found = theAssertion(response, tenant);
  const encrypted = found.localName === 'EncryptedAssertion';
  trace.detail({ note: encrypted ? 'EncryptedAssertion' : 'Assertion, not encrypted' });
  trace.check('signature-placement');
  // An EncryptedAssertion carries no signature of its own: its signature is inside, encrypted.
  checkSignaturePlacement(response, encrypted ? response : found, tenantId);
  trace.check('response-issuer');
  checkIssuer(response, tenant, false, trace);

  trace.check('signature-policy');
  const responseSignature = signatureOf(response, tenantId);
  const plainSignature = encrypted ? undefined : signatureOf(found, tenantId);
  // The signature of an encrypted assertion is read after decryption; its part of the policy then.
  requireSignatures(tenant, responseSignature !== undefined, encrypted || plainSignature !== undefined);
  trace.detail({
    expected: tenant.signing,
    received: encrypted
      ? `${responseSignature ? 'response' : 'response unsigned'}; the assertion is encrypted (its own signature is checked after decryption)`
      : signedParts(responseSignature, plainSignature),
  });

  // The Response first: its canonical form includes the assertion, untouched (still encrypted).
  const policy = { keys: tenant.keys, allowSha1: tenant.allowSha1, tenantId };
  const pinned = tenant.keys.map((key) => key.fingerprint);
  trace.check('response-signature');
  const verifiedResponse =
    responseSignature && verifyEnvelopedSignature(response, responseSignature, parsed.ids, policy);
  trace.detail(describeSignature(verifiedResponse, pinned));

  trace.check('decryption');
  /** The assertion's own signature; for an encrypted one, also its part of the signing policy. */
  const checkAssertionSignature = (
    element: Element,
    ids: ReadonlyMap<string, Element>,
  ): VerifiedSignature | undefined => {
    const signature = encrypted ? signatureOf(element, tenantId) : plainSignature;
    if (encrypted) requireSignatures(tenant, verifiedResponse !== undefined, signature !== undefined);
    return signature && verifyEnvelopedSignature(element, signature, ids, policy);
  };
  let opened: OpenedAssertion | undefined;
  if (!encrypted) trace.detail({ skipped: true, note: 'the assertion is not encrypted' });
  else {
    opened = decryptAssertion(found, parsed.ids, tenant, {
      responseVerified: verifiedResponse !== undefined,
      checkAssertionSignature,
      trace,
    });
  }
  const assertion = opened?.element ?? found;
  trace.check('assertion-signature');
  const verifiedAssertion =
    opened?.signatureChecked === true
      ? opened.signature
      : checkAssertionSignature(assertion, opened?.ids ?? parsed.ids);
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

/** A decrypted assertion: a document of its own, with its IDs and, when checked within decryption, its signature. */
interface OpenedAssertion {
  readonly element: Element;
  readonly ids: ReadonlyMap<string, Element>;
  /** The signature was checked inside the decryption step (malleable ciphertext); `signature` is its result. */
  readonly signatureChecked: boolean;
  readonly signature?: VerifiedSignature;
}

/**
 * Decrypts an EncryptedAssertion (SAML core §2.3.4, §6.1) with the tenant's keys and parses it as a
 * document of its own. When no verified signature covers malleable ciphertext (AES-CBC without a
 * verified Response signature), every failure stays one `DECRYPTION_FAILED` until the assertion's
 * own signature holds, so that signature is checked here, inside the guard.
 */
function decryptAssertion(
  encryptedAssertion: Element,
  documentIds: ReadonlyMap<string, Element>,
  tenant: ResolvedTenant,
  context: {
    readonly responseVerified: boolean;
    readonly checkAssertionSignature: (
      element: Element,
      ids: ReadonlyMap<string, Element>,
    ) => VerifiedSignature | undefined;
    readonly trace: Trace;
  },
): OpenedAssertion {
  const parts = readEncrypted(encryptedAssertion, tenant);
  const safe = failuresAreSafe(parts, context.responseVerified);
  const guarded = <T>(step: () => T): T => (safe ? step() : asDecryptionFailure(tenant, step));
  const opened = guarded(() => openDecrypted(parts, documentIds, tenant));
  const signature = safe
    ? undefined
    : guarded(() => context.checkAssertionSignature(opened.element, opened.ids));
  context.trace.detail({
    expected: tenant.decryptionKeys.map((key) => key.fingerprint),
    received: opened.key.fingerprint,
    note: `${parts.summary}, decrypted with the key ${opened.key.fingerprint}${safe ? '' : '; AES-CBC without a verified Response signature, so the assertion signature was checked within this step'}`,
  });
  return {
    element: opened.element,
    ids: opened.ids,
    signatureChecked: !safe,
    ...(signature !== undefined && { signature }),
  };
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

/**
 * Exactly one assertion, plain or encrypted, as a direct child of the Response, and none anywhere
 * else (docs/security.md rule 6); encrypted when the tenant requires it.
 */
function theAssertion(response: Element, tenant: ResolvedTenant): Element {
  const tenantId = tenant.config.id;
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
  if (only.localName === 'Assertion' && tenant.requireEncryptedAssertion) {
    fail('ENCRYPTION_REQUIRED', 'The assertion arrived unencrypted, and this tenant requires encryption', {
      hint: 'Turn on assertion encryption for this application in the IdP, with the encryption certificate from the SP metadata (Okta: Assertion Encryption = Encrypted; Entra ID: Token encryption; ADFS: relying party Encryption tab), or unset requireEncryptedAssertion on the tenant.',
      tenantId,
    });
  }
  return only;
}

/** A ds:Signature anywhere but directly in the Response or the (plain) assertion is never ours to accept. */
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
