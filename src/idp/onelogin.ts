/**
 * OneLogin: the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, type IdpProduct } from './product.js';

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** OneLogin. */
export const onelogin: IdpProduct = {
  name: 'onelogin',
  label: 'OneLogin',
  claims: {
    email: 'User.email',
    firstName: 'User.FirstName',
    lastName: 'User.LastName',
    groups: 'memberOf',
  },
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  signs: 'assertion',
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    mfaHint:
      "In OneLogin, require OTP in the app's security policy, and set the SAML AuthnContextClassRef the app sends to https://refeds.org/profile/mfa, or ask the app's developers to require the classes OneLogin sends.",
  },
  guide: {
    steps: [
      'In OneLogin, open Applications > Applications > Add App, search for SAML Custom Connector (Advanced), and save it under a name.',
      'On the Configuration tab, enter the values below.',
      'On the Parameters tab, add the parameters below, each with Include in SAML assertion ticked.',
      'On the Access tab, give the roles who may sign in access to the app.',
      'On the SSO tab, send us the values below (or the SAML metadata from More Actions).',
    ],
    fields: [
      { field: 'Audience (EntityID)', value: entityId },
      { field: 'Recipient', value: acsUrl },
      { field: 'ACS (Consumer) URL Validator', value: (c) => `^${escapeRegExp(c.acsUrl)}$` },
      { field: 'ACS (Consumer) URL', value: acsUrl },
    ],
    loginUrl: { field: 'Login URL', note: 'Configuration tab: where SP-initiated logins start.' },
    initiator: {
      field: 'SAML initiator',
      idp: 'OneLogin',
      sp: 'Service Provider',
      note: 'Configuration tab: Service Provider sends portal users to the Login URL (this tenant refuses IdP-initiated logins otherwise).',
    },
    signatures: [
      {
        field: 'SAML signature element',
        values: { assertion: 'Assertion', response: 'Response', both: 'Both' },
        note: 'Configuration tab.',
      },
    ],
    algorithm: { field: 'SAML Signature Algorithm', value: 'SHA-256', note: 'SSO tab.' },
    nameId: {
      email: [
        { claim: 'SAML nameID format', value: 'Email' },
        { claim: 'NameID value', value: 'Email' },
      ],
      other: [
        { claim: 'SAML nameID format', value: 'Persistent' },
        { claim: 'NameID value', value: 'Email' },
      ],
    },
    claims: {
      email: () => 'Email',
      firstName: () => 'First Name',
      lastName: () => 'Last Name',
      groups: () => 'MemberOf (or User Roles, as a multi-value parameter)',
    },
    fromIdp: [
      {
        field: 'Issuer URL',
        tenantPath: 'idp.entityId',
        note: 'https://app.onelogin.com/saml/metadata/<app id>; also the metadata URL.',
      },
      { field: 'SAML 2.0 Endpoint (HTTP)', tenantPath: 'idp.ssoUrl' },
      { field: 'X.509 Certificate', tenantPath: 'idp.certificates', note: 'View Details.' },
      { field: 'SAML Metadata', tenantPath: 'idp', note: `More Actions. ${METADATA_NOTE}` },
    ],
  },
};
