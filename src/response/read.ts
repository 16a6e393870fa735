/**
 * The one way in for a posted SAML Response: decode (size caps), parse strictly once, and read the
 * routing hints, labelled unverified. The result is handed on to verification, which parses nothing
 * again.
 *
 * @module
 */
import type { Element } from '@xmldom/xmldom';
import { parseEmail } from '../internal/email.js';
import { attributeOf, childrenNamed, firstChildNamed, textOf } from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import { parseXml, type ParsedXml } from '../xml/parse.js';
import { decodePostedResponse, DEFAULT_MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES } from './decode.js';

const PARSED: unique symbol = Symbol('samlkit.decodedResponse');

/**
 * What a posted Response says about where it belongs, read **before anything is verified**: for
 * choosing the tenant and the pending login to verify against, never for identity (SAML profiles
 * §4.1.4.2: only the verified assertion speaks for the user).
 */
export interface UnverifiedResponseHints {
  /** The Response's `InResponseTo`, or else its bearer confirmation's. */
  readonly inResponseTo?: string;
  /** The Response's Issuer, or else the assertion's. */
  readonly issuer?: string;
  /** The assertion's Audience values: which SP entity ID the IdP meant. None without a plain assertion. */
  readonly audiences: readonly string[];
  /** Domains of the email-like NameID and attribute values, lower-case. None without a plain assertion. */
  readonly emailDomains: readonly string[];
}

/** A posted Response decoded and parsed once; verify it with `verifyResponse`. */
export interface DecodedResponse {
  /** Routing hints, not verified by anything: see {@link UnverifiedResponseHints}. */
  readonly unverified: UnverifiedResponseHints;
  /** @internal The parsed document and its decoded size; only verification reads it. */
  readonly [PARSED]: { readonly parsed: ParsedXml; readonly bytes: number };
}

/** Options of {@link decodeResponse}. */
export interface DecodeResponseOptions {
  /** Largest decoded response accepted, in bytes. Default 262144 (256 KiB), at most 4 MiB. */
  readonly maxResponseBytes?: number;
}

/**
 * Decodes a posted SAML Response (HTTP-POST binding, SAML bindings §3.5.4) and parses it once, with
 * the verifier's limits, and reads the hints that say which tenant and pending login it claims to
 * belong to, **without verifying anything** (as jose's `decodeProtectedHeader` does for a JWS). Hand
 * the result to `verifyResponse`, which verifies that same parsed document.
 *
 * @param form The posted form (`SAMLResponse`): any value; a malformed one is a `SamlError`.
 * @throws SamlError `INVALID_ENCODING`, `SIZE_LIMIT`, `MALFORMED_XML`, `DTD_FORBIDDEN`, `DUPLICATE_ID`.
 *
 * @example
 * ```ts
 * const decoded = decodeResponse(req.body);
 * const tenant = await tenantForIssuer(decoded.unverified.issuer); // routing only
 * const profile = await verifyResponse(tenant, decoded, { inResponseTo, replayCache });
 * ```
 */
export function decodeResponse(form: unknown, options: DecodeResponseOptions = {}): DecodedResponse {
  const maxBytes = maxResponseBytes(options.maxResponseBytes, 'options.maxResponseBytes');
  const xml = decodePostedResponse(form, maxBytes);
  const parsed = parseXml(xml);
  return Object.freeze({
    unverified: hintsOf(parsed.root),
    [PARSED]: Object.freeze({ parsed, bytes: Buffer.byteLength(xml, 'utf8') }),
  });
}

/** Whether `value` came from {@link decodeResponse}. */
export function isDecodedResponse(value: unknown): value is DecodedResponse {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, PARSED);
}

/** The parsed document and decoded size of a {@link DecodedResponse}. */
export function parsedOf(decoded: DecodedResponse): { readonly parsed: ParsedXml; readonly bytes: number } {
  return decoded[PARSED];
}

/** A `maxResponseBytes` argument, checked; the default when absent. */
export function maxResponseBytes(value: number | undefined, parameter: string): number {
  const maxBytes = value ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_RESPONSE_BYTES) {
    throw new TypeError(`${parameter} must be a whole number from 1 to ${MAX_RESPONSE_BYTES}`);
  }
  return maxBytes;
}

