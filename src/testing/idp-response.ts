/**
 * The Response of a test IdP: what it says (the preset's claim names and shape, the overrides,
 * the clock) and how it is written and signed. Used by `createTestIdp` only.
 *
 * @module
 * @internal
 */
import { createHash, randomBytes } from 'node:crypto';
import { DOMImplementation, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { signEnveloped, type SignerKey } from '../crypto/sign.js';
import type { IdpPreset } from '../idp/product.js';
import type { IdpPresetName, SpKeyPair } from '../types.js';
import { NAMEID_FORMAT, NS } from '../xml/namespaces.js';
import type { ReceivedAuthnRequest } from './idp-request.js';

/** The user a response asserts. */
export interface TestIdpUser {
  /** The email claim, and the NameID unless `nameId` is given. */
  readonly email: string;
  /** Sent under the preset's first-name claim. */
  readonly firstName?: string;
  /** Sent under the preset's last-name claim. */
  readonly lastName?: string;
  /** Sent as one multi-valued attribute under the preset's groups claim. */
  readonly groups?: readonly string[];
  /** The NameID value. Default: `email`. */
  readonly nameId?: string;
}

/** A non-Success status (SAML core §3.2.2.2). Codes without `:` are short for `urn:oasis:names:tc:SAML:2.0:status:<code>`. */
export interface TestIdpStatus {
  /** The top-level code, e.g. `'Responder'` or `'Requester'`. */
  readonly code: string;
  /** The second-level code, e.g. `'AuthnFailed'`, `'RequestDenied'`, `'NoPassive'`. */
  readonly subCode?: string;
  /** The StatusMessage text. */
  readonly message?: string;
}

/**
 * Deviations from a correct response, for testing that an ACS refuses broken ones. Each field
 * replaces one value the test IdP would otherwise derive from the AuthnRequest, `options.sp`, the
 * preset or the clock.
 */
export interface RespondOverrides {
  /** The ACS URL: the form `action` and the default Destination and Recipient. Default: the request's `AssertionConsumerServiceURL`, else `options.sp.acsUrl`. */
  readonly acsUrl?: string;
  /** The Audience of the AudienceRestriction. Default: the request's Issuer, else `options.sp.entityId`. */
  readonly audience?: string;
  /** The Recipient of the SubjectConfirmationData. Default: the ACS URL. */
  readonly recipient?: string;
  /** The Response's Destination; `null` leaves the attribute out. Default: the ACS URL. */
  readonly destination?: string | null;
  /** The Issuer of the Response and of the assertion. Default: the IdP's entity ID. */
  readonly issuer?: string;
  /** InResponseTo on the Response and the SubjectConfirmationData; `null` leaves both out. Default: the request's ID (none when unsolicited). */
  readonly inResponseTo?: string | null;
  /** Conditions NotBefore. Default: now − 30 s. */
  readonly notBefore?: Date;
  /** Conditions NotOnOrAfter, and the default of `subjectNotOnOrAfter`. Default: now + 5 min. */
  readonly notOnOrAfter?: Date;
  /** SubjectConfirmationData NotOnOrAfter. Default: `notOnOrAfter`, else now + 5 min. */
  readonly subjectNotOnOrAfter?: Date;
  /** AuthnStatement SessionNotOnOrAfter (the IdP session's end). Default: none. */
  readonly sessionNotOnOrAfter?: Date;
  /** AuthnStatement AuthnInstant (when the user authenticated). Default: now. */
  readonly authnInstant?: Date;
  /**
   * The AuthnContextClassRef; `null` sends an AuthnContext without one. Default
   * `urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport`. Send MFA claims
   * (`http://schemas.microsoft.com/claims/authnmethodsreferences`, `amr`) with `attributes`.
   */
  readonly authnContextClassRef?: string | null;
  /** A status other than Success. The response then carries no assertion, as real IdPs send it. */
  readonly status?: TestIdpStatus;
  /** What is signed: `'both'` signs the assertion, then the Response. Default: the preset's `signs`. */
  readonly signs?: 'assertion' | 'response' | 'both' | 'none';
  /** Sign with this key pair (PEM) instead of the IdP's, e.g. to test a key the tenant does not trust. */
  readonly signingKey?: SpKeyPair;
  /** Attributes by Name, merged over the preset-shaped ones: a Name given here replaces that attribute's values. */
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  /** The NameID Format. Default: the preset's `nameIdFormat`. */
  readonly nameIdFormat?: string;
  /** The assertion's ID, e.g. to replay one. Default: `_` and 40 random hex digits. */
  readonly assertionId?: string;
  /** The Response's ID. Default: `_` and 40 random hex digits. */
  readonly responseId?: string;
}

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const PASSWORD_PROTECTED_TRANSPORT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

/** What the test IdP knows when it answers: itself, the request (if any) and where the response goes. */
export interface ResponseContext {
  readonly preset: IdpPreset;
  readonly entityId: string;
  readonly now: Date;
  readonly acsUrl: string;
  readonly audience: string;
  readonly request: ReceivedAuthnRequest | undefined;
}

/**
 * Mints the Response: resolves every value (overrides first, then the request, the preset and the
 * clock), writes it and signs it with `key`. Returns the XML text.
 *
 * @throws TypeError for a malformed user or override.
 */
export function mintResponse(
  input: RespondOverrides & { readonly user: TestIdpUser },
  context: ResponseContext,
  key: SignerKey,
): string {
  return writeResponse(responseContent(input, context), SHAPES[context.preset.name], key);
}

/** Namespace prefixes and element order of one IdP product's responses. */
interface ResponseShape {
  readonly protocolPrefix: string;
  /** `''` puts the assertion in the default namespace, as Entra ID and AD FS do. */
  readonly assertionPrefix: string;
  /** The Issuers carry `Format="…:nameid-format:entity"`, as Okta's do. */
  readonly issuerFormat: boolean;
  /** AttributeStatement before AuthnStatement, as Entra ID and AD FS write it. */
  readonly attributesFirst: boolean;
}

/** Every value of one Response, resolved. */
interface ResponseContent {
  readonly now: Date;
  readonly issuer: string;
  readonly responseId: string;
  readonly destination?: string;
  readonly inResponseTo?: string;
  /** Absent for Success. */
  readonly status?: { readonly code: string; readonly subCode?: string; readonly message?: string };
  readonly signs: 'assertion' | 'response' | 'both' | 'none';
  readonly assertion: {
    readonly id: string;
    readonly nameId: string;
    readonly nameIdFormat: string;
    readonly recipient: string;
    readonly audience: string;
    readonly notBefore: Date;
    readonly notOnOrAfter: Date;
    readonly subjectNotOnOrAfter: Date;
    readonly sessionNotOnOrAfter?: Date;
    readonly sessionIndex: string;
    readonly authnInstant: Date;
    readonly authnContextClassRef?: string;
    readonly attributes: ReadonlyMap<string, readonly string[]>;
  };
}

/** Each product's shape, as its responses in `fixtures/real/` show it. */
const MICROSOFT: ResponseShape = {
  protocolPrefix: 'samlp',
  assertionPrefix: '',
  issuerFormat: false,
  attributesFirst: true,
};
const SAML2: ResponseShape = {
  protocolPrefix: 'saml2p',
  assertionPrefix: 'saml2',
  issuerFormat: false,
  attributesFirst: false,
};
const PLAIN: ResponseShape = {
  protocolPrefix: 'samlp',
  assertionPrefix: 'saml',
  issuerFormat: false,
  attributesFirst: false,
};
const SHAPES: Readonly<Record<IdpPresetName, ResponseShape>> = {
  azure: MICROSOFT,
  adfs: MICROSOFT,
  okta: { ...SAML2, issuerFormat: true },
  google: SAML2,
  onelogin: PLAIN,
  ping: PLAIN,
  keycloak: PLAIN,
  generic: PLAIN,
};

/** Claim names a preset leaves open (`generic`). */
const DEFAULT_CLAIMS = { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' };
const SIGNS = ['assertion', 'response', 'both', 'none'] as const;
const AZURE_ENTITY_ID = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/;
const MS_CLAIMS = 'http://schemas.microsoft.com/identity/claims';

/** Every value of the response, from the overrides, the request, the preset and the clock. */
function responseContent(
  input: RespondOverrides & { readonly user: TestIdpUser },
  context: ResponseContext,
): ResponseContent {
  const { preset, now, acsUrl } = context;
  const user = checkUser(input.user);
  const signs = input.signs ?? preset.signs;
  if (!SIGNS.includes(signs)) throw new TypeError(`signs must be one of ${SIGNS.join(', ')}`);
  const at = (seconds: number): Date => new Date(now.getTime() + seconds * 1000);
  const notOnOrAfter = date(input.notOnOrAfter, 'notOnOrAfter') ?? at(300);
  const inResponseTo =
    input.inResponseTo === undefined ? context.request?.id : (input.inResponseTo ?? undefined);
  const destination = input.destination === undefined ? acsUrl : (input.destination ?? undefined);
  const sessionNotOnOrAfter = date(input.sessionNotOnOrAfter, 'sessionNotOnOrAfter');
  return {
    now,
    issuer: input.issuer ?? context.entityId,
    responseId: input.responseId ?? newId(),
    ...(destination !== undefined && { destination }),
    ...(inResponseTo !== undefined && { inResponseTo }),
    ...(input.status !== undefined && { status: checkStatus(input.status) }),
    signs,
    assertion: {
      id: input.assertionId ?? newId(),
      nameId: user.nameId ?? user.email,
      nameIdFormat: input.nameIdFormat ?? preset.nameIdFormat,
      recipient: input.recipient ?? acsUrl,
      audience: context.audience,
      notBefore: date(input.notBefore, 'notBefore') ?? at(-30),
      notOnOrAfter,
      subjectNotOnOrAfter: date(input.subjectNotOnOrAfter, 'subjectNotOnOrAfter') ?? notOnOrAfter,
      ...(sessionNotOnOrAfter !== undefined && { sessionNotOnOrAfter }),
      sessionIndex: newId(),
      authnInstant: date(input.authnInstant, 'authnInstant') ?? now,
      ...(input.authnContextClassRef !== null && {
        authnContextClassRef: classRef(input.authnContextClassRef) ?? PASSWORD_PROTECTED_TRANSPORT,
      }),
      attributes: attributesOf(user, context, input.attributes),
    },
  };
}

/** The user's claims under the preset's names, the product's extra claims, then the overrides. */
function attributesOf(
  user: TestIdpUser,
  context: ResponseContext,
  overrides: Readonly<Record<string, readonly string[]>> | undefined,
): ReadonlyMap<string, readonly string[]> {
  const { preset, entityId } = context;
  const claims = { ...DEFAULT_CLAIMS, ...preset.claims };
  const attributes = new Map<string, readonly string[]>();
  if (preset.name === 'azure') {
    // What Entra ID adds to every token: https://learn.microsoft.com/entra/identity-platform/reference-saml-tokens
    const tenantId = AZURE_ENTITY_ID.exec(entityId)?.[1];
    if (tenantId !== undefined) attributes.set(`${MS_CLAIMS}/tenantid`, [tenantId]);
    attributes.set(`${MS_CLAIMS}/objectidentifier`, [stableUuid(`${entityId}\u0000${user.email}`)]);
    const displayName = [user.firstName, user.lastName].filter((name) => name !== undefined).join(' ');
    if (displayName !== '') attributes.set(`${MS_CLAIMS}/displayname`, [displayName]);
    attributes.set(`${MS_CLAIMS}/identityprovider`, [entityId]);
    attributes.set('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', [user.email]);
  }
  attributes.set(claims.email, [user.email]);
  if (user.firstName !== undefined) attributes.set(claims.firstName, [user.firstName]);
  if (user.lastName !== undefined) attributes.set(claims.lastName, [user.lastName]);
  if (user.groups !== undefined) attributes.set(claims.groups, [...user.groups]);
  // OneLogin sends one empty value for a user without groups.
  else if (preset.name === 'onelogin') attributes.set(claims.groups, ['']);

  if (overrides !== undefined) {
    if (typeof overrides !== 'object' || (overrides as unknown) === null) {
      throw new TypeError('attributes must be an object of string arrays');
    }
    for (const [name, values] of Object.entries(overrides)) {
      attributes.set(name, strings(values, `attributes[${JSON.stringify(name)}]`));
    }
  }
  return attributes;
}

function checkUser(user: unknown): TestIdpUser {
  if (typeof user !== 'object' || user === null) throw new TypeError('user must be an object with an email');
  const { email, firstName, lastName, groups, nameId } = user as Record<string, unknown>;
  if (typeof email !== 'string' || email === '') throw new TypeError('user.email must be a non-empty string');
  for (const [name, value] of Object.entries({ firstName, lastName, nameId })) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`user.${name} must be a non-empty string when given`);
    }
  }
  return {
    email,
    ...(firstName !== undefined && { firstName: firstName as string }),
    ...(lastName !== undefined && { lastName: lastName as string }),
    ...(groups !== undefined && { groups: strings(groups, 'user.groups') }),
    ...(nameId !== undefined && { nameId: nameId as string }),
  };
}

