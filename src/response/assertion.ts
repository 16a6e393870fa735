import type { Element } from '@xmldom/xmldom';
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import { parseSamlTime } from '../internal/time.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import { attributeOf, childrenNamed, elementChildren, textOf } from '../xml/dom.js';
import { NAMEID_FORMAT, NS } from '../xml/namespaces.js';
import { checkIssuer, requireVersion, type VerifiedAssertion } from './envelope.js';
import { NO_TRACE, type CheckDetail, type Trace } from './trace.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** What the assertion says once every condition holds; still without the email rules. */
export interface AssertionContent {
  readonly assertionId: string;
  readonly issuer: string;
  readonly nameId: string;
  readonly nameIdFormat: string;
  /** The NameID's NameQualifier and SPNameQualifier (SAML core §2.2.2), kept for Single Logout. */
  readonly nameQualifiers: NameQualifiers;
  readonly attributes: ReadonlyMap<string, readonly string[]>;
  readonly sessionIndex?: string;
  readonly inResponseTo?: string;
  readonly authnInstant?: Date;
  /** The first AuthnStatement's AuthnContextClassRef (SAML core §2.7.2.2), when it has one. */
  readonly authnContextClassRef?: string;
  /** The earliest NotOnOrAfter that applies to this assertion. */
  readonly notOnOrAfter: Date;
  /**
   * The last moment any part of the assertion could still be accepted, before clock skew: the
   * latest NotOnOrAfter of its bearer confirmations (another one may hold once the first has
   * expired), bounded by the Conditions and the IdP session. The replay cache keeps its ID until
   * then (docs/security.md rule 24).
   */
  readonly acceptableUntil: Date;
}

/** Inputs of the time and request checks. */
export interface AssertionChecks {
  readonly now: Date;
  readonly inResponseTo: string | undefined;
}

/**
 * Applies the Web Browser SSO profile rules (SAML profiles §4.1.4.2–4.1.4.3, core §2.5) to the
 * verified assertion and reads its content. Reads nothing but `assertion.element`.
 */
export function readAssertion(
  assertion: VerifiedAssertion,
  tenant: ResolvedTenant,
  checks: AssertionChecks,
  trace: Trace = NO_TRACE,
): AssertionContent {
  const element = assertion.element;
  const tenantId = tenant.config.id;
  trace.check('assertion-issuer');
  requireVersion(element, tenantId);
  checkIssuer(element, tenant, true, trace);
  const issuer = textOf(childrenNamed(element, NS.assertion, 'Issuer')[0] ?? element).trim();
  const assertionId = attributeOf(element, 'ID') ?? '';
  if (assertionId === '') malformed('The assertion has no ID', tenantId);

  trace.check('in-response-to');
  checkRequestBinding(assertion, tenant, checks);
  trace.detail({
    expected: checks.inResponseTo ?? '(none: IdP-initiated)',
    received: assertion.responseInResponseTo ?? '(none)',
  });
  trace.check('subject');
  const subject = single(element, 'Subject', tenantId);
  const { nameId, nameIdFormat, nameQualifiers } = readNameId(subject, tenantId);
  trace.detail({ received: nameId, personal: true, note: `Format ${nameIdFormat}` });
  trace.check('subject-confirmation');
  const confirmation = checkBearerConfirmation(subject, tenant, checks);
  trace.detail({
    expected: tenant.config.sp.acsUrl,
    note: `bearer, NotOnOrAfter ${confirmation.notOnOrAfter.toISOString()}`,
  });
  const conditionsEnd = checkConditions(element, tenant, checks.now, trace);
  trace.check('authn-statement');
  const authn = readAuthnStatement(element, tenant, checks.now);
  const ends = [latestBearerEnd(subject, confirmation.notOnOrAfter), conditionsEnd, authn.sessionEnd];

  return {
    assertionId,
    issuer,
    nameId,
    nameIdFormat,
    nameQualifiers,
    attributes: readAttributes(element),
    ...(authn.sessionIndex !== undefined && { sessionIndex: authn.sessionIndex }),
    ...(confirmation.inResponseTo !== undefined && { inResponseTo: confirmation.inResponseTo }),
    ...(authn.authnInstant !== undefined && { authnInstant: authn.authnInstant }),
    ...(authn.classRef !== undefined && { authnContextClassRef: authn.classRef }),
    notOnOrAfter:
      conditionsEnd !== undefined && conditionsEnd < confirmation.notOnOrAfter
        ? conditionsEnd
        : confirmation.notOnOrAfter,
    acceptableUntil: new Date(Math.min(...ends.map((end) => end?.getTime() ?? Infinity))),
  };
}

