/**
 * PingFederate / PingOne: the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, type IdpProduct } from './product.js';
import { REFEDS_MFA } from './authn-context.js';

/** PingFederate / PingOne. */
export const ping: IdpProduct = {
  name: 'ping',
  label: 'PingFederate / PingOne',
  claims: { email: 'email', firstName: 'firstname', lastName: 'lastname', groups: 'group' },
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  signs: 'response',
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    requestMfaClass: REFEDS_MFA,
    mfaHint:
      'In PingFederate or PingOne, map an authentication policy that requires MFA to the AuthnContextClassRef https://refeds.org/profile/mfa for this connection (PingFederate picks the policy from the RequestedAuthnContext samlkit sends).',
  },
  guide: {
    steps: [
      'In PingOne, open Applications > Applications > Add Application, choose SAML Application and Manually Enter. (PingFederate: Applications > SP Connections > Create Connection, Browser SSO.)',
      'Enter the values below.',
      'Under Attribute Mappings, map the attributes below.',
      'Turn the application on and, under Access, grant the groups who may sign in.',
      'On the Configuration tab, send us the values below (or the IdP Metadata URL).',
    ],
    fields: [
      {
        field: 'ACS URLs',
        value: acsUrl,
        note: 'PingFederate: Assertion Consumer Service URL, POST binding.',
      },
      { field: 'Entity ID', value: entityId, note: 'PingFederate: Partner’s Entity ID (Connection ID).' },
    ],
    /** The app's own sign-in page, so that portals and bookmarks start the login at the app. */
    loginUrl: {
      field: 'Sign-on URL for your users',
      note: 'Use it as the application\u2019s URL in the PingOne/PingFederate dock or portal, or as users\u2019 bookmark.',
    },
    signatures: [
      {
        field: 'Signing',
        values: { assertion: 'Sign Assertion', response: 'Sign Response', both: 'Sign Assertion & Response' },
        note: 'PingFederate: Signature Policy.',
      },
    ],
    algorithm: { field: 'Signing Algorithm', value: 'RSA_SHA256' },
    requestSigning: {
      field: 'Verification Certificate',
      note: 'Turn on Enforce Signed AuthnRequest and upload this certificate. (PingFederate: Signature Verification Settings.)',
    },
    nameId: {
      email: [
        { claim: 'saml_subject', value: 'Email Address' },
        { claim: 'Subject NameID Format', value: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' },
      ],
      other: [
        { claim: 'saml_subject', value: 'User ID' },
        { claim: 'Subject NameID Format', value: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' },
      ],
    },
    claims: {
      email: () => 'Email Address',
      firstName: () => 'Given Name',
      lastName: () => 'Family Name',
      groups: () => 'Group Names (one value per group)',
    },
    fromIdp: [
      { field: 'Issuer ID', tenantPath: 'idp.entityId', note: 'PingFederate: the SAML 2.0 Entity ID.' },
      {
        field: 'Single Signon Service',
        tenantPath: 'idp.ssoUrl',
        note: 'PingFederate: https://<host>/idp/SSO.saml2',
      },
      { field: 'Signing certificate', tenantPath: 'idp.certificates', note: 'Download Signing Certificate.' },
      { field: 'IdP Metadata URL', tenantPath: 'idp', note: METADATA_NOTE },
    ],
  },
};
