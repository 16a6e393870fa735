/**
 * Every failure samlkit reports for input that came from the network is a {@link SamlError} with a
 * stable {@link SamlErrorCode}. Codes are never renamed; new ones may be added.
 *
 * @module
 */

/**
 * The closed set of failure codes. See `docs/errors.md` for the table of codes, what each means and
 * what an admin usually has to change.
 */
export type SamlErrorCode =
  /** The SAMLResponse field is missing, not a string, or not valid base64 / UTF-8. */
  | 'INVALID_ENCODING'
  /** The document is not well-formed XML, or not a SAML 2.0 Response of the expected shape. */
  | 'MALFORMED_XML'
  /** The document contains a DOCTYPE (entity expansion and XXE are refused outright). */
  | 'DTD_FORBIDDEN'
  /** The message, or its tree (depth, node or attribute count), is larger than allowed. */
  | 'SIZE_LIMIT'
  /** The IdP answered with a status other than Success. */
  | 'STATUS_NOT_SUCCESS'
  /** A signature the tenant's signing policy requires is absent. */
  | 'SIGNATURE_MISSING'
  /** A signature is present but the digest or the signature value does not verify. */
  | 'SIGNATURE_INVALID'
  /** A signature's shape is outside the strict profile (references, transforms, placement). */
  | 'SIGNATURE_STRUCTURE'
  /** The message is signed, but by a key the tenant does not trust. */
  | 'KEY_UNTRUSTED'
  /** A signature or digest algorithm outside the allow-list. */
  | 'ALGORITHM_FORBIDDEN'
  /** More than one assertion, or an assertion outside its only allowed place. */
  | 'MULTIPLE_ASSERTIONS'
  /** The Response carries no assertion. */
  | 'ASSERTION_MISSING'
  /** An ID value is malformed or used by more than one element. */
  | 'DUPLICATE_ID'
  | 'ISSUER_MISMATCH'
  | 'DESTINATION_MISMATCH'
  | 'RECIPIENT_MISMATCH'
  | 'AUDIENCE_MISMATCH'
  /** No bearer SubjectConfirmation satisfies the Web Browser SSO profile. */
  | 'SUBJECT_CONFIRMATION_INVALID'
  /** The Conditions element is absent, repeated, or holds a condition samlkit does not understand. */
  | 'CONDITIONS_INVALID'
  /** The assertion has no AuthnStatement, so it does not say the user authenticated. */
  | 'AUTHN_STATEMENT_MISSING'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'IN_RESPONSE_TO_MISMATCH'
  | 'UNSOLICITED_RESPONSE'
  | 'REPLAY'
  | 'NAMEID_MISSING'
  | 'NAMEID_NOT_EMAIL'
  | 'EMAIL_DOMAIN_NOT_ALLOWED'
  | 'ENCRYPTED_ASSERTION_UNSUPPORTED'
  /** A store (replay cache, request state) failed; the login fails closed. */
  | 'STORE_UNAVAILABLE'
  /** IdP metadata is not usable: no IdP entity, no signing certificate, expired, ambiguous. */
  | 'METADATA_INVALID'
  /** IdP metadata could not be fetched: refused URL or address, HTTP error, timeout. */
  | 'METADATA_FETCH_FAILED'
  /** No tenant matches the login (unknown ID, email domain, or issuer). */
  | 'TENANT_NOT_FOUND'
  /** Several tenants match an unsolicited response's issuer; samlkit will not guess. */
  | 'TENANT_AMBIGUOUS'
  /** SAML login is switched off for the tenant. */
  | 'SAML_DISABLED'
  /** Another tenant already claims one of the email domains. */
  | 'DOMAIN_ALREADY_CLAIMED'
  /** The RelayState the IdP returned is not the one sent with the request. */
  | 'RELAY_STATE_MISMATCH';

/** Structured details of a {@link SamlError}. */
export interface SamlErrorDetails {
  /** What an admin can change to fix this, written for the person configuring the IdP. */
  readonly hint: string;
  /** The value samlkit expected (a URL, an entity ID, a fingerprint, …). */
  readonly expected?: string | readonly string[];
  /** The value the message carried. Kept out of enumeration when it is personal data. */
  readonly received?: string;
  /** Set for values that identify a person (NameID, email): they stay out of `JSON.stringify`. */
  readonly receivedIsPersonal?: boolean;
  readonly tenantId?: string;
  readonly cause?: unknown;
}

/**
 * The one error type samlkit throws for bad input from the network.
 *
 * The `message` names the failed check for logs; show users a generic message instead. Personal
 * data (a NameID, an email address) is attached non-enumerably so that logging the error as JSON
 * does not leak it.
 *
 * @example
 * ```ts
 * try {
 *   await verifyResponse(tenant, req.body, { inResponseTo });
 * } catch (err) {
 *   if (err instanceof SamlError) log.warn({ code: err.code, hint: err.hint, tenant: err.tenantId });
 *   throw err;
 * }
 * ```
 */
export class SamlError extends Error {
  override readonly name = 'SamlError';
  readonly code: SamlErrorCode;
  readonly hint: string;
  readonly expected?: string | readonly string[];
  declare readonly received?: string;
  readonly tenantId?: string;

  constructor(code: SamlErrorCode, message: string, details: SamlErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = details.hint;
    if (details.expected !== undefined) this.expected = details.expected;
    if (details.received !== undefined) {
      Object.defineProperty(this, 'received', {
        value: details.received,
        enumerable: details.receivedIsPersonal !== true,
        writable: false,
      });
    }
    if (details.tenantId !== undefined) this.tenantId = details.tenantId;
  }
}
