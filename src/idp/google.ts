/**
 * Google Workspace: the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, type IdpProduct } from './product.js';

/** Google Workspace. */
export const google: IdpProduct = {
  name: 'google',
  label: 'Google Workspace',
  claims: { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' },
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  signs: 'response',
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    mfaHint:
      'Google Workspace enforces 2-Step Verification in the Admin console (Security > Authentication), but its SAML assertion does not say which factors were used, so samlkit cannot confirm MFA: turn the MFA requirement off for this tenant and enforce 2-Step Verification in Google, or use another IdP.',
  },
  guide: {
    steps: [
      'In the Google Admin console, open Apps > Web and mobile apps > Add app > Add custom SAML app, and name the app.',
      'On Google Identity Provider details, copy the values below for us (or download the IdP metadata), then continue.',
      'On Service provider details, enter the values below.',
      'On Attribute mapping, add the mappings below (Group membership for groups), then finish.',
      'Under User access, turn the app ON for the organisational units or groups who may sign in.',
      'Send us the values from Google Identity Provider details.',
    ],
    fields: [
      { field: 'ACS URL', value: acsUrl },
      { field: 'Entity ID', value: entityId },
    ],
    idpInitiatedRefused:
      'This tenant refuses IdP-initiated logins, which Google’s app launcher starts: users must start at your app.',
    /** The app's own sign-in page, so that portals and bookmarks start the login at the app. */
    loginUrl: {
      field: 'Start URL (optional)',
      note: 'Service provider details: the app\u2019s tile in Google then starts the login at your app.',
    },
    signatures: [
      {
        field: 'Signed response',
        values: { assertion: 'Off', response: 'On', both: 'On' },
        note: 'Service provider details; when off, only the assertion is signed.',
        notes: {
          both: 'Google Workspace signs the response or the assertion, not both: this tenant requires both, so change its signing policy to covered or response.',
        },
      },
    ],
    nameId: {
      email: [
        { claim: 'Name ID format', value: 'EMAIL' },
        { claim: 'Name ID', value: 'Basic Information > Primary email' },
      ],
      other: [
        { claim: 'Name ID format', value: 'PERSISTENT' },
        { claim: 'Name ID', value: 'Basic Information > Primary email' },
      ],
    },
    claims: {
      email: () => 'Basic Information > Primary email',
      firstName: () => 'Basic Information > First name',
      lastName: () => 'Basic Information > Last name',
      groups: () => 'Group membership: the Google groups to send',
    },
    fromIdp: [
      { field: 'SSO URL', tenantPath: 'idp.ssoUrl' },
      {
        field: 'Entity ID',
        tenantPath: 'idp.entityId',
        note: 'https://accounts.google.com/o/saml2?idpid=<id>',
      },
      { field: 'Certificate', tenantPath: 'idp.certificates' },
      { field: 'IdP metadata', tenantPath: 'idp', note: `Download metadata. ${METADATA_NOTE}` },
    ],
  },
};