function checkStatus(status: unknown): TestIdpStatus {
  const { code, subCode, message } = (typeof status === 'object' && status !== null ? status : {}) as Record<
    string,
    unknown
  >;
  if (typeof code !== 'string' || code === '') throw new TypeError('status.code must be a non-empty string');
  if (subCode !== undefined && typeof subCode !== 'string')
    throw new TypeError('status.subCode must be a string');
  if (message !== undefined && typeof message !== 'string')
    throw new TypeError('status.message must be a string');
  return { code, ...(subCode !== undefined && { subCode }), ...(message !== undefined && { message }) };
}

function strings(values: unknown, path: string): readonly string[] {
  if (!Array.isArray(values) || !values.every((value): value is string => typeof value === 'string')) {
    throw new TypeError(`${path} must be an array of strings`);
  }
  return [...values];
}

function classRef(value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === ''))
    throw new TypeError('authnContextClassRef must be a non-empty string or null');
  return value;
}

function date(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new TypeError(`${name} must be a valid Date`);
  return value;
}

/** An ID of 160 random bits, as an NCName (SAML core §1.3.4). */
function newId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** A UUID derived from `seed`, so a user keeps the same Entra object ID across responses. */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type Add = (
  parent: Element,
  ns: string,
  localName: string,
  attributes?: Readonly<Record<string, string | undefined>>,
  text?: string,
) => Element;

