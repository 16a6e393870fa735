/**
 * Keycloak: the claims it sends, how it signs, and its admin console's wording.
 *
 * @module
 */
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import { acsUrl, entityId, METADATA_NOTE, type IdpProduct } from './product.js';

/** Keycloak. */
export const keycloak: IdpProduct = {
  name: 'keycloak',
  label: 'Keycloak',
  // Keycloak's default "role list" mapper sends realm roles as Role; groups need a mapper.
  claims: { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'Role' },
  nameIdFormat: NAMEID_FORMAT.emailAddress,
  signs: 'response',
  // How it says what factors were used, and where its admin requires MFA.
  authnContext: {
    methodsClaim: 'amr',
    mfaHint:
      "In Keycloak, require OTP or WebAuthn in the client's browser flow, and add a mapper that sends the authentication methods as an attribute named amr (a value of mfa), or sets the AuthnContextClassRef to https://refeds.org/profile/mfa.",
  },
  guide: {
    steps: [
      'In the Keycloak admin console, choose the realm, open Clients > Create client, and choose Client type SAML.',
      'Enter the Client ID and the Login settings below, then the Signature and Encryption, SAML capabilities and Keys settings of the client.',
      'Under Client scopes > <client id>-dedicated > Add mapper > By configuration, add the mappers below.',
      'Send us the realm’s SAML 2.0 Identity Provider Metadata URL (Realm settings > Endpoints), or the values in it.',
    ],
    fields: [
      { field: 'Client ID', value: entityId, note: 'Our entity ID.' },
      { field: 'Valid redirect URIs', value: acsUrl },
      { field: 'Master SAML Processing URL', value: acsUrl },
      {
        field: 'Assertion Consumer Service POST Binding URL',
        value: acsUrl,
        note: 'Advanced tab > Fine Grain SAML Endpoint Configuration.',
      },
    ],
    /** The app's own sign-in page, so that portals and bookmarks start the login at the app. */
    loginUrl: {
      field: 'Home URL',
      note: 'Client settings, Access settings: the account console\u2019s link to the app then starts the login at your app.',
    },
    signatures: [
      { field: 'Sign documents', values: { assertion: 'Off', response: 'On', both: 'On' } },
      { field: 'Sign assertions', values: { assertion: 'On', response: 'Off', both: 'On' } },
    ],
    algorithm: { field: 'Signature algorithm', value: 'RSA_SHA256' },
    requestSigning: {
      field: 'Client signature required',
      note: 'Keys tab: turn it on and import this certificate.',
      unsigned: {
        value: 'Off',
        note: 'Keys tab: our AuthnRequests are not signed, and Keycloak refuses unsigned ones while this is on.',
      },
    },
    nameId: {
      email: [
        { claim: 'Name ID format', value: 'email' },
        { claim: 'Force name ID format', value: 'On' },
      ],
      other: [
        { claim: 'Name ID format', value: 'persistent' },
        { claim: 'Force name ID format', value: 'On' },
      ],
    },
    claims: {
      email: (name) => `User Property mapper: Property email, SAML Attribute Name ${name}`,
      firstName: (name) => `User Property mapper: Property firstName, SAML Attribute Name ${name}`,
      lastName: (name) => `User Property mapper: Property lastName, SAML Attribute Name ${name}`,
      groups: (name) =>
        `Role list mapper (the default role_list scope), Role attribute name ${name}; or a Group list mapper with Group attribute name ${name}`,
    },
    fromIdp: [
      {
        field: 'SAML 2.0 Identity Provider Metadata',
        tenantPath: 'idp',
        note: `https://<host>/realms/<realm>/protocol/saml/descriptor. ${METADATA_NOTE}`,
      },
      { field: 'entityID', tenantPath: 'idp.entityId', note: 'https://<host>/realms/<realm>' },
      {
        field: 'SingleSignOnService',
        tenantPath: 'idp.ssoUrl',
        note: 'https://<host>/realms/<realm>/protocol/saml',
      },
      {
        field: 'Certificate',
        tenantPath: 'idp.certificates',
        note: 'Realm settings > Keys: the RS256 key’s Certificate.',
      },
    ],
  },
};
