/**
 * Microsoft Entra ID (Azure AD): the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, XMLSOAP, type IdpProduct } from './product.js';
import { MS_AUTHN_METHODS_CLAIM } from './authn-context.js';

/**
 * The claim Microsoft Entra ID sends *instead of* the groups claim when the user is in more groups
 * than fit in a SAML token (150). Its value is a Microsoft Graph link; the groups themselves are
 * missing from the assertion.
 */
export const GROUPS_OVERAGE_CLAIM = 'http://schemas.microsoft.com/claims/groups.link';

/** Microsoft Entra ID (Azure AD). */
export const azure: IdpProduct = {
  name: 'azure',
  label: 'Microsoft Entra ID (Azure AD)',
  claims: {
    email: `${XMLSOAP}/emailaddress`,
    firstName: `${XMLSOAP}/givenname`,
    lastName: `${XMLSOAP}/surname`,
    groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  },
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  signs: 'assertion',
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    methodsClaim: MS_AUTHN_METHODS_CLAIM,
    mfaHint:
      'In Entra ID, require multifactor authentication for this enterprise application with a Conditional Access policy (Grant: Require multifactor authentication). Entra ID then lists http://schemas.microsoft.com/claims/multipleauthn in the authnmethodsreferences claim.',
  },
  guide: {
    steps: [
      "In the Microsoft Entra admin center, open Enterprise applications > New application > Create your own application, and choose Integrate any other application you don't find in the gallery (Non-gallery).",
      'Open Single sign-on, choose SAML, and edit Basic SAML Configuration with the values below.',
      'Under Attributes & Claims, set Unique User Identifier (Name ID) and the claims below; add a group claim if roles come from groups.',
      'Under SAML Certificates, check the signing settings below.',
      'Under Users and groups, assign the users or groups who may sign in.',
      'From the Set up section and SAML Certificates, send us the values below (or just the App Federation Metadata Url).',
    ],
    fields: [
      {
        field: 'Identifier (Entity ID)',
        value: entityId,
        note: 'Basic SAML Configuration; tick Default if there are several.',
      },
      {
        field: 'Reply URL (Assertion Consumer Service URL)',
        value: acsUrl,
        note: 'Basic SAML Configuration.',
      },
    ],
    loginUrl: {
      field: 'Sign on URL',
      note: 'Basic SAML Configuration (optional): the My Apps tile then starts the login at your app.',
    },
    idpInitiatedRefused:
      'This tenant refuses IdP-initiated logins: fill in Sign on URL with your app’s sign-in page, or the My Apps tile will fail. (Leave it empty only when IdP-initiated logins are allowed.)',
    signatures: [
      {
        field: 'Signing Option',
        values: {
          assertion: 'Sign SAML assertion',
          response: 'Sign SAML response',
          both: 'Sign SAML response and assertion',
        },
        note: 'SAML Certificates > Edit.',
      },
    ],
    algorithm: { field: 'Signing Algorithm', value: 'SHA-256', note: 'SAML Certificates > Edit.' },
    requestSigning: {
      field: 'Verification certificates',
      note: 'SAML Certificates > Verification certificates (optional) > Edit: turn on Require verification certificates and upload this certificate (as a .cer file) for AuthnRequest signing.',
    },
    nameId: {
      email: [
        { claim: 'Unique User Identifier (Name ID)', value: 'user.mail' },
        { claim: 'Name identifier format', value: 'Email address' },
      ],
      other: [
        { claim: 'Unique User Identifier (Name ID)', value: 'user.objectid' },
        { claim: 'Name identifier format', value: 'Persistent' },
      ],
    },
    claims: {
      email: () => 'user.mail',
      firstName: () => 'user.givenname',
      lastName: () => 'user.surname',
      groups: () =>
        'Add a group claim: Groups assigned to the application, Source attribute Group ID (role rules then name group object IDs)',
    },
    fromIdp: [
      {
        field: 'Microsoft Entra Identifier',
        tenantPath: 'idp.entityId',
        note: 'https://sts.windows.net/<directory id>/',
      },
      {
        field: 'Login URL',
        tenantPath: 'idp.ssoUrl',
        note: 'https://login.microsoftonline.com/<directory id>/saml2',
      },
      {
        field: 'Certificate (Base64)',
        tenantPath: 'idp.certificates',
        note: 'SAML Certificates; download it.',
      },
      { field: 'App Federation Metadata Url', tenantPath: 'idp', note: METADATA_NOTE },
    ],
  },
};