/**
 * Writes the Response (SAML core §3.3.3, profiles §4.1.4.2) with the DOM, so every value is
 * escaped, signs it as `content.signs` says (the assertion first; XML-DSig §6.6.4 enveloped,
 * RSA-SHA256, exclusive c14n) and serialises it.
 *
 * @throws TypeError when a value holds a character XML cannot carry.
 */
function writeResponse(content: ResponseContent, shape: ResponseShape, key: SignerKey): string {
  const qualified = (ns: string, localName: string): string => {
    const prefix = ns === NS.protocol ? shape.protocolPrefix : shape.assertionPrefix;
    return prefix === '' ? localName : `${prefix}:${localName}`;
  };
  const document = new DOMImplementation().createDocument(
    NS.protocol,
    qualified(NS.protocol, 'Response'),
    null,
  );
  const response = document.documentElement;
  if (response === null) throw new Error('unreachable: the document has its root');
  const add = builder(document, qualified);

  response.setAttributeNS(NS.xmlns, `xmlns:${shape.protocolPrefix}`, NS.protocol);
  if (shape.assertionPrefix !== '')
    response.setAttributeNS(NS.xmlns, `xmlns:${shape.assertionPrefix}`, NS.assertion);
  setAttributes(response, {
    ID: content.responseId,
    Version: '2.0',
    IssueInstant: content.now.toISOString(),
    Destination: content.destination,
    InResponseTo: content.inResponseTo,
  });
  const issuerFormat = shape.issuerFormat ? { Format: NAMEID_FORMAT.entity } : {};
  add(response, NS.assertion, 'Issuer', issuerFormat, content.issuer);

  const status = add(response, NS.protocol, 'Status');
  const code = add(status, NS.protocol, 'StatusCode', {
    Value: statusUri(content.status?.code ?? 'Success'),
  });
  if (content.status?.subCode !== undefined)
    add(code, NS.protocol, 'StatusCode', { Value: statusUri(content.status.subCode) });
  if (content.status?.message !== undefined)
    add(status, NS.protocol, 'StatusMessage', {}, content.status.message);

  const signs = content.signs;
  // A real IdP sends no assertion with an error status.
  if (code.getAttribute('Value') === `${STATUS}Success`) {
    const assertion = addAssertion(response, content, shape, add);
    if (signs === 'assertion' || signs === 'both') signEnveloped(assertion, key);
  }
  if (signs === 'response' || signs === 'both') signEnveloped(response, key);
  return new XMLSerializer().serializeToString(document, { requireWellFormed: true });
}

