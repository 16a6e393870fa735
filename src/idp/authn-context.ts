/**
 * What each IdP product says about how a user authenticated, and where its admin turns MFA on:
 * the class references that mean multi-factor, the claim that lists the methods, whether the IdP
 * acts on a `RequestedAuthnContext`, and the console wording for the hint of
 * `AUTHN_CONTEXT_NOT_MET`. Keyed by preset name.
 *
 * @module
 */
import type { IdpPresetName } from '../types.js';

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

/** Per preset. Sources: each vendor's SAML documentation (docs/policies.md lists them). */
export const AUTHN_CONTEXT: Readonly<Record<IdpPresetName, AuthnContextKnowledge>> = Object.freeze({
  azure: {
    methodsClaim: MS_AUTHN_METHODS_CLAIM,
    mfaHint:
      'In Entra ID, require multifactor authentication for this enterprise application with a Conditional Access policy (Grant: Require multifactor authentication). Entra ID then lists http://schemas.microsoft.com/claims/multipleauthn in the authnmethodsreferences claim.',
  },
  adfs: {
    methodsClaim: MS_AUTHN_METHODS_CLAIM,
    requestMfaClass: MS_MULTIPLE_AUTHN,
    mfaHint:
      'In AD FS, give the relying party trust an access control policy that requires MFA, and pass the Authentication Methods References claim through in its claim issuance policy (AD FS then also sets AuthnContextClassRef to http://schemas.microsoft.com/claims/multipleauthn).',
  },
  okta: {
    methodsClaim: 'amr',
    mfaHint:
      "In Okta, require MFA in the application's authentication policy, and add an attribute statement named amr with the value session.amr, so that the assertion says the user used more than one factor (mfa).",
  },
  onelogin: {
    mfaHint:
      "In OneLogin, require OTP in the app's security policy, and set the SAML AuthnContextClassRef the app sends to https://refeds.org/profile/mfa, or ask the app's developers to require the classes OneLogin sends.",
  },
  ping: {
    requestMfaClass: REFEDS_MFA,
    mfaHint:
      'In PingFederate or PingOne, map an authentication policy that requires MFA to the AuthnContextClassRef https://refeds.org/profile/mfa for this connection (PingFederate picks the policy from the RequestedAuthnContext samlkit sends).',
  },
  google: {
    mfaHint:
      'Google Workspace enforces 2-Step Verification in the Admin console (Security > Authentication), but its SAML assertion does not say which factors were used, so samlkit cannot confirm MFA: turn the MFA requirement off for this tenant and enforce 2-Step Verification in Google, or use another IdP.',
  },
  keycloak: {
    methodsClaim: 'amr',
    mfaHint:
      "In Keycloak, require OTP or WebAuthn in the client's browser flow, and add a mapper that sends the authentication methods as an attribute named amr (a value of mfa), or sets the AuthnContextClassRef to https://refeds.org/profile/mfa.",
  },
  generic: {
    mfaHint:
      'Require multi-factor authentication for this application in the IdP, and have it send AuthnContextClassRef https://refeds.org/profile/mfa (or another MFA class: MobileTwoFactorContract, TimeSyncToken, SmartcardPKI).',
  },
});
