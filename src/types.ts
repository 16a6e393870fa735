/**
 * Public types: the tenant configuration, the verified profile and the checks object.
 *
 * @module
 */

/**
 * Which signatures must be present and valid.
 *
 * - `'covered'` (default): the assertion must be covered by a valid signature, its own or the
 *   Response's.
 * - `'assertion'`: the assertion must carry its own valid signature.
 * - `'response'`: the Response must carry a valid signature.
 * - `'both'`: both must.
 *
 * Whatever the policy, a signature that is present must be valid.
 *
 * An encrypted assertion is held to the same policy: encryption never counts as a signature. A
 * Response signature is verified over the encrypted form, before anything is decrypted, and then
 * covers the decrypted assertion too (AES-GCM and AES-CBC alike): it fixes the ciphertext, the
 * algorithms and the wrapped key, and decryption with our own key is a function of those alone. The
 * assertion's own signature is read from the decrypted assertion, parsed as its own document.
 */
export type SigningPolicy = 'covered' | 'assertion' | 'response' | 'both';

/**
 * Where the user's email address comes from.
 *
 * - `{ from: 'nameId' }` (default): the NameID, whose Format must be
 *   `urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress` and whose value must be an address.
 * - `{ from: 'nameId', format: 'any' }`: the NameID whatever its Format (Okta's default is
 *   `unspecified`); the value must still be an address.
 * - `{ from: 'attribute', name }`: the single value of that attribute; the NameID may be anything.
 * - `{ from: 'none' }`: the app identifies users by NameID only; `profile.email` is absent. Not
 *   allowed together with `emailDomains`.
 */
export type EmailSource =
  | {
      /** The NameID. */
      readonly from: 'nameId';
      /** The NameID Format required: `'emailAddress'` (default), or `'any'` (the value must still be an address). */
      readonly format?: 'emailAddress' | 'any';
    }
  | {
      /** An attribute with exactly one value. */
      readonly from: 'attribute';
      /** The attribute's Name. Default: `attributeNames.email`, else the preset's email claim. */
      readonly name?: string;
    }
  | {
      /** No email: `profile.email` stays absent. */
      readonly from: 'none';
    };

/** The identity providers samlkit knows the claim names and console fields of. */
export type IdpPresetName =
  'azure' | 'okta' | 'google' | 'onelogin' | 'ping' | 'adfs' | 'keycloak' | 'generic';

/**
 * One rule of a {@link RoleMapping}: members of the groups it matches get `role`. It names its
 * groups one way: `group` (the exact name), `groupPrefix` (every name that starts with it) or
 * `groupGlob` (`*` stands for any run of characters; nothing else is special). No
 * regular expressions: a pattern from one tenant's admin must not cost the service unbounded time
 * (docs/policies.md).
 */
export type RoleRule =
  | {
      /** A group as the IdP sends it (a name, or an ID for Entra ID), matched whole. */
      readonly group: string;
      /** The app role its members get. */
      readonly role: string;
    }
  | {
      /** Matches every group whose name starts with this text, e.g. `openlayer-role-`. */
      readonly groupPrefix: string;
      /** The app role its members get. */
      readonly role: string;
    }
  | {
      /** A wildcard pattern: `*` stands for any run of characters (nothing else is special), e.g. `*-admins`. */
      readonly groupGlob: string;
      /** The app role its members get. */
      readonly role: string;
    };

/**
 * Maps IdP groups to the app's roles. Today's shape (`{ rules: [{ group, role }], defaultRole }`)
 * keeps its meaning: every matching rule grants its role.
 */
export interface RoleMapping {
  /** The rules, in order of precedence: the first is the strongest. */
  readonly rules: readonly RoleRule[];
  /** The role of a user no rule matches. Without it, such a user has no role. */
  readonly defaultRole?: string;
  /**
   * `'all'` (default): the user gets the role of every matching rule, in rule order. `'first'`:
   * only the role of the first matching rule, so that a user in both an admin and a viewer group
   * gets the one role the rules rank first.
   */
  readonly precedence?: 'all' | 'first';
  /** Match group names without regard to case (both sides lower-cased, no locale). Default `false`. */
  readonly caseInsensitive?: boolean;
  /**
   * Inherit the app-wide mapping (`ServiceProviderOptions.roles`): this tenant's rules come first,
   * then the app's; `defaultRole`, `precedence` and `caseInsensitive` fall back to the app's. Default
   * `false`: a tenant mapping replaces the app's. A tenant without `roles` always inherits.
   */
  readonly inherit?: boolean;
}

