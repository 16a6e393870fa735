/**
 * Every failure samlkit reports for input that came from the network is a {@link SamlError} with a
 * stable {@link SamlErrorCode}. Codes are never renamed; new ones may be added.
 *
 * @module
 */
import { loggable } from './internal/text.js';

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
  /** The Response's or the assertion's Issuer is not the tenant's IdP entity ID. */
  | 'ISSUER_MISMATCH'
  /** The Response's Destination is not this tenant's ACS URL, or is absent on a signed Response. */
  | 'DESTINATION_MISMATCH'
  /** The bearer SubjectConfirmationData's Recipient is not this tenant's ACS URL. */
  | 'RECIPIENT_MISMATCH'
  /** No Audience of the assertion's AudienceRestriction is the tenant's SP entity ID. */
  | 'AUDIENCE_MISMATCH'
  /** No bearer SubjectConfirmation satisfies the Web Browser SSO profile. */
  | 'SUBJECT_CONFIRMATION_INVALID'
  /** The Conditions element is absent, repeated, or holds a condition samlkit does not understand. */
  | 'CONDITIONS_INVALID'
  /** The assertion has no AuthnStatement, so it does not say the user authenticated. */
  | 'AUTHN_STATEMENT_MISSING'
  /** A NotBefore (Conditions or SubjectConfirmationData) is still in the future, beyond the clock skew. */
  | 'NOT_YET_VALID'
  /** A NotOnOrAfter (Conditions, SubjectConfirmationData or SessionNotOnOrAfter) has passed, beyond the clock skew. */
  | 'EXPIRED'
  /** The response answers another request than the pending one, or a request when none is pending. */
  | 'IN_RESPONSE_TO_MISMATCH'
  /** An IdP-initiated response (no InResponseTo) for a tenant that does not allow them. */
  | 'UNSOLICITED_RESPONSE'
  /** The assertion was already accepted once (replay cache). */
  | 'REPLAY'
  /** The assertion has no Subject, or not exactly one non-empty NameID. */
  | 'NAMEID_MISSING'
  /** The email source (the NameID, or the named attribute) does not hold one email address. */
  | 'NAMEID_NOT_EMAIL'
  /** The user's email domain is not one of the tenant's `emailDomains`. */
  | 'EMAIL_DOMAIN_NOT_ALLOWED'
  /**
   * Something is encrypted that samlkit does not decrypt: an `EncryptedID` instead of the NameID.
   * (Encrypted assertions are decrypted; an undecryptable one is `DECRYPTION_FAILED`.)
   */
  | 'ENCRYPTED_ASSERTION_UNSUPPORTED'
  /**
   * An encrypted assertion does not decrypt: no or another decryption key, a broken structure, a
   * wrong tag or padding. One code and one message whatever went wrong, so that it is no oracle.
   */
  | 'DECRYPTION_FAILED'
  /** The tenant requires encrypted assertions (`requireEncryptedAssertion`) and got a plain one. */
  | 'ENCRYPTION_REQUIRED'
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
  | 'RELAY_STATE_MISMATCH'
  /** The address typed at login is not an email address samlkit can bring into its normal form. */
  | 'EMAIL_INVALID'
  /** The tenant's stored configuration no longer validates, or lacks what this step needs. */
  | 'TENANT_CONFIG_INVALID'
  /** The login was finished by another browser than the one that started it (login CSRF), or without its cookie. */
  | 'BROWSER_MISMATCH'
  /** The assertion could be accepted for longer than the tenant's ceiling (`maxAssertionLifetimeSeconds`). */
  | 'ASSERTION_LIFETIME_TOO_LONG'
  /** Single Logout is not set up for the tenant (no `sp.sloUrl`, `sp.signing` or IdP SLO endpoint). */
  | 'LOGOUT_NOT_CONFIGURED'
  /** `startLogout` found no SAML session recorded for the app session (`recordSession`). */
  | 'LOGOUT_SESSION_NOT_FOUND'
  /** The domain's TXT verification record is missing or holds another token; the hint shows the record to add. */
  | 'DOMAIN_VERIFICATION_FAILED'
  /** The DNS lookup of a domain's verification record failed (timeout, SERVFAIL, refused): nothing was decided. */
  | 'DOMAIN_LOOKUP_FAILED'
  /** The tenant does not claim this email domain (it is not in its `emailDomains`). */
  | 'DOMAIN_NOT_CLAIMED'
  /** A public mailbox domain (gmail.com, outlook.com, …) cannot be claimed or verified by any tenant. */
  | 'PUBLIC_EMAIL_DOMAIN'
  /** A SCIM request (RFC 7644) the directory refuses: bad JSON, filter, path or value; its `scimType` says which. */
  | 'SCIM_REQUEST_INVALID'
  /** A SCIM request without the tenant's current bearer token (RFC 7644 §2). */
  | 'SCIM_UNAUTHORIZED'
  /** The SCIM resource (user or group) does not exist in this tenant's directory. */
  | 'SCIM_NOT_FOUND'
  /** A directory write lost: `userName`/`externalId` taken in the tenant, or a concurrent change (ETag). */
  | 'DIRECTORY_CONFLICT'
  /** The tenant's directory (SCIM) deactivated or removed this user, so the SSO login is refused. */
  | 'USER_DEACTIVATED'
  /** The user did not authenticate the way the tenant requires (`authnContext`: MFA, or given classes), or the IdP did not say how. */
  | 'AUTHN_CONTEXT_NOT_MET'
  /** The user authenticated at the IdP longer ago than allowed (`maxAuthnAgeSeconds`, step-up), or the IdP did not say when. */
  | 'AUTHN_TOO_OLD'
  /** The app's provisioning hook refused the user (no account may be created, updated or linked). */
  | 'PROVISIONING_REFUSED'
  /** A setup step refused: promote without a passed test of the current draft, restore with nothing to restore. */
  | 'SETUP_STEP_REFUSED'
  /** A test-connection response that belongs to no test this browser started for this tenant's current draft. */
  | 'SETUP_TEST_INVALID'
  /** Require SSO refused: no verified domain, no break-glass address, or no successful SSO login by an admin. */
  | 'SETUP_LOCKOUT_GUARD'
  /** A setup link that is not one of ours, or is for another tenant. */
  | 'SETUP_LINK_INVALID'
  /** A setup link past its expiry. */
  | 'SETUP_LINK_EXPIRED'
  /** A setup link that was already used (they are single-use). */
  | 'SETUP_LINK_USED';

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
  /** The tenant the message was checked for. */
  readonly tenantId?: string;
  /** The underlying error, e.g. the store driver's; becomes the error's `cause`. */
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
  /** Always `'SamlError'`. */
  override readonly name = 'SamlError';
  /** Which check failed; stable, never renamed. See `docs/errors.md`. */
  readonly code: SamlErrorCode;
  /** What an admin can change to fix this, written for the person configuring the IdP. */
  readonly hint: string;
  /** The value samlkit expected (a URL, an entity ID, fingerprints), when that helps. */
  readonly expected?: string | readonly string[];
  /** The value the message carried. Not enumerable when it is personal data (a NameID, an email). */
  declare readonly received?: string;
  /** The tenant the message was checked for. */
  readonly tenantId?: string;

  constructor(code: SamlErrorCode, message: string, details: SamlErrorDetails) {
    super(loggable(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = loggable(details.hint);
    if (details.expected !== undefined) {
      this.expected =
        typeof details.expected === 'string'
          ? loggable(details.expected)
          : Object.freeze(details.expected.map(loggable));
    }
    if (details.received !== undefined) {
      Object.defineProperty(this, 'received', {
        value: loggable(details.received),
        enumerable: details.receivedIsPersonal !== true,
        writable: false,
      });
    }
    if (details.tenantId !== undefined) this.tenantId = details.tenantId;
  }
}

/** What a message or a field of an error may hold: a line of log text, not a terminal or a second line. */