function hintsOf(root: Element): UnverifiedResponseHints {
  // Some IdPs name the request and themselves only inside the assertion. Plain loops over the first
  // matches: this runs on every posted response, before anything is known about it.
  const assertion = firstChildNamed(root, NS.assertion, 'Assertion');
  const inResponseTo =
    attributeOf(root, 'InResponseTo') ?? (assertion && confirmationInResponseTo(assertion));
  const issuer =
    firstChildNamed(root, NS.assertion, 'Issuer') ??
    (assertion && firstChildNamed(assertion, NS.assertion, 'Issuer'));
  return new ResponseHints(inResponseTo, issuer && textOf(issuer).trim(), assertion);
}

/** The InResponseTo of the first SubjectConfirmationData (in Subject > SubjectConfirmation), as the IdP put it. */
function confirmationInResponseTo(assertion: Element): string | undefined {
  for (const subject of childrenNamed(assertion, NS.assertion, 'Subject')) {
    for (const confirmation of childrenNamed(subject, NS.assertion, 'SubjectConfirmation')) {
      const data = firstChildNamed(confirmation, NS.assertion, 'SubjectConfirmationData');
      if (data !== undefined) return attributeOf(data, 'InResponseTo');
    }
  }
  return undefined;
}

/**
 * The hints of one response. Audiences and email domains are read when first asked for: only an
 * unsolicited response on a shared issuer needs them. They are getters of the class, not of each
 * object: an accessor defined per object lives in its hidden class, where V8 kept the whole parsed
 * document alive past every young-generation collection (a full collection every few hundred logins,
 * ~100 µs per login; docs/performance.md, issue #14), and defining one costs microseconds per login.
 */
class ResponseHints implements UnverifiedResponseHints {
  declare readonly inResponseTo?: string;
  declare readonly issuer?: string;
  readonly #assertion: Element | undefined;
  #read: { readonly audiences: readonly string[]; readonly emailDomains: readonly string[] } | undefined;

  constructor(inResponseTo: string | undefined, issuer: string | undefined, assertion: Element | undefined) {
    // Absent, not undefined, when the response does not say.
    if (inResponseTo !== undefined) this.inResponseTo = inResponseTo;
    if (issuer !== undefined) this.issuer = issuer;
    this.#assertion = assertion;
    Object.freeze(this);
  }

  get audiences(): readonly string[] {
    return this.#lazily().audiences;
  }

  get emailDomains(): readonly string[] {
    return this.#lazily().emailDomains;
  }

  #lazily(): { readonly audiences: readonly string[]; readonly emailDomains: readonly string[] } {
    if (this.#read === undefined) {
      const { audiences, emailDomains } =
        this.#assertion === undefined
          ? { audiences: [], emailDomains: [] }
          : unsolicitedHints(this.#assertion);
      this.#read = { audiences: Object.freeze(audiences), emailDomains: Object.freeze(emailDomains) };
    }
    return this.#read;
  }
}

/**
 * Audiences and email domains of an assertion, for telling apart tenants that share an issuer
 * (SAML core §2.5.1.4, §2.3.3). Read only to narrow the candidates; the chosen tenant's
 * verification decides.
 */
function unsolicitedHints(assertion: Element): { audiences: string[]; emailDomains: string[] } {
  const audiences = childrenNamed(assertion, NS.assertion, 'Conditions')
    .flatMap((conditions) => childrenNamed(conditions, NS.assertion, 'AudienceRestriction'))
    .flatMap((restriction) => childrenNamed(restriction, NS.assertion, 'Audience'))
    .map((audience) => textOf(audience).trim());
  const values = [
    ...childrenNamed(assertion, NS.assertion, 'Subject').flatMap((subject) =>
      childrenNamed(subject, NS.assertion, 'NameID'),
    ),
    ...childrenNamed(assertion, NS.assertion, 'AttributeStatement')
      .flatMap((statement) => childrenNamed(statement, NS.assertion, 'Attribute'))
      .flatMap((attribute) => childrenNamed(attribute, NS.assertion, 'AttributeValue')),
  ];
  const emailDomains = new Set<string>();
  for (const value of values.slice(0, 200)) {
    const domain = parseEmail(textOf(value).trim())?.domain;
    if (domain !== undefined) emailDomains.add(domain);
  }
  return { audiences, emailDomains: [...emailDomains] };
}
