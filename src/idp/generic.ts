/**
 * Other SAML 2.0 IdP: the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, type IdpProduct } from './product.js';
import type { AttributeNames } from '../types.js';

/**
 * Claim names a `generic` tenant without `attributeNames` should ask for: the verifier falls back
 * to these well-known names (see `response/profile.ts`).
 */
export const GENERIC_NAMES: AttributeNames = {
  firstName: 'firstName',
  lastName: 'lastName',
  groups: 'groups',
};

/** Other SAML 2.0 IdP. */
export const generic: IdpProduct = {
  name: 'generic',
  label: 'Other SAML 2.0 IdP',
  claims: {},
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  signs: 'both',
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    mfaHint:
      'Require multi-factor authentication for this application in the IdP, and have it send AuthnContextClassRef https://refeds.org/profile/mfa (or another MFA class: MobileTwoFactorContract, TimeSyncToken, SmartcardPKI).',
  },
  guide: {
    steps: [
      'In your identity provider, create a SAML 2.0 application (also called a service provider, relying party or SP connection).',
      'Enter the values below, or import our SP metadata if it can.',
      'Configure the NameID and the attributes below, and give the users who may sign in access.',
      'Send us the values below, or the IdP metadata (URL or XML).',
    ],
    fields: [
      { field: 'SP Entity ID (Audience)', value: entityId },
      { field: 'Assertion Consumer Service URL (HTTP-POST binding)', value: acsUrl },
    ],
    /** The app's own sign-in page, so that portals and bookmarks start the login at the app. */
    loginUrl: {
      field: 'Sign-on URL (SP-initiated start URL)',
      note: 'Where your IdP\u2019s portal or your users\u2019 bookmarks should start the login.',
    },
    signatures: [
      {
        field: 'Signing',
        values: { assertion: 'Sign the Assertion', response: 'Sign the Response', both: 'Sign both' },
      },
    ],
    algorithm: {
      field: 'Signature algorithm',
      value: 'RSA-SHA256 (http://www.w3.org/2001/04/xmldsig-more#rsa-sha256)',
    },
    requestSigning: {
      field: 'SP signing certificate',
      note: 'Trust this certificate for our AuthnRequests, which are signed (HTTP-Redirect: query-string signature; HTTP-POST: enveloped).',
    },
    nameId: {
      email: [
        { claim: 'NameID format', value: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' },
        { claim: 'NameID', value: "the user's email address" },
      ],
      other: [
        { claim: 'NameID format', value: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' },
        { claim: 'NameID', value: 'a stable, opaque user identifier' },
      ],
    },
    claims: {
      email: () => "the user's email address",
      firstName: () => 'given name',
      lastName: () => 'family name',
      groups: () => 'group names, one AttributeValue each',
    },
    fromIdp: [
      { field: 'IdP Entity ID (Issuer)', tenantPath: 'idp.entityId' },
      { field: 'Single Sign-On Service URL (HTTP-Redirect or HTTP-POST)', tenantPath: 'idp.ssoUrl' },
      { field: 'IdP signing certificate (X.509)', tenantPath: 'idp.certificates' },
      { field: 'IdP metadata', tenantPath: 'idp', note: METADATA_NOTE },
    ],
  },
};