/**
 * A tenant's place in a customer organisation with several connections. Connections are linked
 * only when both sides agree: the tenant that holds a verified domain lists the others in
 * `connections`, and each of them names the same `id`.
 */
export interface OrganizationMembership {
  /** The app's ID of the organisation; the same on every connection of it. */
  readonly id: string;
  /** What the login page calls this connection, e.g. `Okta (new)`, `Acme Germany`. */
  readonly label?: string;
  /**
   * The tenant IDs of the organisation's other connections that the login page offers, besides
   * this one, to users of this tenant's verified domains (`loginMethods().connections`). Their
   * logins count as in a verified domain (`emailDomainVerified`) when their email is in one of
   * this tenant's verified domains. At most 20.
   */
  readonly connections?: readonly string[];
}

/**
 * What a tenant requires of the way its users authenticate at the IdP (SAML core §2.7.2.2,
 * AuthnContext), checked on every login against the signed AuthnStatement.
 *
 * - `{ require: 'mfa' }`: multi-factor authentication. Met by an MFA class
 *   (`AuthnContextClassRef` such as `https://refeds.org/profile/mfa`,
 *   `http://schemas.microsoft.com/claims/multipleauthn`) or by the MFA value of the method claim
 *   the tenant's preset sends (Entra ID and AD FS:
 *   `http://schemas.microsoft.com/claims/authnmethodsreferences` holding
 *   `http://schemas.microsoft.com/claims/multipleauthn`). See docs/policies.md per IdP.
 * - `{ require: 'classes', classes }`: the `AuthnContextClassRef` must be one of `classes` (exact
 *   comparison).
 *
 * `sendRequestedAuthnContext` puts a `RequestedAuthnContext` (SAML core §3.3.2.2.1) into every
 * AuthnRequest: by default for `'classes'` (Comparison `exact`, those classes) and, for `'mfa'`,
 * only with the presets whose IdP acts on it (AD FS, PingFederate). Entra ID refuses a request for a
 * class it did not perform instead of performing it, so it is left out there.
 */
export type AuthnContextRequirement =
  | {
      /** Multi-factor authentication. */
      readonly require: 'mfa';
      /** Ask for MFA in the AuthnRequest. Default: as the preset's IdP expects (docs/policies.md). */
      readonly sendRequestedAuthnContext?: boolean;
    }
  | {
      /** One of the listed authentication context classes. */
      readonly require: 'classes';
      /** `AuthnContextClassRef` URIs; any one of them satisfies the requirement. At least one. */
      readonly classes: readonly string[];
      /** Ask for these classes in the AuthnRequest (Comparison `exact`). Default `true`. */
      readonly sendRequestedAuthnContext?: boolean;
    };

/**
 * Names of the attributes that fill the convenience fields of {@link SamlProfile}. Each one
 * overrides the tenant's preset; without either, the first well-known name present is used.
 */
export interface AttributeNames {
  /** The attribute `email: { from: 'attribute' }` reads when it names none. */
  readonly email?: string;
  /** Attribute whose values are the user's groups. */
  readonly groups?: string;
  /** Attribute whose first value is the user's given name. */
  readonly firstName?: string;
  /** Attribute whose first value is the user's family name. */
  readonly lastName?: string;
}

/** A key pair of ours, PEM encoded. Make one with `generateSpKeyPair`. */
export interface SpKeyPair {
  /** PKCS#8 or PKCS#1 PEM. Keep it secret: store it encrypted at rest. */
  readonly privateKey: string;
  /** The self-signed X.509 certificate (PEM) that publishes the public key. */
  readonly certificate: string;
}

