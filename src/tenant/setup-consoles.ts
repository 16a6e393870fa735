/**
 * The IdP consoles, one table each: the names of their fields, what they sign, where request
 * signing and claims are configured. `setupInstructions` fills in a tenant's values.
 *
 * @module
 */
import type { AttributeNames, IdpPresetName } from '../types.js';
import type { SetupClaim, SetupReturnField } from './setup.js';

export type SignedPart = 'assertion' | 'response' | 'both';
export type ClaimField = keyof AttributeNames;

/** What a table row can read: the tenant's values. */
export interface Context {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly loginUrl?: string;
  readonly idpInitiated: boolean;
}

export interface FieldSpec {
  readonly field: string;
  /** `undefined` leaves the row out. */
  readonly value: (context: Context) => string | undefined;
  readonly note?: string;
}

export interface SignatureSpec {
  readonly field: string;
  readonly values: Readonly<Record<SignedPart, string>>;
  readonly note?: string;
  /** Extra notes for a choice, e.g. one the console cannot make. */
  readonly notes?: Partial<Readonly<Record<SignedPart, string>>>;
}

/** One IdP console. */
export interface ConsoleGuide {
  /** Ordered steps; the last one is "send us …". */
  readonly steps: readonly string[];
  /** SP endpoints and the like. */
  readonly fields: readonly FieldSpec[];
  /** The console's choice of what it signs. */
  readonly signatures: readonly SignatureSpec[];
  /** Where the signature algorithm is chosen, when the console lets you. */
  readonly algorithm?: { readonly field: string; readonly value: string; readonly note?: string };
  /** Where our AuthnRequest signing certificate goes, when the console checks request signatures. */
  readonly requestSigning?: {
    readonly field: string;
    readonly note: string;
    /** What to set when our requests are unsigned (Keycloak requires signatures by default). */
    readonly unsigned?: { readonly value: string; readonly note: string };
  };
  /** Where the app's own sign-in page goes (see `SetupOptions.loginUrl`). */
  readonly loginUrl?: { readonly field: string; readonly note: string };
  /** Who starts the login, when the console asks. */
  readonly initiator?: {
    readonly field: string;
    readonly idp: string;
    readonly sp: string;
    readonly note: string;
  };
  /** A step added (before the last) when the tenant refuses IdP-initiated logins. */
  readonly idpInitiatedRefused?: string;
  /** NameID settings: when the email comes from the NameID, and otherwise. */
  readonly nameId: { readonly email: readonly SetupClaim[]; readonly other: readonly SetupClaim[] };
  /** What the console calls the value of each claim, given the claim's name. */
  readonly claims: Readonly<Record<ClaimField, (name: string) => string>>;
  readonly fromIdp: readonly SetupReturnField[];
}

export const entityId = (c: Context): string => c.entityId;
export const acsUrl = (c: Context): string => c.acsUrl;
export const loginUrl = (c: Context): string | undefined => c.loginUrl;
export const METADATA_NOTE =
  'Instead of the other fields: it holds them all, and a metadata URL lets us follow certificate rollovers.';

export const XMLSOAP = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
/** AD FS shows these claim types by their display names. */
export const ADFS_CLAIM_TYPES: Readonly<Record<string, string>> = {
  [`${XMLSOAP}/emailaddress`]: 'E-Mail Address',
  [`${XMLSOAP}/givenname`]: 'Given Name',
  [`${XMLSOAP}/surname`]: 'Surname',
  'http://schemas.xmlsoap.org/claims/Group': 'Group',
};
export const adfsRule = (ldap: string) => (name: string) =>
  `Send LDAP Attributes as Claims: ${ldap} → ${ADFS_CLAIM_TYPES[name] ?? name}`;

/**
 * Claim names a `generic` tenant without `attributeNames` should ask for: the verifier falls back
 * to these well-known names (see `response/profile.ts`).
 */
export const GENERIC_NAMES: AttributeNames = {
  firstName: 'firstName',
  lastName: 'lastName',
  groups: 'groups',
};

export const GUIDES: Readonly<Record<IdpPresetName, ConsoleGuide>> = {
  azure: {
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

  okta: {
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

  google: {
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

  onelogin: {
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

  ping: {
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

  adfs: {
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

  keycloak: {
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

  generic: {
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

export const CLAIM_FIELDS: readonly ClaimField[] = ['email', 'firstName', 'lastName', 'groups'];

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
