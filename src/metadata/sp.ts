/**
 * Writes our (the Service Provider's) SAML metadata for one tenant: the document an admin uploads
 * to the IdP, or the IdP fetches from a URL. Pure: no I/O.
 *
 * @module
 */
import type { Clock } from '../types.js';
import { randomBytes } from 'node:crypto';
import { DOMImplementation, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { CONTENT_ALGORITHMS, KEY_TRANSPORT } from '../crypto/xmlenc.js';
import { signEnveloped } from '../crypto/sign.js';
import { currentTime } from '../internal/time.js';
import { resolvedDraft, type Tenant, type TenantDraft } from '../tenant/define.js';
import { BINDINGS, NAMEID_FORMAT, NS } from '../xml/namespaces.js';

const MD = NS.metadata;
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const DAY_MS = 86_400_000;

/** The organisation responsible for the SP (SAML metadata §2.3.2.1 `md:Organization`). */
export interface SpOrganization {
  /** The legal name (`OrganizationName`). */
  readonly name: string;
  /** The name shown to users (`OrganizationDisplayName`). Default: `name`. */
  readonly displayName?: string;
  /** An absolute http(s) URL with information about the organisation (`OrganizationURL`). */
  readonly url: string;
  /** The language of the three values (`xml:lang`). Default `'en'`. */
  readonly lang?: string;
}

/** A contact for the SP (SAML metadata §2.3.2.2 `md:ContactPerson`). */
export interface SpContact {
  /** The contact's role (`contactType`). */
  readonly type: 'technical' | 'support' | 'administrative' | 'billing' | 'other';
  /** An email address; written as a `mailto:` URI (`EmailAddress`). */
  readonly email: string;
  /** A name for the contact, e.g. `'Security team'` (`GivenName`). */
  readonly givenName?: string;
}

/** The options of {@link buildSpMetadata} other than the expiry; see {@link SpMetadataOptions}. */
export interface SpMetadataCommonOptions {
  /**
   * Sign the EntityDescriptor with the tenant's `sp.signing` key (an enveloped XML signature,
   * SAML metadata §3.1). Default `false`. Most IdPs accept signed and unsigned metadata alike;
   * give signed metadata a `validUntil` or `validDays` so that an old copy stops being accepted.
   */
  readonly sign?: boolean;
  /**
   * The NameID formats to ask the IdP for, most preferred first (`md:NameIDFormat`).
   * Default `['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress']`; `[]` publishes none.
   */
  readonly nameIdFormats?: readonly string[];
  /**
   * Publish the `use="encryption"` KeyDescriptors of the tenant's `sp.decryption` keys. Default:
   * `true`, so that a tenant with decryption keys advertises them (and with them invites the IdP to
   * encrypt); a tenant without any publishes none. `false` leaves them out even when the tenant has
   * decryption keys, e.g. to configure the IdP's encryption by hand.
   *
   * Before samlkit decrypted, `true` published the *signing* certificates for encryption. It no
   * longer does: samlkit decrypts only with `sp.decryption`, so only those certificates are
   * published, and `true` without them publishes none.
   */
  readonly includeEncryptionKeys?: boolean;
  /**
   * Our Single Logout URL (`md:SingleLogoutService`), published for the HTTP-Redirect and the
   * HTTP-POST binding. Default: the tenant's `sp.sloUrl`.
   */
  readonly sloUrl?: string;
  /** Published as `md:Organization`. */
  readonly organization?: SpOrganization;
  /** Published as `md:ContactPerson`, in this order. */
  readonly contacts?: readonly SpContact[];
  /** The current time, which `validDays` counts from. Default: the system clock. */
  readonly now?: Clock;
}

/**
 * Options of {@link buildSpMetadata}. The metadata's expiry is given either as a time
 * (`validUntil`) or as a number of days from `now` (`validDays`), not both; without either, the
 * document carries no `validUntil`.
 *
 * @example
 * ```ts
 * const options: SpMetadataOptions = {
 *   sign: true,
 *   validDays: 7,
 *   sloUrl: 'https://app.example.com/saml/acme/slo',
 *   organization: { name: 'Example Ltd', url: 'https://example.com/' },
 *   contacts: [{ type: 'technical', email: 'sso@example.com' }],
 * };
 * ```
 */
export type SpMetadataOptions = SpMetadataCommonOptions &
  (
    | {
        /** When the metadata expires (`validUntil`, SAML metadata §2.3.2); must be after `now`. */
        readonly validUntil?: Date;
        /** Give `validUntil` or `validDays`, not both. */
        readonly validDays?: never;
      }
    | {
        /** The metadata expires this many whole days after `now`. */
        readonly validDays?: number;
        /** Give `validUntil` or `validDays`, not both. */
        readonly validUntil?: never;
      }
  );

/**
 * Builds the SP metadata of one tenant (SAML metadata §2.3.2 `md:EntityDescriptor`, §2.4.4
 * `md:SPSSODescriptor`), for an admin to upload to the IdP or for the IdP to fetch.
 *
 * The document holds:
 * - `entityID` = `sp.entityId`, a fresh `ID`, and `validUntil` when asked for;
 * - `AuthnRequestsSigned="true"` when the tenant has `sp.signing` (samlkit then signs every
 *   AuthnRequest), else `"false"`;
 * - `WantAssertionsSigned="true"`, whatever the tenant's signing policy: a signed assertion
 *   satisfies every policy, and the POST binding requires the assertion to be protected anyway
 *   (SAML profiles §4.1.4.5). Under the `'response'` and `'both'` policies the IdP must also sign
 *   the Response, which metadata cannot express: configure that at the IdP;
 * - a `use="signing"` KeyDescriptor for `sp.signing` and one for `sp.nextSigning`, so that during
 *   a rollover the IdP trusts the next key before samlkit signs with it;
 * - a `use="encryption"` KeyDescriptor for each `sp.decryption` certificate, in the tenant's order
 *   (the current key first: IdPs that encrypt to one key take the first), each listing as
 *   `md:EncryptionMethod` what samlkit decrypts (SAML metadata §2.4.1.1), preferred first:
 *   AES-256/192/128-GCM, then AES-256/192/128-CBC only when the tenant sets `allowAesCbc`, then
 *   RSA-OAEP (`xmlenc11#rsa-oaep`, `xmlenc#rsa-oaep-mgf1p`) for the key. `includeEncryptionKeys:
 *   false` leaves them out;
 * - `SingleLogoutService` (HTTP-Redirect and HTTP-POST) when `sloUrl` or the tenant's `sp.sloUrl` is given, the NameID formats, and one
 *   `AssertionConsumerService` (HTTP-POST, index 0, default) at `sp.acsUrl`;
 * - `md:Organization` and `md:ContactPerson` when given.
 *
 * Every value is written through the DOM, so `&`, `<` and quotes are escaped. With `sign: true`
 * the EntityDescriptor carries an enveloped RSA-SHA256 signature by `sp.signing` with its
 * certificate in KeyInfo (XML-DSig §6.6.4, the profile `verifyEnvelopedSignature` accepts).
 *
 * @throws TypeError when the tenant configuration is invalid, `sign` is set without
 *   `sp.signing`, or an option is malformed (a URL that is not absolute http(s), an expiry not in
 *   the future, a control character in any value).
 *
 * @example
 * ```ts
 * app.get('/saml/:tenant/metadata', async (req, res) => {
 *   const tenant = await tenants.get(req.params.tenant);
 *   res.type('application/samlmetadata+xml').send(
 *     buildSpMetadata(tenant, {
 *       sign: true,
 *       validDays: 7,
 *       contacts: [{ type: 'technical', email: 'sso@example.com' }],
 *     }),
 *   );
 * });
 * ```
 */
export function buildSpMetadata(tenant: TenantDraft | Tenant, options: SpMetadataOptions = {}): string {
  // A draft will do: admins need our metadata before they have the IdP's values.
  const resolved = resolvedDraft(tenant);
  const config = resolved.config;
  const signer = resolved.spSigning;
  if (options.sign === true && signer === undefined) {
    throw new TypeError(`options.sign needs a signing key, but tenant ${config.id} has no sp.signing`);
  }
  const validUntil = expiry(options);
  const nameIdFormats = options.nameIdFormats ?? [NAMEID_FORMAT.emailAddress];
  if (!Array.isArray(nameIdFormats)) throw new TypeError('options.nameIdFormats must be an array');

  const document = new DOMImplementation().createDocument(MD, 'md:EntityDescriptor', null);
  const root = document.documentElement;
  if (root === null) throw new Error('unreachable: the document has its root');
  const add = builder(document);

  root.setAttributeNS(NS.xmlns, 'xmlns:md', MD);
  root.setAttributeNS(NS.xmlns, 'xmlns:ds', NS.dsig);
  root.setAttribute('entityID', checked(config.sp.entityId, 'sp.entityId'));
  root.setAttribute('ID', `_${randomBytes(20).toString('hex')}`);
  if (validUntil !== undefined) root.setAttribute('validUntil', dateTime(validUntil));

  const sp = add(root, 'SPSSODescriptor', {
    protocolSupportEnumeration: NS.protocol,
    AuthnRequestsSigned: String(signer !== undefined),
    WantAssertionsSigned: 'true',
  });
  const signingCertificates = [
    ...new Set([resolved.spSigning, resolved.spNextSigning].map((key) => key?.certificateBase64)),
  ].filter((certificate) => certificate !== undefined);
  const keyDescriptor = (use: 'signing' | 'encryption', certificate: string): Element => {
    const descriptor = add(sp, 'KeyDescriptor', { use });
    const keyInfo = add(descriptor, 'ds:KeyInfo');
    add(add(keyInfo, 'ds:X509Data'), 'ds:X509Certificate', {}, certificate);
    return descriptor;
  };
  for (const certificate of signingCertificates) keyDescriptor('signing', certificate);
  if (options.includeEncryptionKeys !== false) {
    const accepted = [
      ...[...CONTENT_ALGORITHMS].filter(([, { mode }]) => mode === 'gcm' || resolved.allowAesCbc),
    ].map(([algorithm]) => algorithm);
    for (const key of resolved.decryptionKeys) {
      const descriptor = keyDescriptor('encryption', key.certificateBase64);
      for (const algorithm of [...accepted, KEY_TRANSPORT.rsaOaep, KEY_TRANSPORT.rsaOaepMgf1p]) {
        add(descriptor, 'EncryptionMethod', { Algorithm: algorithm });
      }
    }
  }
  // SAML metadata §2.4.2: one endpoint per binding samlkit receives logout messages with.
  const sloUrl = options.sloUrl ?? config.sp.sloUrl;
  if (sloUrl !== undefined) {
    const location = httpUrl(sloUrl, options.sloUrl === undefined ? 'sp.sloUrl' : 'options.sloUrl');
    for (const binding of [BINDINGS.redirect, BINDINGS.post]) {
      add(sp, 'SingleLogoutService', { Binding: binding, Location: location });
    }
  }
  nameIdFormats.forEach((format: unknown, index) => {
    add(sp, 'NameIDFormat', {}, uri(format, `options.nameIdFormats[${index}]`));
  });
  add(sp, 'AssertionConsumerService', {
    Binding: BINDINGS.post,
    Location: checked(config.sp.acsUrl, 'sp.acsUrl'),
    index: '0',
    isDefault: 'true',
  });

  if (options.organization !== undefined) addOrganization(root, options.organization, add);
  if (options.contacts !== undefined) {
    if (!Array.isArray(options.contacts)) throw new TypeError('options.contacts must be an array');
    options.contacts.forEach((contact: SpContact, index) => {
      addContact(root, contact, `options.contacts[${index}]`, add);
    });
  }

  if (options.sign === true && signer !== undefined) signEnveloped(root, signer);
  return `${XML_DECLARATION}\n${new XMLSerializer().serializeToString(document, { requireWellFormed: true })}`;
}

/** Appends an `md:` (or, for a prefixed name such as `ds:KeyInfo`, dsig) child and returns it. */
type Add = (parent: Element, name: string, attributes?: Record<string, string>, text?: string) => Element;

function builder(document: Document): Add {
  return (parent, name, attributes = {}, text) => {
    const element = name.startsWith('ds:')
      ? document.createElementNS(NS.dsig, name)
      : document.createElementNS(MD, `md:${name}`);
    for (const [attribute, value] of Object.entries(attributes)) element.setAttribute(attribute, value);
    if (text !== undefined) element.appendChild(document.createTextNode(text));
    parent.appendChild(element);
    return element;
  };
}

function addOrganization(root: Element, organization: SpOrganization, add: Add): void {
  const path = 'options.organization';
  const lang = organization.lang ?? 'en';
  if (typeof lang !== 'string' || !/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(lang)) {
    throw new TypeError(`${path}.lang must be a language tag such as 'en' or 'de-CH'`);
  }
  const name = text(organization.name, `${path}.name`);
  const element = add(root, 'Organization');
  const localized = (child: string, value: string): void => {
    add(element, child, {}, value).setAttributeNS(NS.xml, 'xml:lang', lang);
  };
  localized('OrganizationName', name);
  localized(
    'OrganizationDisplayName',
    organization.displayName === undefined ? name : text(organization.displayName, `${path}.displayName`),
  );
  localized('OrganizationURL', httpUrl(organization.url, `${path}.url`));
}

const CONTACT_TYPES: readonly string[] = ['technical', 'support', 'administrative', 'billing', 'other'];

function addContact(root: Element, contact: SpContact, path: string, add: Add): void {
  if (!CONTACT_TYPES.includes(contact.type)) {
    throw new TypeError(`${path}.type must be one of ${CONTACT_TYPES.join(', ')}`);
  }
  const email = typeof contact.email === 'string' ? contact.email.replace(/^mailto:/i, '') : '';
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new TypeError(`${path}.email must be an email address`);
  }
  const element = add(root, 'ContactPerson', { contactType: contact.type });
  if (contact.givenName !== undefined)
    add(element, 'GivenName', {}, text(contact.givenName, `${path}.givenName`));
  add(element, 'EmailAddress', {}, `mailto:${checked(email, `${path}.email`)}`);
}