/** What our side (the Service Provider) is called for one tenant. */
export interface ServiceProviderConfig {
  /** Our entity ID for this tenant: the Audience the IdP must name. */
  readonly entityId: string;
  /** Our Assertion Consumer Service URL: the Destination and Recipient the IdP must name. */
  readonly acsUrl: string;
  /** Signs our AuthnRequests (and metadata). Without it, requests go unsigned. */
  readonly signing?: SpKeyPair;
  /**
   * The key that replaces `signing` in a rollover: published in metadata so the IdP can trust it
   * before we sign with it. See docs/certificates.md.
   */
  readonly nextSigning?: SpKeyPair;
  /**
   * Our decryption keys: the IdP encrypts assertions to the certificate of one of them (XML
   * Encryption, SAML core §6), and any of them may decrypt. List the current key first and, during
   * a rollover, the next one after it: `buildSpMetadata` publishes every certificate as
   * `use="encryption"` in this order (IdPs that pick one take the first). Without it, an encrypted
   * assertion is refused (`DECRYPTION_FAILED`). RSA only, at least 2048 bits (1024 with
   * `allowRsa1024`). Make one with `generateSpKeyPair`; a key used for `signing` may be reused.
   *
   * Encryption hides the assertion from the browser and from logs on the way; it never replaces a
   * signature: a decrypted assertion must be covered by a valid signature like a plain one.
   */
  readonly decryption?: readonly SpKeyPair[];
  /**
   * Our Single Logout URL for this tenant (SAML profiles §4.4), for both bindings: where the IdP
   * sends LogoutRequests and LogoutResponses, and the Destination they must name. Needs `signing`
   * (logout messages are always signed). Without it, Single Logout is off for the tenant.
   */
  readonly sloUrl?: string;
}

/** IdP endpoints by SAML binding (SAML bindings §3.4, §3.5). */
export interface BindingUrls {
  /** The endpoint for the HTTP-Redirect binding. */
  readonly redirect?: string;
  /** The endpoint for the HTTP-POST binding. */
  readonly post?: string;
}

/** What the tenant's identity provider is called and which keys it signs with. */
export interface IdentityProviderConfig {
  /** The IdP's entity ID, which it sends as Issuer. */
  readonly entityId: string;
  /**
   * The IdP's signing certificates, PEM or bare base64 DER. Any of them may sign (list the old and
   * the new one during a rollover). Only the public keys are compared; expiry is not enforced.
   */
  readonly certificates: readonly string[];
  /** The IdP's single sign-on URL (used to start logins with either binding). */
  readonly ssoUrl?: string;
  /** Per-binding SSO URLs, when the IdP's metadata gives different ones; they override `ssoUrl`. */
  readonly ssoUrls?: BindingUrls;
  /** The IdP requires signed AuthnRequests (metadata `WantAuthnRequestsSigned`). */
  readonly wantAuthnRequestsSigned?: boolean;
  /** The IdP's SingleLogoutService endpoints by binding (metadata); without them, no Single Logout. */
  readonly sloUrls?: BindingUrls;
}

/**
 * One customer organisation's SAML configuration. Plain data: store it as JSON. Validate it once
 * with `defineTenant`, which reports every problem at once and parses the certificates.
 */