/**
 * The latest NotOnOrAfter of every bearer confirmation, whether it holds now or not: one that is
 * not valid yet (NotBefore ahead) may hold after the one accepted now has expired.
 */
function latestBearerEnd(subject: Element, accepted: Date): Date {
  let latest = accepted.getTime();
  for (const confirmation of childrenNamed(subject, NS.assertion, 'SubjectConfirmation')) {
    if (attributeOf(confirmation, 'Method') !== BEARER) continue;
    for (const data of childrenNamed(confirmation, NS.assertion, 'SubjectConfirmationData')) {
      const text = attributeOf(data, 'NotOnOrAfter');
      const end = text === undefined ? Number.NaN : Date.parse(text);
      // An unparsable time can never hold (parseSamlTime refuses it), so it extends nothing.
      if (text !== undefined && /^\d{4}-/.test(text) && end > latest) latest = end;
    }
  }
  return new Date(latest);
}

/**
 * Solicited or not (profiles §4.1.4.2, §4.1.5): a response to our request must say so; an
 * unsolicited one must be allowed by the tenant and must not claim to answer a request.
 */
function checkRequestBinding(
  assertion: VerifiedAssertion,
  tenant: ResolvedTenant,
  checks: AssertionChecks,
): void {
  const tenantId = tenant.config.id;
  if (checks.inResponseTo === undefined && !tenant.allowIdpInitiated) {
    fail(
      'UNSOLICITED_RESPONSE',
      'An IdP-initiated (unsolicited) response arrived, and this tenant does not accept them',
      {
        hint: 'Start the login from the application (SP-initiated), or set allowIdpInitiated on the tenant to accept logins started from the IdP portal.',
        tenantId,
      },
    );
  }
  const received = assertion.responseInResponseTo;
  if (received !== undefined && received !== checks.inResponseTo)
    inResponseToMismatch(checks.inResponseTo, received, tenantId);
}

function inResponseToMismatch(
  expected: string | undefined,
  received: string | undefined,
  tenantId: string,
): never {
  fail(
    'IN_RESPONSE_TO_MISMATCH',
    expected === undefined
      ? 'The response answers a request that is not pending'
      : 'The response does not answer the pending request',
    {
      hint: 'The login request expired, was already used, or was issued by another server instance (use a shared state store when running several instances). Ask the user to start the login again.',
      ...(expected !== undefined && { expected }),
      ...(received !== undefined && { received }),
      tenantId,
    },
  );
}

/** NameQualifier and SPNameQualifier of a NameID, when present. */
export interface NameQualifiers {
  readonly nameQualifier?: string;
  readonly spNameQualifier?: string;
}

function readNameId(
  subject: Element,
  tenantId: string,
): { nameId: string; nameIdFormat: string; nameQualifiers: NameQualifiers } {
  const identifiers = elementChildren(subject).filter(
    (child) =>
      child.namespaceURI === NS.assertion &&
      ['NameID', 'BaseID', 'EncryptedID'].includes(child.localName ?? ''),
  );
  const [nameIdElement, ...others] = identifiers;
  if (nameIdElement?.localName === 'EncryptedID') {
    fail('ENCRYPTED_ASSERTION_UNSUPPORTED', 'The NameID is encrypted', {
      hint: 'Turn off NameID encryption for this application in the IdP.',
      tenantId,
    });
  }
  if (nameIdElement?.localName !== 'NameID' || others.length > 0) {
    fail('NAMEID_MISSING', 'The assertion subject has no single NameID', {
      hint: 'Configure the IdP to send a NameID (Entra ID: Unique User Identifier claim; Okta: Name ID format and Application username).',
      tenantId,
    });
  }
  const nameId = textOf(nameIdElement).trim();
  if (nameId === '') {
    fail('NAMEID_MISSING', 'The NameID is empty', {
      hint: 'Configure the IdP to send a non-empty NameID.',
      tenantId,
    });
  }
  return {
    nameId,
    nameIdFormat: attributeOf(nameIdElement, 'Format') ?? NAMEID_FORMAT.unspecified,
    nameQualifiers: qualifiersOf(nameIdElement),
  };
}