/** The metadata's expiry, from `validUntil` or `validDays`, or `undefined` for none. */
function expiry(options: SpMetadataOptions): Date | undefined {
  // The type forbids giving both; JavaScript callers are checked here.
  const { validUntil, validDays, now } = options as SpMetadataCommonOptions & {
    readonly validUntil?: Date;
    readonly validDays?: number;
  };
  if (validUntil !== undefined && validDays !== undefined) {
    throw new TypeError('give options.validUntil or options.validDays, not both');
  }
  const time = currentTime(now, 'options.now').getTime();
  if (validDays !== undefined) {
    if (!Number.isInteger(validDays) || validDays < 1) {
      throw new TypeError('options.validDays must be a whole number of days, at least 1');
    }
    return new Date(time + validDays * DAY_MS);
  }
  if (validUntil === undefined) return undefined;
  if (!isValidDate(validUntil)) throw new TypeError('options.validUntil must be a valid Date');
  if (validUntil.getTime() <= time) {
    throw new TypeError('options.validUntil must be in the future');
  }
  return validUntil;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** xs:dateTime in UTC, to the second (SAML core §1.3.3). */
function dateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// XML 1.0 §2.2 excludes most C0 controls, lone surrogates, U+FFFE and U+FFFF. Tab, CR and LF are
// refused too: no published value needs them, and a parser would normalise them away.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F\uD800-\uDFFF\uFFFE\uFFFF]/u;

/** `value` when it can be written to XML and read back unchanged; a TypeError naming `path` otherwise. */
function checked(value: string, path: string): string {
  if (CONTROL.test(value)) throw new TypeError(`${path} contains a control character`);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${path} must be a non-empty string`);
  }
  return checked(value, path);
}

function uri(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '' || /\s/.test(value)) {
    throw new TypeError(`${path} must be a URI`);
  }
  return checked(value, path);
}

function httpUrl(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^https?:\/\/[^\s/]+\S*$/.test(value) || !URL.canParse(value)) {
    throw new TypeError(`${path} must be an absolute http(s) URL`);
  }
  return checked(value, path);
}
