/**
 * Reads an identity provider's SAML metadata into the values a tenant needs. Pure: no I/O (the
 * opt-in `fetchIdpMetadata` helper downloads it).
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { parseCertificate, type TrustedKey } from '../crypto/keys.js';
import { signatureOf, verifyEnvelopedSignature } from '../crypto/signature.js';
import { SamlError, type SamlErrorCode, type SamlErrorDetails } from '../errors.js';
import { fail } from '../internal/fail.js';
import { currentTime, parseSamlTime } from '../internal/time.js';
import type { BindingUrls, Clock } from '../types.js';
import { attributeOf, childrenNamed, elementChildren, isElement, textOf } from '../xml/dom.js';
import { BINDINGS, NS } from '../xml/namespaces.js';
import { parseXml, type ParsedXml } from '../xml/parse.js';
import { METADATA_TOKEN_LIMITS } from '../xml/prescan.js';

const METADATA_INVALID: SamlErrorCode = 'METADATA_INVALID';

const MD = NS.metadata;

/** Largest metadata document {@link parseIdpMetadata} accepts by default: 1 MiB. */
export const DEFAULT_MAX_METADATA_BYTES = 1024 * 1024;
/** Upper bound for `maxBytes`: 16 MiB (the parser's tree caps stop far smaller documents anyway). */
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;

/** A signing certificate published in the IdP's metadata. */
export interface IdpSigningCertificate {
  /** The certificate as PEM, ready for `TenantConfig.idp.certificates`. */
  readonly pem: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as IdP consoles show it). */
  readonly fingerprint: string;
  /** When the certificate expires: show it to the admin, who must roll it over before then. */
  readonly notAfter: Date;
}

/** Options of {@link parseIdpMetadata}. */
export interface ParseIdpMetadataOptions {
  /** The entity to read; required when the document describes several IdPs. */
  readonly entityId?: string;
  /**
   * Certificates (PEM or base64 DER) of which one must have signed the metadata. When given, the
   * EntityDescriptor or an enclosing EntitiesDescriptor must carry a valid enveloped signature.
   */
  readonly trustedCertificates?: readonly string[];
  /** The current time, for `validUntil`. Default: the system clock. */
  readonly now?: Clock;
  /** Largest document accepted, in UTF-8 bytes. Default 1048576 (1 MiB), at most 16 MiB. */
  readonly maxBytes?: number;
}

/** What an IdP's metadata says, ready to configure a tenant with. */
export interface IdpMetadata {
  /** The IdP's entity ID (`entityID` of its `EntityDescriptor`), the Issuer of its responses. */
  readonly entityId: string;
  /** SingleSignOnService locations by binding. */
  readonly ssoUrls: BindingUrls;
  /** SingleLogoutService locations by binding. */
  readonly sloUrls: BindingUrls;
  /** The signing certificates (KeyDescriptors with `use="signing"` or no `use`), in document order. */
  readonly signingCertificates: readonly IdpSigningCertificate[];
  /** The NameID formats the IdP lists (`md:NameIDFormat`), in document order. */
  readonly nameIdFormats: readonly string[];
  /** The IdP requires signed AuthnRequests (`WantAuthnRequestsSigned`, metadata §2.4.3). */
  readonly wantAuthnRequestsSigned: boolean;
  /** The earliest `validUntil` of the entity, its IDPSSODescriptor and enclosing EntitiesDescriptors. */
  readonly validUntil?: Date;
  /** The shortest `cacheDuration` that applies, in milliseconds (a month counts 30 days, a year 365). */
  readonly cacheDurationMs?: number;
  /** True when a signature was verified against `trustedCertificates`; false when none were given. */
  readonly signatureVerified: boolean;
  /** Ready to put into `TenantConfig.idp` (ssoUrl: the Redirect endpoint if offered, else POST). */
  readonly idp: {
    /** See {@link IdentityProviderConfig.entityId}. */
    readonly entityId: string;
    /** The signing certificates as PEM; see {@link IdentityProviderConfig.certificates}. */
    readonly certificates: readonly string[];
    /** See {@link IdentityProviderConfig.ssoUrl}. */
    readonly ssoUrl?: string;
    /** See {@link IdentityProviderConfig.ssoUrls}. */
    readonly ssoUrls?: BindingUrls;
    /** See {@link IdentityProviderConfig.wantAuthnRequestsSigned}. */
    readonly wantAuthnRequestsSigned: boolean;
    /** See {@link IdentityProviderConfig.sloUrls}; present when the IdP offers Single Logout. */
    readonly sloUrls?: BindingUrls;
  };
}

