/**
 * What IdPs say about how a user authenticated: the class references and method values that mean
 * multi-factor, and the shape of each product's knowledge (its `authnContext`, in
 * `src/idp/<product>.ts`: the claim that lists the methods, whether it acts on a
 * `RequestedAuthnContext`, and the console wording for the hint of `AUTHN_CONTEXT_NOT_MET`).
 * Sources: each vendor's SAML documentation (docs/policies.md lists them).
 *
 * @module
 */

/** The Microsoft value for "more than one factor", as a class reference and as a method. */
export const MS_MULTIPLE_AUTHN = 'http://schemas.microsoft.com/claims/multipleauthn';
/** The claim Entra ID and AD FS list the authentication methods in. */
export const MS_AUTHN_METHODS_CLAIM = 'http://schemas.microsoft.com/claims/authnmethodsreferences';
/** The REFEDS MFA profile, a class reference many IdPs (Shibboleth, PingFederate, SimpleSAMLphp) use. */
export const REFEDS_MFA = 'https://refeds.org/profile/mfa';
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';

/**
 * `AuthnContextClassRef` values that mean more than one factor: REFEDS MFA, Microsoft's
 * multipleauthn, and the SAML classes whose definition (SAML authn context §3.4) requires two
 * factors: a token plus a PIN or a password.
 */
export const MFA_CLASS_REFS: readonly string[] = Object.freeze([
  REFEDS_MFA,
  MS_MULTIPLE_AUTHN,
  `${AC}MobileTwoFactorContract`,
  `${AC}MobileTwoFactorUnregistered`,
  `${AC}TimeSyncToken`,
  `${AC}SmartcardPKI`,
]);

/** Values of a method claim that mean more than one factor (Microsoft's, and RFC 8176 `mfa`). */
export const MFA_METHODS: readonly string[] = Object.freeze([MS_MULTIPLE_AUTHN, 'mfa']);

/** One product's authentication-context knowledge. */
export interface AuthnContextKnowledge {
  /** The attribute that lists the methods used, when the product sends one. */
  readonly methodsClaim?: string;
  /** The class to ask for with `{ require: 'mfa' }`, when the IdP acts on a RequestedAuthnContext. */
  readonly requestMfaClass?: string;
  /** What the admin changes in this product so that logins meet an MFA requirement. */
  readonly mfaHint: string;
}