/** The NameID's qualifiers (SAML core §2.2.2), which Single Logout must repeat (§3.7.3.1). */
export function qualifiersOf(nameId: Element): NameQualifiers {
  const nameQualifier = attributeOf(nameId, 'NameQualifier');
  const spNameQualifier = attributeOf(nameId, 'SPNameQualifier');
  return {
    ...(nameQualifier !== undefined && { nameQualifier }),
    ...(spNameQualifier !== undefined && { spNameQualifier }),
  };
}

interface Confirmation {
  readonly notOnOrAfter: Date;
  readonly inResponseTo?: string;
}

/**
 * At least one bearer SubjectConfirmation must hold (profiles §4.1.4.2): Recipient is our ACS URL,
 * NotOnOrAfter is present and not past, InResponseTo is the pending request. When none holds, the
 * first one's failure is reported.
 */
function checkBearerConfirmation(
  subject: Element,
  tenant: ResolvedTenant,
  checks: AssertionChecks,
): Confirmation {
  const bearers = childrenNamed(subject, NS.assertion, 'SubjectConfirmation').filter(
    (confirmation) => attributeOf(confirmation, 'Method') === BEARER,
  );
  let firstFailure: SamlError | undefined;
  for (const bearer of bearers) {
    try {
      return checkConfirmationData(bearer, tenant, checks);
    } catch (error) {
      if (!(error instanceof SamlError)) throw error;
      firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
  fail('SUBJECT_CONFIRMATION_INVALID', 'The assertion has no bearer SubjectConfirmation', {
    hint: 'The Web Browser SSO profile requires a bearer subject confirmation; check that the IdP application is a SAML 2.0 web application.',
    tenantId: tenant.config.id,
  });
}

function checkConfirmationData(
  bearer: Element,
  tenant: ResolvedTenant,
  checks: AssertionChecks,
): Confirmation {
  const tenantId = tenant.config.id;
  const [data, ...more] = childrenNamed(bearer, NS.assertion, 'SubjectConfirmationData');
  if (data === undefined || more.length > 0) {
    fail(
      'SUBJECT_CONFIRMATION_INVALID',
      'The bearer SubjectConfirmation has no single SubjectConfirmationData',
      {
        hint: 'The IdP must state Recipient and NotOnOrAfter in SubjectConfirmationData.',
        tenantId,
      },
    );
  }
  const recipient = attributeOf(data, 'Recipient');
  const acsUrl = tenant.config.sp.acsUrl;
  if (recipient !== acsUrl) {
    fail(
      'RECIPIENT_MISMATCH',
      recipient === undefined
        ? 'SubjectConfirmationData has no Recipient'
        : 'The assertion is meant for another ACS URL',
      {
        hint: `Set the Reply URL / ACS URL in the IdP to exactly ${acsUrl} (Entra ID: Reply URL; Okta: Single sign-on URL / Recipient URL).`,
        expected: acsUrl,
        ...(recipient !== undefined && { received: recipient }),
        tenantId,
      },
    );
  }
  const notOnOrAfterText = attributeOf(data, 'NotOnOrAfter');
  if (notOnOrAfterText === undefined) {
    fail('SUBJECT_CONFIRMATION_INVALID', 'SubjectConfirmationData has no NotOnOrAfter', {
      hint: 'The IdP must limit the lifetime of the bearer confirmation (SAML profiles §4.1.4.2).',
      tenantId,
    });
  }
  const notOnOrAfter = parseSamlTime(notOnOrAfterText, 'SubjectConfirmationData NotOnOrAfter');
  checkWindow(
    parseOptionalTime(data, 'NotBefore'),
    notOnOrAfter,
    tenant,
    checks.now,
    'The subject confirmation',
  );
  const inResponseTo = attributeOf(data, 'InResponseTo');
  if (inResponseTo !== checks.inResponseTo) inResponseToMismatch(checks.inResponseTo, inResponseTo, tenantId);
  return { notOnOrAfter, ...(inResponseTo !== undefined && { inResponseTo }) };
}

/**
 * Conditions (core §2.5.1): the validity window with the tenant's skew, and at least one
 * AudienceRestriction, each of which must name our entity ID. A condition we do not understand
 * makes the assertion invalid rather than unconditional.
 */
function checkConditions(
  assertion: Element,
  tenant: ResolvedTenant,
  now: Date,
  trace: Trace,
): Date | undefined {
  const tenantId = tenant.config.id;
  const [conditions, ...more] = childrenNamed(assertion, NS.assertion, 'Conditions');
  if (conditions === undefined || more.length > 0) {
    fail('CONDITIONS_INVALID', 'The assertion must carry exactly one Conditions element', {
      hint: 'The IdP must restrict the assertion to this application with an AudienceRestriction.',
      tenantId,
    });
  }
  trace.check('validity');
  const notOnOrAfter = parseOptionalTime(conditions, 'NotOnOrAfter');
  checkWindow(parseOptionalTime(conditions, 'NotBefore'), notOnOrAfter, tenant, now, 'The assertion');

  trace.detail(windowDetail(parseOptionalTime(conditions, 'NotBefore'), notOnOrAfter, now, tenant.skewMs));
  trace.check('audience');
  const entityId = tenant.config.sp.entityId;
  let restrictions = 0;
  for (const condition of elementChildren(conditions)) {
    const known = condition.namespaceURI === NS.assertion ? condition.localName : undefined;
    if (known === 'AudienceRestriction') {
      restrictions++;
      const audiences = childrenNamed(condition, NS.assertion, 'Audience').map((audience) =>
        textOf(audience).trim(),
      );
      if (!audiences.includes(entityId)) audienceMismatch(entityId, audiences, tenantId);
    } else if (known !== 'OneTimeUse' && known !== 'ProxyRestriction') {
      fail(
        'CONDITIONS_INVALID',
        `The assertion carries a condition samlkit does not understand: ${condition.tagName}`,
        {
          hint: 'Remove custom conditions from the IdP configuration for this application.',
          tenantId,
        },
      );
    }
  }
  if (restrictions === 0) audienceMismatch(entityId, [], tenantId);
  trace.detail({ expected: entityId, received: entityId });
  return notOnOrAfter;
}

/** The validity window and the clock delta, for the report. */
function windowDetail(
  notBefore: Date | undefined,
  notOnOrAfter: Date | undefined,
  now: Date,
  skewMs: number,
): CheckDetail {
  const seconds = (date: Date): string => `${Math.round((date.getTime() - now.getTime()) / 1000)} s`;
  return {
    expected: `${notBefore?.toISOString() ?? '…'} to ${notOnOrAfter?.toISOString() ?? '…'} (skew ${skewMs / 1000} s)`,
    received: now.toISOString(),
    note: [
      notBefore && `NotBefore ${seconds(notBefore)} from now`,
      notOnOrAfter && `NotOnOrAfter ${seconds(notOnOrAfter)} from now`,
    ]
      .filter(Boolean)
      .join(', '),
  };
}

function audienceMismatch(entityId: string, audiences: readonly string[], tenantId: string): never {
  fail('AUDIENCE_MISMATCH', 'The assertion is not addressed to this application', {
    hint: `Set the audience in the IdP to exactly ${entityId} (Entra ID: Basic SAML Configuration > Identifier (Entity ID); Okta: Audience URI (SP Entity ID)).`,
    expected: entityId,
    received: audiences.join(' '),
    tenantId,
  });
}

/** now must lie in [notBefore − skew, notOnOrAfter + skew) (core §2.5.1.2). */
function checkWindow(
  notBefore: Date | undefined,
  notOnOrAfter: Date | undefined,
  tenant: ResolvedTenant,
  now: Date,
  what: string,
): void {
  const time = now.getTime();
  const tenantId = tenant.config.id;
  const skewHint = `Check the clocks: this server's time is ${now.toISOString()}, the tolerance is ${tenant.skewMs / 1000} s (clockSkewSeconds).`;
  if (notBefore !== undefined && time < notBefore.getTime() - tenant.skewMs) {
    fail('NOT_YET_VALID', `${what} is not valid before ${notBefore.toISOString()}`, {
      hint: skewHint,
      expected: notBefore.toISOString(),
      received: now.toISOString(),
      tenantId,
    });
  }
  if (notOnOrAfter !== undefined && time >= notOnOrAfter.getTime() + tenant.skewMs) {
    fail('EXPIRED', `${what} expired at ${notOnOrAfter.toISOString()}`, {
      hint: `The response is too old: the user may have used the back button, or the login took too long. ${skewHint}`,
      expected: notOnOrAfter.toISOString(),
      received: now.toISOString(),
      tenantId,
    });
  }
}

/** The first AuthnStatement; the Web Browser SSO profile requires one (profiles §4.1.4.2). */
function readAuthnStatement(
  assertion: Element,
  tenant: ResolvedTenant,
  now: Date,
): { sessionIndex?: string; authnInstant?: Date; sessionEnd?: Date; classRef?: string } {
  const [statement] = childrenNamed(assertion, NS.assertion, 'AuthnStatement');
  if (statement === undefined) {
    fail('AUTHN_STATEMENT_MISSING', 'The assertion does not say how the user authenticated', {
      hint: 'The IdP must include an AuthnStatement; check that it is configured for SAML 2.0 web SSO.',
      tenantId: tenant.config.id,
    });
  }
  const sessionEnd = parseOptionalTime(statement, 'SessionNotOnOrAfter');
  checkWindow(undefined, sessionEnd, tenant, now, 'The IdP session');
  const sessionIndex = attributeOf(statement, 'SessionIndex');
  const authnInstant = parseOptionalTime(statement, 'AuthnInstant');
  const classRef = authnContextClassRef(statement, tenant.config.id);
  return {
    ...(classRef !== undefined && { classRef }),
    ...(sessionIndex !== undefined && { sessionIndex }),
    ...(authnInstant !== undefined && { authnInstant }),
    ...(sessionEnd !== undefined && { sessionEnd }),
  };
}

/**
 * The AuthnContextClassRef of an AuthnStatement (SAML core §2.7.2.2): at most one AuthnContext with
 * at most one class reference (the schema's sequence); an empty one counts as none.
 */
function authnContextClassRef(statement: Element, tenantId: string): string | undefined {
  const contexts = childrenNamed(statement, NS.assertion, 'AuthnContext');
  const [context] = contexts;
  if (context === undefined) return undefined;
  const refs = childrenNamed(context, NS.assertion, 'AuthnContextClassRef');
  if (contexts.length > 1 || refs.length > 1)
    malformed('The AuthnStatement has more than one AuthnContext or AuthnContextClassRef', tenantId);
  const value = refs[0] === undefined ? '' : textOf(refs[0]).trim();
  return value === '' ? undefined : value;
}

/** Every Attribute of every AttributeStatement, values in document order (core §2.7.3). */
function readAttributes(assertion: Element): ReadonlyMap<string, readonly string[]> {
  const attributes = new Map<string, string[]>();
  for (const statement of childrenNamed(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of childrenNamed(statement, NS.assertion, 'Attribute')) {
      const name = attributeOf(attribute, 'Name');
      if (name === undefined || name === '') continue;
      const values = childrenNamed(attribute, NS.assertion, 'AttributeValue').map((value) => textOf(value));
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  return attributes;
}

function parseOptionalTime(element: Element, name: string): Date | undefined {
  const value = attributeOf(element, name);
  return value === undefined ? undefined : parseSamlTime(value, `${element.localName ?? ''} ${name}`);
}

function single(parent: Element, localName: string, tenantId: string): Element {
  const [only, ...more] = childrenNamed(parent, NS.assertion, localName);
  if (only === undefined) {
    fail('NAMEID_MISSING', `The assertion has no ${localName}`, {
      hint: 'Configure the IdP to send a Subject with a NameID.',
      tenantId,
    });
  }
  if (more.length > 0) malformed(`The assertion has more than one ${localName}`, tenantId);
  return only;
}

function malformed(message: string, tenantId: string): never {
  fail('MALFORMED_XML', message, { hint: 'The assertion does not follow the SAML 2.0 schema.', tenantId });
}
