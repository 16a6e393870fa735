/**
 * Active Directory Federation Services (AD FS): the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, XMLSOAP, type IdpProduct } from './product.js';
import { MS_AUTHN_METHODS_CLAIM, MS_MULTIPLE_AUTHN } from './authn-context.js';

/** AD FS shows these claim types by their display names. */
const ADFS_CLAIM_TYPES: Readonly<Record<string, string>> = {
  [`${XMLSOAP}/emailaddress`]: 'E-Mail Address',
  [`${XMLSOAP}/givenname`]: 'Given Name',
  [`${XMLSOAP}/surname`]: 'Surname',
  'http://schemas.xmlsoap.org/claims/Group': 'Group',
};
const adfsRule = (ldap: string) => (name: string) =>
  `Send LDAP Attributes as Claims: ${ldap} → ${ADFS_CLAIM_TYPES[name] ?? name}`;

/** Active Directory Federation Services (AD FS). */
export const adfs: IdpProduct = {
  name: 'adfs',
  label: 'Active Directory Federation Services (AD FS)',
  claims: {
    email: `${XMLSOAP}/emailaddress`,
    firstName: `${XMLSOAP}/givenname`,
    lastName: `${XMLSOAP}/surname`,
    groups: 'http://schemas.xmlsoap.org/claims/Group',
  },
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  signs: 'assertion',
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    methodsClaim: MS_AUTHN_METHODS_CLAIM,
    requestMfaClass: MS_MULTIPLE_AUTHN,
    mfaHint:
      'In AD FS, give the relying party trust an access control policy that requires MFA, and pass the Authentication Methods References claim through in its claim issuance policy (AD FS then also sets AuthnContextClassRef to http://schemas.microsoft.com/claims/multipleauthn).',
  },
  guide: {
    steps: [
      'In AD FS Management, open Relying Party Trusts > Add Relying Party Trust, choose Claims aware and Enter data about the relying party manually.',
      'Skip the token encryption certificate; on Configure URL tick Enable support for the SAML 2.0 WebSSO protocol, and on Configure Identifiers add the values below.',
      'Choose an access control policy that admits the users who may sign in (for example Permit specific group), and finish.',
      'Edit Claim Issuance Policy: add a Send LDAP Attributes as Claims rule and a Transform an Incoming Claim rule as below.',
      'Send us the values below (or the federation metadata URL).',
    ],
    fields: [
      {
        field: 'Relying party SAML 2.0 SSO service URL',
        value: acsUrl,
        note: 'Configure URL: tick Enable support for the SAML 2.0 WebSSO protocol.',
      },
      { field: 'Relying party trust identifier', value: entityId, note: 'Configure Identifiers.' },
    ],
    /** The app's own sign-in page, so that portals and bookmarks start the login at the app. */
    loginUrl: {
      field: 'Sign-on URL for your users',
      note: 'AD FS has no field for it: publish it to users (intranet link, bookmark); it starts the login at your app.',
    },
    signatures: [
      {
        field: 'SamlResponseSignature',
        values: { assertion: 'AssertionOnly', response: 'MessageOnly', both: 'MessageAndAssertion' },
        note: 'PowerShell: Set-AdfsRelyingPartyTrust -TargetName <display name> -SamlResponseSignature <value>.',
      },
    ],
    algorithm: { field: 'Secure hash algorithm', value: 'SHA-256', note: 'Properties > Advanced.' },
    requestSigning: {
      field: 'Signature',
      note: 'Relying party Properties > Signature: add this certificate, so that AD FS checks our AuthnRequest signatures.',
    },
    nameId: {
      email: [
        {
          claim: 'Name ID',
          value: 'Transform an Incoming Claim: E-Mail Address → Name ID, Outgoing name ID format Email',
        },
      ],
      other: [
        {
          claim: 'Name ID',
          value: 'Send LDAP Attributes as Claims: User-Principal-Name → Name ID',
        },
      ],
    },
    claims: {
      email: adfsRule('E-Mail-Addresses'),
      firstName: adfsRule('Given-Name'),
      lastName: adfsRule('Surname'),
      groups: adfsRule('Token-Groups - Unqualified Names'),
    },
    fromIdp: [
      {
        field: 'Federation Service Identifier',
        tenantPath: 'idp.entityId',
        note: 'Service > Edit Federation Service Properties; usually http://<host>/adfs/services/trust',
      },
      { field: 'SAML 2.0 endpoint', tenantPath: 'idp.ssoUrl', note: 'https://<host>/adfs/ls/' },
      {
        field: 'Token-signing certificate',
        tenantPath: 'idp.certificates',
        note: 'Service > Certificates: export it as Base-64 encoded X.509.',
      },
      {
        field: 'Federation metadata',
        tenantPath: 'idp',
        note: `https://<host>/FederationMetadata/2007-06/FederationMetadata.xml. ${METADATA_NOTE}`,
      },
    ],
  },
};