function addAssertion(response: Element, content: ResponseContent, shape: ResponseShape, add: Add): Element {
  const a = content.assertion;
  const assertion = add(response, NS.assertion, 'Assertion', {
    ID: a.id,
    IssueInstant: content.now.toISOString(),
    Version: '2.0',
  });
  assertion.setAttributeNS(
    NS.xmlns,
    shape.assertionPrefix === '' ? 'xmlns' : `xmlns:${shape.assertionPrefix}`,
    NS.assertion,
  );
  add(
    assertion,
    NS.assertion,
    'Issuer',
    shape.issuerFormat ? { Format: NAMEID_FORMAT.entity } : {},
    content.issuer,
  );

  const subject = add(assertion, NS.assertion, 'Subject');
  add(subject, NS.assertion, 'NameID', { Format: a.nameIdFormat }, a.nameId);
  const confirmation = add(subject, NS.assertion, 'SubjectConfirmation', { Method: BEARER });
  add(confirmation, NS.assertion, 'SubjectConfirmationData', {
    InResponseTo: content.inResponseTo,
    NotOnOrAfter: a.subjectNotOnOrAfter.toISOString(),
    Recipient: a.recipient,
  });

  const conditions = add(assertion, NS.assertion, 'Conditions', {
    NotBefore: a.notBefore.toISOString(),
    NotOnOrAfter: a.notOnOrAfter.toISOString(),
  });
  add(add(conditions, NS.assertion, 'AudienceRestriction'), NS.assertion, 'Audience', {}, a.audience);

  const addAuthnStatement = (): void => {
    const statement = add(assertion, NS.assertion, 'AuthnStatement', {
      AuthnInstant: a.authnInstant.toISOString(),
      SessionIndex: a.sessionIndex,
      SessionNotOnOrAfter: a.sessionNotOnOrAfter?.toISOString(),
    });
    const context = add(statement, NS.assertion, 'AuthnContext');
    if (a.authnContextClassRef !== undefined)
      add(context, NS.assertion, 'AuthnContextClassRef', {}, a.authnContextClassRef);
  };
  const addAttributeStatement = (): void => {
    // The schema wants at least one Attribute in an AttributeStatement.
    if (a.attributes.size === 0) return;
    const statement = add(assertion, NS.assertion, 'AttributeStatement');
    for (const [name, values] of a.attributes) {
      const attribute = add(statement, NS.assertion, 'Attribute', { Name: name });
      for (const value of values) add(attribute, NS.assertion, 'AttributeValue', {}, value);
    }
  };
  if (shape.attributesFirst) {
    addAttributeStatement();
    addAuthnStatement();
  } else {
    addAuthnStatement();
    addAttributeStatement();
  }
  return assertion;
}

function builder(document: Document, qualified: (ns: string, localName: string) => string): Add {
  return (parent, ns, localName, attributes = {}, text) => {
    const element = document.createElementNS(ns, qualified(ns, localName));
    setAttributes(element, attributes);
    // No empty Text node: xml-crypto's exclusive c14n cannot canonicalise one.
    if (text !== undefined && text !== '') {
      element.appendChild(document.createTextNode(xmlChars(text, `the ${localName} value`)));
    }
    parent.appendChild(element);
    return element;
  };
}

/** Sets the attributes in order, leaving out the undefined ones. */
function setAttributes(element: Element, attributes: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) element.setAttribute(name, xmlChars(value, `the ${name} attribute`));
  }
}

// XML 1.0 §2.2 Char: what an XML document can carry at all.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** `value`, or a TypeError naming `what` when it holds a character XML cannot carry. */
export function xmlChars(value: string, what: string): string {
  if (NOT_XML_CHAR.test(value)) throw new TypeError(`${what} contains a character that XML cannot carry`);
  return value;
}

/** A status code URI; a bare name such as `Responder` is short for `urn:oasis:names:tc:SAML:2.0:status:Responder`. */
function statusUri(code: string): string {
  return code.includes(':') ? code : `${STATUS}${code}`;
}