/**
 * Reads SAML 2.0 metadata (saml-metadata-2.0-os §2.3–2.4.3): picks the entity (by `entityId`, or
 * the only one with a SAML 2.0 `IDPSSODescriptor`), and returns its SSO and SLO endpoints for the
 * HTTP-Redirect and HTTP-POST bindings, its signing certificates (KeyDescriptors with
 * `use="signing"` or no `use`), NameID formats and `WantAuthnRequestsSigned`.
 *
 * The document is capped in size and parsed strictly (no DOCTYPE). Metadata whose `validUntil` has
 * passed is refused. **Without `trustedCertificates` no signature is checked**: the document must
 * then come over an authenticated channel (uploaded by the tenant's admin, or fetched over HTTPS
 * from the IdP). With `trustedCertificates`, an unsigned document or one signed by another key is
 * refused. Throws a {@link SamlError} for bad metadata, a `TypeError` for bad options.
 *
 * @example
 * ```ts
 * const metadata = parseIdpMetadata(uploadedXml);
 * const tenant = defineTenant({ id: 'acme', sp, idp: metadata.idp });
 * ```
 */
export function parseIdpMetadata(xml: string, options: ParseIdpMetadataOptions = {}): IdpMetadata {
  const { maxBytes, now, keys } = resolveParseOptions(options);
  if (typeof xml !== 'string') throw new TypeError('xml must be the metadata document as a string');
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) {
    fail('SIZE_LIMIT', `The metadata is larger than ${maxBytes} bytes`, {
      hint: 'The metadata of one IdP is a few kilobytes; this looks like a federation-wide aggregate. Use the metadata of your application in the IdP, or pass a larger maxBytes.',
    });
  }
  const parsed = parseMetadataXml(xml);
  const { entityId, entity, path } = selectEntity(parsed.root, options.entityId);
  const role = idpDescriptor(entity, entityId);
  const signatureVerified = keys !== undefined && verifySignatures(path, parsed, keys);

  const scopes = [...path, role];
  const validUntil = earliest(scopes.map((el) => attributeOf(el, 'validUntil')));
  if (validUntil !== undefined && now.getTime() >= validUntil.getTime()) {
    invalid(`The metadata of ${entityId} expired at ${validUntil.toISOString()} (validUntil)`, {
      hint: `This copy of the metadata is out of date. ${downloadHint}`,
      received: now.toISOString(),
    });
  }
  const durations = scopes.flatMap((el) => durationMs(attributeOf(el, 'cacheDuration')) ?? []);
  const signingCertificates = signingCertificatesOf(role, entityId);
  const ssoUrls = endpoints(role, 'SingleSignOnService');
  const wantAuthnRequestsSigned = booleanOf(role, 'WantAuthnRequestsSigned');
  const ssoUrl = ssoUrls.redirect ?? ssoUrls.post;
  const sloUrls = endpoints(role, 'SingleLogoutService');
  return {
    entityId,
    ssoUrls,
    sloUrls,
    signingCertificates,
    nameIdFormats: [
      ...new Set(childrenNamed(role, MD, 'NameIDFormat').map((el) => textOf(el).trim())),
    ].filter((format) => format !== ''),
    wantAuthnRequestsSigned,
    ...(validUntil !== undefined && { validUntil }),
    ...(durations.length > 0 && { cacheDurationMs: Math.min(...durations) }),
    signatureVerified,
    idp: {
      entityId,
      certificates: signingCertificates.map((certificate) => certificate.pem),
      ...(ssoUrl !== undefined && { ssoUrl, ssoUrls }),
      wantAuthnRequestsSigned,
      ...((sloUrls.redirect ?? sloUrls.post) !== undefined && { sloUrls }),
    },
  };
}

/**
 * Validates the options (argument mistakes are `TypeError`s). Shared with `fetchIdpMetadata`.
 *
 * @internal
 */
