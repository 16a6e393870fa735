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
  | { readonly from: 'nameId'; readonly format?: 'emailAddress' | 'any' }
  | { readonly from: 'attribute'; readonly name?: string }
  | { readonly from: 'none' };

/** The identity providers samlkit knows the claim names and console fields of. */
export type IdpPresetName =
  'azure' | 'okta' | 'google' | 'onelogin' | 'ping' | 'adfs' | 'keycloak' | 'generic';

/** Maps IdP groups to the app's roles (exact, case-sensitive group names). */
export interface RoleMapping {
  /** Each rule grants `role` to members of `group`. */
  readonly rules: readonly { readonly group: string; readonly role: string }[];
  /** The role of a user no rule matches. Without it, such a user has no role. */
  readonly defaultRole?: string;
}

/**
 * Names of the attributes that fill the convenience fields of {@link SamlProfile}. Each one
 * overrides the tenant's preset; without either, the first well-known name present is used.
 */
export interface AttributeNames {
  /** The attribute `email: { from: 'attribute' }` reads when it names none. */
  readonly email?: string;
  /** Attribute whose values are the user's groups. */
  readonly groups?: string;
  readonly firstName?: string;
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
}

/** IdP endpoints by SAML binding (SAML bindings §3.4, §3.5). */
export interface BindingUrls {
  readonly redirect?: string;
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
}

/**
 * One customer organisation's SAML configuration. Plain data: store it as JSON. Validate it once
 * with `defineTenant`, which reports every problem at once and parses the certificates.
 */
export interface TenantConfig {
  /** Your identifier for the tenant; used for replay-cache isolation and in errors. */
  readonly id: string;
  readonly sp: ServiceProviderConfig;
  readonly idp: IdentityProviderConfig;
  /**
   * When set, the user's email must be in one of these domains (exact match, case-insensitive;
   * subdomains are not included unless listed).
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
   * **Weakens security.** Accept IdP certificates with 1024-bit RSA keys. Default `false`. Only for
   * legacy IdPs that cannot rotate to a 2048-bit key.
   */
  readonly allowRsa1024?: boolean;
  /**
   * **Weakens security.** Accept plain-http ACS and SSO URLs on hosts other than localhost (a
   * development tunnel). Default `false`: over http, the response can be read and replayed.
   */
  readonly allowHttp?: boolean;
  /** Tolerance for clock differences with the IdP, in seconds. Default 120, at most 300. */
  readonly clockSkewSeconds?: number;
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
   * Members (users with an address in `emailDomains`) must sign in with SSO: password login is off
   * for them, except for `breakGlassEmails`. Default `false`.
   */
  readonly requireSso?: boolean;
  /** Addresses that keep password login under `requireSso`: the admin's way back in when the IdP fails. */
  readonly breakGlassEmails?: readonly string[];
  /** Group → role rules applied by `finishLogin` (and `mapRoles`). */
  readonly roles?: RoleMapping;
  /**
   * Secrets sealed by `sealTenantSecrets` while the configuration sits in a store. Written and
   * read by that wrapper only; leave it alone.
   */
  readonly sealed?: Readonly<Record<string, string>>;
}

/** The identity a verified Response asserts. Every field was read from signed content. */
export interface SamlProfile {
  readonly tenantId: string;
  /** The assertion's Issuer (equal to the tenant's IdP entity ID). */
  readonly issuer: string;
  readonly nameId: string;
  /** The NameID Format; `…:unspecified` when the IdP sent none (SAML core §8.3.1). */
  readonly nameIdFormat: string;
  /** The user's address (domain lower-cased); absent only with `email: { from: 'none' }`. */
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly groups: readonly string[];
  /** Every attribute by Name, each with all its values in document order. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly assertionId: string;
  readonly sessionIndex?: string;
  /** The request this response answers; absent for IdP-initiated logins. */
  readonly inResponseTo?: string;
  readonly authnInstant?: Date;
  /** When the assertion stops being acceptable (the earliest NotOnOrAfter that applies). */
  readonly notOnOrAfter: Date;
}

/**
 * Remembers assertion IDs so that each assertion is accepted once.
 * `remember` inserts atomically if absent and returns `false` when the ID was already there.
 */
export interface ReplayCache {
  remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean>;
}

/** The fields of the HTTP-POST form the IdP made the browser submit to the ACS URL. */
export interface ResponseForm {
  readonly SAMLResponse?: unknown;
  readonly RelayState?: unknown;
}

/** The expected values for one call of `verifyResponse`. */
export interface VerifyChecks {
  /**
   * The ID of the AuthnRequest this response must answer. Leave it out only for an IdP-initiated
   * response, which the tenant must allow (`allowIdpInitiated`).
   */
  readonly inResponseTo?: string;
  /** The current time. Default: the system clock. */
  readonly now?: Date;
  /** Rejects a second use of the same assertion. Strongly recommended. */
  readonly replayCache?: ReplayCache;
  /** Largest decoded response accepted, in bytes. Default 262144 (256 KiB), at most 4 MiB. */
  readonly maxResponseBytes?: number;
}