export interface TenantConfig {
  /** Your identifier for the tenant; used for replay-cache isolation and in errors. */
  readonly id: string;
  /** Our side: entity ID, ACS URL and optional signing keys. */
  readonly sp: ServiceProviderConfig;
  /** The tenant's IdP: entity ID, SSO URL and pinned signing certificates. */
  readonly idp: IdentityProviderConfig;
  /**
   * When set, the user's email must be in one of these domains (exact match, case-insensitive;
   * subdomains are not included unless listed). Each is also a claim on the domain: once the
   * tenant proves it owns it (`createDomainOwnership`, docs/domains.md), it routes the domain's
   * users to this tenant, `requireSso` applies to them and their email is trusted
   * (`LoginResult.emailDomainVerified`); until then it does none of that. Public mailbox domains
   * (gmail.com, …) are refused.
   */
  readonly emailDomains?: readonly string[];
  /** Accept IdP-initiated (unsolicited) responses. Default `false`. */
  readonly allowIdpInitiated?: boolean;
  /**
   * **Weakens security.** Accept RSA-SHA1 signatures and SHA-1 digests, which are open to
   * collision attacks. Default `false`. Turn it on only for an IdP that cannot sign with SHA-256.
   */
  readonly allowSha1?: boolean;
  /**
   * **Weakens security.** Accept IdP certificates with 1024-bit RSA keys, and 1024-bit
   * `sp.decryption` keys. Default `false`. Only for legacy IdPs that cannot rotate to a 2048-bit
   * key, or an SP key that cannot be replaced yet.
   */
  readonly allowRsa1024?: boolean;
  /**
   * **Weakens security.** Accept plain-http ACS and SSO URLs on hosts other than localhost (a
   * development tunnel). Default `false`: over http, the response can be read and replayed.
   */
  readonly allowHttp?: boolean;
  /**
   * **Weakens security.** Accept assertions encrypted with AES-CBC (`xmlenc#aes128-cbc`,
   * `aes192-cbc`, `aes256-cbc`) besides AES-GCM. Default `false`. CBC has no integrity: a changed
   * ciphertext decrypts to changed plaintext, and answering differently to a bad padding and to bad
   * XML turns the SP into a decryption oracle (Jager and Somorovsky, 2011). samlkit therefore never
   * lets encryption stand in for a signature, and when the ciphertext is not covered by a verified
   * Response signature, reports every failure up to the assertion's own verified signature as the
   * one `DECRYPTION_FAILED`. Needs `sp.decryption`. Turn it on only for an IdP that cannot use
   * AES-GCM (SimpleSAMLphp 1.x, ADFS, Okta, older Shibboleth).
   */
  readonly allowAesCbc?: boolean;
  /**
   * Refuse assertions that arrive unencrypted (`ENCRYPTION_REQUIRED`). Default `false`. Needs
   * `sp.decryption`. Use it when the assertion carries data the browser must not read.
   */
  readonly requireEncryptedAssertion?: boolean;
  /** Tolerance for clock differences with the IdP, in seconds. Default 120, at most 300. */
  readonly clockSkewSeconds?: number;
  /**
   * How long, from now, an assertion may stay acceptable, in seconds: one whose NotOnOrAfter lies
   * further ahead is refused (`ASSERTION_LIFETIME_TOO_LONG`), so that no IdP can make the replay
   * cache keep its entries for years. Default 86400 (24 hours), at most 2592000 (30 days).
   */
  readonly maxAssertionLifetimeSeconds?: number;
  /**
   * **Weakens conformance**: accept `ID` attributes that start with a digit, which are not xs:ID
   * NCNames (SAML core §1.3.4). SecureWorks sends such UUIDs. They are still unique and can never
   * be fragment syntax. Default `false`.
   */
  readonly allowIdsStartingWithDigit?: boolean;
  /** Which signatures must be present. Default `'covered'`. */
  readonly signing?: SigningPolicy;
  /** Where the user's email comes from. Default `{ from: 'nameId' }`. */
  readonly email?: EmailSource;
  /** Which attributes fill `email`, `groups`, `firstName` and `lastName`; overrides the preset. */
  readonly attributeNames?: AttributeNames;
  /** The IdP product, for its claim names and setup instructions. Default `'generic'`. */
  readonly preset?: IdpPresetName;
  /** SAML login is on for this tenant. Default `true`. */
  readonly enabled?: boolean;
  /**
   * Members (users with an address in a verified domain of `emailDomains`) must sign in with SSO:
   * password login is off for them, except for `breakGlassEmails`. Default `false`.
   */
  readonly requireSso?: boolean;
  /** Addresses that keep password login under `requireSso`: the admin's way back in when the IdP fails. */
  readonly breakGlassEmails?: readonly string[];
  /** Group → role rules applied by `finishLogin` (and `mapRoles`). */
  readonly roles?: RoleMapping;
  /** How users must have authenticated (MFA, or given classes); checked on every login. */
  readonly authnContext?: AuthnContextRequirement;
  /**
   * The customer organisation this tenant is one connection of, when the organisation has several
   * (two IdPs during a migration, one per subsidiary): each connection is a tenant of its own, with
   * its own keys and policies. Set by the app, never by a tenant's admin. See docs/policies.md.
   */
  readonly organization?: OrganizationMembership;
  /**
   * Secrets sealed by `sealTenantSecrets` while the configuration sits in a store. Written and
   * read by that wrapper only; leave it alone.
   */
  readonly sealed?: Readonly<Record<string, string>>;
}