export function resolveParseOptions(options: ParseIdpMetadataOptions): {
  maxBytes: number;
  now: Date;
  keys: TrustedKey[] | undefined;
} {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_METADATA_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_METADATA_BYTES) {
    throw new TypeError(`options.maxBytes must be a whole number from 1 to ${MAX_METADATA_BYTES}`);
  }
  if (options.entityId !== undefined && (typeof options.entityId !== 'string' || options.entityId === '')) {
    throw new TypeError('options.entityId must be a non-empty string');
  }
  const trusted: unknown = options.trustedCertificates;
  if (trusted !== undefined && (!Array.isArray(trusted) || trusted.length === 0)) {
    throw new TypeError('options.trustedCertificates must list at least one certificate, or be left out');
  }
  const keys = (trusted as unknown[] | undefined)?.map((pem, index) => {
    const key = typeof pem === 'string' ? parseCertificate(pem, { allowRsa1024: false }) : 'must be a string';
    if (typeof key === 'string') throw new TypeError(`options.trustedCertificates[${index}] ${key}`);
    return key;
  });
  return { maxBytes, now: currentTime(options.now, 'options.now'), keys };
}

const downloadHint =
  'Download the metadata again from the IdP (Entra ID: Enterprise applications > your application > Single sign-on > SAML Certificates > Federation Metadata XML; Okta: Applications > your application > Sign On > Metadata URL; Google Workspace: Admin console > Apps > Web and mobile apps > your app > Download metadata).';

const HTML_PAGE = 'The metadata is an HTML page (a sign-in or download page), not the XML metadata document';

/**
 * Parses the document with the hardened parser, and says what went wrong in terms of metadata:
 * an admin pastes a URL, uploads a login page or a truncated file far more often than an IdP sends
 * broken XML, and the parser's own hint speaks of responses posted to an ACS URL.
 */
function parseMetadataXml(xml: string): ParsedXml {
  const text = xml.trim();
  if (text === '') invalid('The metadata is empty');
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(text)) {
    invalid('The metadata given is a URL, not the metadata document', {
      hint: 'Download the document first: fetchIdpMetadata(url) from samlkit/fetch, or "samlkit metadata idp <url>", or paste the XML the URL returns.',
    });
  }
  // Web pages start with a DOCTYPE, which the parser refuses as such (DTD_FORBIDDEN): say what it is.
  if (/^(?:<\?xml[^>]*>\s*)?<!doctype\s+html/i.test(text)) invalid(HTML_PAGE);
  let parsed: ParsedXml;
  try {
    parsed = parseXml(xml, METADATA_TOKEN_LIMITS);
  } catch (error) {
    if (!(error instanceof SamlError) || error.code !== 'MALFORMED_XML') throw error;
    throw new SamlError(error.code, error.message.replace(/^The document/, 'The metadata'), {
      hint: `The metadata is not a complete XML document: upload the whole file, not a part of it or a web page. ${downloadHint}`,
    });
  }
  if ((parsed.root.localName ?? '').toLowerCase() === 'html') {
    invalid(HTML_PAGE);
  }
  return parsed;
}

function invalid(message: string, details: Partial<SamlErrorDetails> = {}): never {
  fail(METADATA_INVALID, message, { hint: downloadHint, ...details });
}

