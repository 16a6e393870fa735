import { deepFreeze } from '../internal/freeze.js';
import type { AttributeNames, EmailSource, IdpPresetName } from '../types.js';
import { NAMEID_FORMAT } from '../xml/namespaces.js';

/** What samlkit knows of one IdP product: the claims it sends and how it signs by default. */
export interface IdpPreset {
  /** The value of `TenantConfig.preset` that selects it. */
  readonly name: IdpPresetName;
  /** The product's name as admins know it. */
  readonly label: string;
  /** The attribute names the product uses by default (or in its documented setup). */
  readonly claims: AttributeNames;
  /** The NameID format its default setup sends. */
  readonly nameIdFormat: string;
  /** What it signs by default. */
  readonly signs: 'assertion' | 'response' | 'both';
  /** Where the email comes from when the tenant does not say. Default: an emailAddress NameID. */
  readonly email?: EmailSource;
}

const XMLSOAP = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/**
 * Claim names per IdP, from each product's documentation and the real responses in
 * `fixtures/real/` (tested in `test/unit/presets.test.ts`).
 */
export const IDP_PRESETS: Readonly<Record<IdpPresetName, IdpPreset>> = deepFreeze({
  azure: {
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
  },
  okta: {
    name: 'okta',
    label: 'Okta',
    claims: { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' },
    nameIdFormat: NAMEID_FORMAT.unspecified,
    signs: 'both',
    // Okta's default NameID is the username (an address) with Format unspecified.
    email: { from: 'nameId', format: 'any' },
  },
  google: {
    name: 'google',
    label: 'Google Workspace',
    claims: { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' },
    nameIdFormat: NAMEID_FORMAT.emailAddress,
    signs: 'response',
  },
  onelogin: {
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
  },
  ping: {
    name: 'ping',
    label: 'PingFederate / PingOne',
    claims: { email: 'email', firstName: 'firstname', lastName: 'lastname', groups: 'group' },
    nameIdFormat: NAMEID_FORMAT.emailAddress,
    signs: 'response',
  },
  adfs: {
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
  },
  keycloak: {
    name: 'keycloak',
    label: 'Keycloak',
    // Keycloak's default "role list" mapper sends realm roles as Role; groups need a mapper.
    claims: { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'Role' },
    nameIdFormat: NAMEID_FORMAT.emailAddress,
    signs: 'response',
  },
  generic: {
    name: 'generic',
    label: 'Other SAML 2.0 IdP',
    claims: {},
    nameIdFormat: NAMEID_FORMAT.emailAddress,
    signs: 'both',
  },
});

/** True when `name` is a known preset. */
export function isPresetName(name: unknown): name is IdpPresetName {
  return typeof name === 'string' && Object.hasOwn(IDP_PRESETS, name);
}