/** The identity a verified Response asserts. Every field was read from signed content. */
export interface SamlProfile {
  /** The tenant whose configuration verified the response. */
  readonly tenantId: string;
  /** The assertion's Issuer (equal to the tenant's IdP entity ID). */
  readonly issuer: string;
  /** The Subject's NameID value. */
  readonly nameId: string;
  /** The NameID Format; `…:unspecified` when the IdP sent none (SAML core §8.3.1). */
  readonly nameIdFormat: string;
  /** The NameID's NameQualifier attribute, when the IdP sent one; Single Logout repeats it. */
  readonly nameQualifier?: string;
  /** The NameID's SPNameQualifier attribute, when the IdP sent one; Single Logout repeats it. */
  readonly spNameQualifier?: string;
  /** The user's address (domain lower-cased); absent only with `email: { from: 'none' }`. */
  readonly email?: string;
  /** The given name: the first value of `attributeNames.firstName` (the tenant's, else the preset's), else of the first well-known claim present. */
  readonly firstName?: string;
  /** The family name, found like `firstName`. */
  readonly lastName?: string;
  /** The values of the groups attribute (empty values dropped); `[]` when there is none. */
  readonly groups: readonly string[];
  /** Every attribute by Name, each with all its values in document order. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  /** The assertion's ID, which the replay cache remembers. */
  readonly assertionId: string;
  /** The AuthnStatement's SessionIndex, for Single Logout. */
  readonly sessionIndex?: string;
  /** The request this response answers; absent for IdP-initiated logins. */
  readonly inResponseTo?: string;
  /** When the IdP authenticated the user (AuthnStatement `AuthnInstant`). */
  readonly authnInstant?: Date;
  /** How the IdP authenticated the user: the AuthnStatement's `AuthnContextClassRef` (SAML core §2.7.2.2). */
  readonly authnContextClassRef?: string;
  /**
   * The authentication methods the IdP reports in its method claim (Entra ID and AD FS:
   * `http://schemas.microsoft.com/claims/authnmethodsreferences`; Okta and Keycloak: `amr`), in
   * document order; absent when it sends none.
   */
  readonly authnMethods?: readonly string[];
  /** When the assertion stops being acceptable (the earliest NotOnOrAfter that applies). */
  readonly notOnOrAfter: Date;
}

/**
 * Remembers assertion IDs so that each assertion is accepted once.
 * `remember` inserts atomically if absent and returns `false` when the ID was already there.
 */
export interface ReplayCache {
  /**
   * Records the assertion ID for the tenant until `expiresAt`, atomically: `true` when this call
   * stored it, `false` when it was already there (a replay). A rejection fails the login closed.
   */
  remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean>;
}

/**
 * **Turns off replay protection.** Pass it as `checks.replayCache` only where something else
 * guarantees that each assertion is used once, or for a diagnosis that logs nobody in: without a
 * replay cache, whoever copies a response (from a proxy log, a shared computer's history) can sign
 * in with it again until it expires.
 */
export const skipReplayCheck: unique symbol = Symbol('samlkit.skipReplayCheck');

/**
 * A clock: every `now` option of samlkit is one, so that tests and a service share one fixed time
 * (`now: () => new Date('2024-01-31T12:00:00Z')`). Default: the system clock.
 */
export type Clock = () => Date;

/** The fields of the HTTP-POST form the IdP made the browser submit to the ACS URL. */
export interface ResponseForm {
  /** The base64-encoded Response (SAML bindings §3.5.4); checked, so any value may be passed. */
  readonly SAMLResponse?: unknown;
  /** The RelayState the IdP returned, if any. */
  readonly RelayState?: unknown;
}

/** The expected values for one call of `verifyResponse`. */
export interface VerifyChecks {
  /**
   * The ID of the AuthnRequest this response must answer. Leave it out only for an IdP-initiated
   * response, which the tenant must allow (`allowIdpInitiated`).
   */
  readonly inResponseTo?: string;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
  /**
   * Rejects a second use of the same assertion (SAML profiles §4.1.4.5): a shared store when the
   * app runs on several instances. Required; leave replay protection out only with
   * {@link skipReplayCheck}.
   */
  readonly replayCache: ReplayCache | typeof skipReplayCheck;
  /** Largest decoded response accepted, in bytes. Default 262144 (256 KiB), at most 4 MiB. */
  readonly maxResponseBytes?: number;
  /**
   * The most seconds that may have passed since the user authenticated at the IdP (AuthnStatement
   * `AuthnInstant`, with the tenant's clock skew): older, or absent, is `AUTHN_TOO_OLD`. Use it with
   * `forceAuthn` for step-up. Default: not checked.
   */
  readonly maxAuthnAgeSeconds?: number;
}
