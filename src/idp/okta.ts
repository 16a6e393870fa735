/**
 * Okta: the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, type IdpProduct } from './product.js';

/** Okta. */
export const okta: IdpProduct = {
  name: 'okta',
  label: 'Okta',
  claims: { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' },
  nameIdFormat: NAMEID_FORMAT.unspecified,
  signs: 'both',
  // Okta's default NameID is the username (an address) with Format unspecified.
  email: { from: 'nameId', format: 'any' },
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    methodsClaim: 'amr',
    mfaHint:
      "In Okta, require MFA in the application's authentication policy, and add an attribute statement named amr with the value session.amr, so that the assertion says the user used more than one factor (mfa).",
  },
  guide: {
    steps: [
      'In the Okta Admin Console, open Applications > Applications > Create App Integration and choose SAML 2.0.',
      'Name the app, then on Configure SAML enter the values below (Show Advanced Settings for signing).',
      'Add the Attribute Statements and the Group Attribute Statement below, then finish.',
      'On the Assignments tab, assign the users or groups who may sign in.',
      'On the Sign On tab, open View SAML setup instructions and send us the values below (or just the Metadata URL).',
    ],
    fields: [
      { field: 'Single sign-on URL', value: acsUrl },
      { field: 'Use this for Recipient URL and Destination URL', value: () => 'Checked' },
      { field: 'Audience URI (SP Entity ID)', value: entityId },
    ],
    idpInitiatedRefused:
      'This tenant refuses IdP-initiated logins, which the Okta dashboard tile starts: on the General tab, under Application visibility, tick Do not display application icon to users.',
    /** The app's own sign-in page, so that portals and bookmarks start the login at the app. */
    loginUrl: {
      field: 'Sign-on URL for your users',
      note: 'Okta\u2019s SAML app has no field for it: give it to users as their bookmark, or add an Okta Bookmark App with this URL as its tile.',
    },
    signatures: [
      {
        field: 'Response',
        values: { assertion: 'Unsigned', response: 'Signed', both: 'Signed' },
        note: 'Show Advanced Settings.',
      },
      {
        field: 'Assertion Signature',
        values: { assertion: 'Signed', response: 'Unsigned', both: 'Signed' },
        note: 'Show Advanced Settings.',
      },
    ],
    algorithm: { field: 'Signature Algorithm', value: 'RSA-SHA256', note: 'Show Advanced Settings.' },
    requestSigning: {
      field: 'Signature Certificate',
      note: 'Show Advanced Settings > Signed Requests: tick it and upload this certificate, so that Okta checks our AuthnRequest signatures.',
    },
    nameId: {
      email: [
        { claim: 'Name ID format', value: 'EmailAddress' },
        { claim: 'Application username', value: 'Email' },
      ],
      other: [
        { claim: 'Name ID format', value: 'Unspecified' },
        { claim: 'Application username', value: 'Okta username' },
      ],
    },
    claims: {
      email: () => 'user.email',
      firstName: () => 'user.firstName',
      lastName: () => 'user.lastName',
      groups: () => 'Group Attribute Statement, Filter: Matches regex .*',
    },
    fromIdp: [
      { field: 'Identity Provider Single Sign-On URL', tenantPath: 'idp.ssoUrl' },
      { field: 'Identity Provider Issuer', tenantPath: 'idp.entityId', note: 'http://www.okta.com/<app id>' },
      { field: 'X.509 Certificate', tenantPath: 'idp.certificates' },
      { field: 'Metadata URL', tenantPath: 'idp', note: `Sign On tab. ${METADATA_NOTE}` },
    ],
  },
};