/** The chosen entity, with the EntitiesDescriptors around it (outermost first, entity last). */
function selectEntity(root: Element, wanted: string | undefined): Entity & { entityId: string } {
  const name = `{${root.namespaceURI ?? ''}}${root.localName ?? ''}`;
  const single = isElement(root, MD, 'EntityDescriptor');
  if (!single && !isElement(root, MD, 'EntitiesDescriptor')) {
    invalid(`Expected SAML 2.0 metadata (md:EntityDescriptor), got ${name}`, { received: name });
  }
  const all = (single ? [{ entity: root, path: [root] }] : entitiesIn(root, [root])).map(
    ({ entity, path }) => {
      const entityId = attributeOf(entity, 'entityID') ?? '';
      if (entityId === '') invalid('An EntityDescriptor has no entityID');
      return { entityId, entity, path, isIdp: saml2IdpDescriptors(entity).length > 0 };
    },
  );
  const idps = all.filter((entity) => entity.isIdp);
  const chosen = wanted === undefined ? idps : all.filter((entity) => entity.entityId === wanted);
  const [only, ...more] = chosen;
  if (only !== undefined && more.length === 0) return only;

  const listed = (idps.length > 0 ? idps : all).map((entity) => entity.entityId);
  const names =
    listed.slice(0, 20).join(', ') + (listed.length > 20 ? ` and ${listed.length - 20} more` : '');
  const notIdp = `Use the metadata of the identity provider, not of a service provider. ${downloadHint}`;
  const [message, hint] =
    only === undefined
      ? wanted === undefined
        ? [`The metadata describes no SAML 2.0 identity provider (entities: ${names})`, notIdp]
        : [
            `The metadata has no entity ${wanted} (${idps.length > 0 ? 'IdPs' : 'entities'}: ${names})`,
            notIdp,
          ]
      : wanted === undefined
        ? [
            `The metadata describes ${chosen.length} identity providers: ${names}`,
            `Pass the entity ID of this tenant's IdP as options.entityId (one of ${names}).`,
          ]
        : [`The metadata describes the entity ${wanted} ${chosen.length} times`, downloadHint];
  invalid(message, {
    hint,
    expected: listed.slice(0, 20),
    ...(wanted !== undefined && { received: wanted }),
  });
}

interface Entity {
  readonly entity: Element;
  /** The EntitiesDescriptors around the entity, outermost first, then the entity itself. */
  readonly path: readonly Element[];
}

/** EntityDescriptors are direct children of EntitiesDescriptors, never looked up inside Extensions. */
function entitiesIn(group: Element, path: readonly Element[]): Entity[] {
  return elementChildren(group).flatMap((child) =>
    isElement(child, MD, 'EntityDescriptor')
      ? [{ entity: child, path: [...path, child] }]
      : isElement(child, MD, 'EntitiesDescriptor')
        ? entitiesIn(child, [...path, child])
        : [],
  );
}

