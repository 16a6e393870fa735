/**
 * The checks of `verifyResponse`, in the order it runs them. `explainResponse` passes a recorder
 * through the same code to report each one; `verifyResponse` passes nothing and pays nothing.
 */
export const CHECKS = [
  ['decode', 'SAMLResponse field decodes (base64, UTF-8, size)'],
  ['parse', 'Well-formed XML, no DOCTYPE, within limits, unique IDs'],
  ['envelope', 'A SAML 2.0 samlp:Response'],
  ['status', 'Status is Success'],
  ['assertion', 'Exactly one assertion, directly in the Response (encrypted if the tenant requires it)'],
  ['signature-placement', 'Signatures only on the Response and the assertion'],
  ['response-issuer', 'Response Issuer is the tenant’s IdP'],
  ['signature-policy', 'The signatures the tenant requires are present'],
  ['response-signature', 'Response signature (shape, algorithms, pinned key, digest)'],
  [
    'decryption',
    'Encrypted assertion decrypts with this tenant’s key (RSA-OAEP; AES-GCM, or AES-CBC if allowed)',
  ],
  ['assertion-signature', 'Assertion signature (shape, algorithms, pinned key, digest)'],
  ['destination', 'Destination is this ACS URL'],
  ['assertion-issuer', 'Assertion Issuer is the tenant’s IdP'],
  ['in-response-to', 'Answers the pending request (or IdP-initiated is allowed)'],
  ['subject', 'One Subject with one NameID'],
  ['subject-confirmation', 'Bearer confirmation: Recipient, NotOnOrAfter, InResponseTo'],
  ['validity', 'Within NotBefore / NotOnOrAfter (with clock skew)'],
  ['audience', 'Audience is this SP'],
  ['authn-statement', 'Says how the user authenticated'],
  ['email', 'The user’s email address'],
  ['email-domain', 'Email domain is one of the tenant’s'],
  ['authn-context', 'Authenticated as the tenant requires (MFA, classes), recently enough for a step-up'],
  ['replay', 'First use of this assertion'],
] as const;

/**
 * The name of one check of `verifyResponse`, as `CheckResult.name` reports it; the checks run in
 * the order of this list.
 *
 * @useDeclaredType
 */
export type CheckName = (typeof CHECKS)[number][0];

/** What a check saw, for the report. */
export interface CheckDetail {
  readonly expected?: string | readonly string[];
  readonly received?: string;
  /** `received` identifies a person (a NameID, an email): redacted unless asked for. */
  readonly personal?: boolean;
  readonly note?: string;
  /** The check did not apply (e.g. no Response signature). */
  readonly skipped?: boolean;
}

/** Receives the progress of a verification. */
export interface Trace {
  /** A check starts; the one before it passed. */
  check(name: CheckName): void;
  /** Details of the current check. */
  detail(detail: CheckDetail): void;
}

/** The trace of `verifyResponse`: nothing recorded. */
export const NO_TRACE: Trace = Object.freeze({
  check: () => undefined,
  detail: () => undefined,
});