function saml2IdpDescriptors(entity: Element): Element[] {
  return childrenNamed(entity, MD, 'IDPSSODescriptor').filter((role) =>
    (attributeOf(role, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(NS.protocol),
  );
}

function idpDescriptor(entity: Element, entityId: string): Element {
  const [role, ...more] = saml2IdpDescriptors(entity);
  if (role === undefined) {
    invalid(`The entity ${entityId} has no SAML 2.0 IDPSSODescriptor`, {
      hint: `This entity is not a SAML 2.0 identity provider (a service provider, or WS-Federation only). ${downloadHint}`,
      received: entityId,
    });
  }
  if (more.length > 0) invalid(`The entity ${entityId} has several SAML 2.0 IDPSSODescriptors`);
  return role;
}

/** Verifies every enveloped signature on the entity and its enclosing EntitiesDescriptors. */
function verifySignatures(path: readonly Element[], parsed: ParsedXml, keys: readonly TrustedKey[]): true {
  const signed = path.flatMap((element) => {
    const signature = signatureOf(element, '');
    return signature === undefined ? [] : [{ element, signature }];
  });
  if (signed.length === 0) {
    fail('SIGNATURE_MISSING', 'The metadata is not signed, but trustedCertificates requires a signature', {
      hint: `Use the signed metadata the IdP publishes (Entra ID's Federation Metadata XML is signed), or leave trustedCertificates out when the metadata comes over a channel you trust. ${downloadHint}`,
    });
  }
  for (const { element, signature } of signed) {
    try {
      verifyEnvelopedSignature(element, signature, parsed.ids, { keys, allowSha1: false, tenantId: '' });
    } catch (error) {
      if (!(error instanceof SamlError)) throw error;
      const [message, hint] =
        error.code === 'KEY_UNTRUSTED'
          ? [
              'The metadata is signed by a certificate that is not in trustedCertificates',
              `The metadata is signed by ${error.received ?? 'another certificate'}. If the IdP rolled over its metadata signing certificate, get the new one from the IdP's console (not from the metadata) and add it to trustedCertificates.`,
            ]
          : error.code === 'SIGNATURE_INVALID'
            ? [
                'The metadata signature does not verify with any trusted certificate, or the metadata was changed after signing',
                `The metadata was changed after it was signed (an editor or proxy may have reformatted it), or trustedCertificates lacks the signing certificate. ${downloadHint}`,
              ]
            : [`Metadata signature: ${error.message}`, error.hint];
      throw new SamlError(error.code, message, {
        hint,
        ...(error.expected !== undefined && { expected: error.expected }),
        ...(error.received !== undefined && { received: error.received }),
        cause: error,
      });
    }
  }
  return true;
}

/** KeyDescriptors with use="signing" or no use (saml-metadata §2.4.1.1), deduplicated. */
function signingCertificatesOf(role: Element, entityId: string): IdpSigningCertificate[] {
  const byFingerprint = new Map<string, IdpSigningCertificate>();
  for (const descriptor of childrenNamed(role, MD, 'KeyDescriptor')) {
    const use = attributeOf(descriptor, 'use');
    if (use !== undefined && use !== 'signing') continue;
    const texts = childrenNamed(descriptor, NS.dsig, 'KeyInfo')
      .flatMap((keyInfo) => childrenNamed(keyInfo, NS.dsig, 'X509Data'))
      .flatMap((data) => childrenNamed(data, NS.dsig, 'X509Certificate'))
      .map((el) => textOf(el).replace(/\s+/g, ''));
    // A chain: trusting its CA certificates would let their holders sign for this IdP.
    if (texts.length > 1) {
      invalid(`A KeyDescriptor of ${entityId} holds ${texts.length} certificates`, {
        hint: 'samlkit cannot tell which one signs. Configure the IdP signing certificate by hand, from the IdP console.',
      });
    }
    const [base64] = texts;
    if (base64 === undefined) continue; // a KeyName or KeyValue only: nothing to pin
    const certificate = x509(base64);
    if (certificate === undefined)
      invalid(`A signing certificate of ${entityId} is not a valid X.509 certificate`);
    const fingerprint = certificate.fingerprint256;
    byFingerprint.set(fingerprint, {
      pem: certificate.toString(),
      fingerprint,
      notAfter: new Date(certificate.validTo),
    });
  }
  if (byFingerprint.size === 0) {
    invalid(`The metadata of ${entityId} has no signing certificate`, {
      hint: `The IDPSSODescriptor must carry a KeyDescriptor with an X509Certificate. ${downloadHint}`,
    });
  }
  return [...byFingerprint.values()];
}

function x509(base64: string): X509Certificate | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  try {
    return new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}

/** The first Location per binding (saml-metadata §2.2.2); other bindings are ignored. */
function endpoints(role: Element, name: string): BindingUrls {
  const out: { redirect?: string; post?: string } = {};
  for (const service of childrenNamed(role, MD, name)) {
    const binding = attributeOf(service, 'Binding');
    const key = binding === BINDINGS.redirect ? 'redirect' : binding === BINDINGS.post ? 'post' : undefined;
    if (key === undefined || out[key] !== undefined) continue;
    const location = attributeOf(service, 'Location') ?? '';
    // Never hand a javascript: or relative URL to a browser redirect.
    if (!/^https?:\/\/\S+$/i.test(location) || !URL.canParse(location)) {
      invalid(`The ${name} Location is not an absolute http(s) URL`, { received: location });
    }
    out[key] = location;
  }
  return out;
}

function booleanOf(element: Element, name: string): boolean {
  const value = attributeOf(element, name)?.trim();
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value !== 'true' && value !== '1') invalid(`${name} is not a boolean`, { received: value });
  return true;
}

function earliest(values: readonly (string | undefined)[]): Date | undefined {
  const times = values.flatMap((value) => (value === undefined ? [] : [parseSamlTime(value, 'validUntil')]));
  return times.reduce<Date | undefined>((a, b) => (a === undefined || b < a ? b : a), undefined);
}

// A non-negative xs:duration (XML Schema part 2 §3.2.6).
const DURATION =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

function durationMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = DURATION.exec(value.trim());
  if (match === null) invalid('cacheDuration is not a valid xs:duration', { received: value });
  return UNIT_MS.reduce((sum, unit, index) => sum + Number(match[index + 1] ?? 0) * unit, 0);
}
