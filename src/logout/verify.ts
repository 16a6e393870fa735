/**
 * Verifies incoming logout messages (SAML core §3.7; profiles §4.4.4) as strictly as a login
 * response: a signature by one of the tenant's pinned keys is required (in the query for
 * HTTP-Redirect, enveloped for HTTP-POST), then Issuer, Destination, freshness, replay and, for a
 * LogoutResponse, the pending logout it answers.
 *
 * @module
 */
import type { Element } from '@xmldom/xmldom';
import { SIGNATURE_ALGORITHMS } from '../crypto/algorithms.js';
import { signatureOf, verifiesWith, verifyEnvelopedSignature } from '../crypto/signature.js';
import { fail } from '../internal/fail.js';
import { currentTime, parseSamlTime } from '../internal/time.js';
import { checkIssuer, requireVersion } from '../response/envelope.js';
import { qualifiersOf } from '../response/assertion.js';
import { resolvedTenant, type Tenant } from '../tenant/define.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import type { ReplayCache, TenantConfig, Clock } from '../types.js';
import { attributeOf, childrenNamed, elementChildren, textOf } from '../xml/dom.js';
import { NAMEID_FORMAT, NS } from '../xml/namespaces.js';
import { parseXml, type ParsedXml } from '../xml/parse.js';
import {
  DEFAULT_MAX_LOGOUT_BYTES,
  MAX_LOGOUT_BYTES,
  decodeLogoutMessage,
  type DecodedLogout,
  type LogoutMessageInput,
} from './decode.js';

/**
 * How long after its IssueInstant a logout message is accepted, at most (plus the clock skew),
 * whatever its NotOnOrAfter says; also how long its ID is remembered against replay.
 */
export const MAX_LOGOUT_MESSAGE_AGE_SECONDS = 600;

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const PARTIAL_LOGOUT = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout';

/** Expected values for {@link verifyLogoutRequest}. */
export interface LogoutRequestChecks {
  /** Remembers each LogoutRequest ID, so that a captured one cannot be sent again. Required. */
  readonly replayCache: ReplayCache;
  /** The current time. Default: the system clock. */
  readonly now?: Clock;
  /** Largest decoded (inflated) message accepted, in bytes. Default 65536, at most 1 MiB. */
  readonly maxMessageBytes?: number;
}

/** Expected values for {@link verifyLogoutResponse}. */
export interface LogoutResponseChecks extends LogoutRequestChecks {
  /** The ID of the LogoutRequest this response must answer (from the pending logout). */
  readonly inResponseTo: string;
}

/** A LogoutRequest whose signature, issuer, destination, freshness and ID have been checked. */
export interface VerifiedLogoutRequest {
  /** The request's ID: the `inResponseTo` of our LogoutResponse. */
  readonly id: string;
  /** The IdP's entity ID (equal to the tenant's). */
  readonly issuer: string;
  /** The binding it arrived with; answer with the same one when the IdP offers it. */
  readonly binding: 'redirect' | 'post';
  /** The NameID whose sessions end (SAML core §3.7.1). */
  readonly nameId: string;
  /** Its Format; `…:unspecified` when absent. */
  readonly nameIdFormat: string;
  /** Its NameQualifier, when present. */
  readonly nameQualifier?: string;
  /** Its SPNameQualifier, when present. */
  readonly spNameQualifier?: string;
  /** The sessions to end; empty means every session of the NameID (core §3.7.3.2). */
  readonly sessionIndexes: readonly string[];
  /** The Reason attribute, e.g. `urn:oasis:names:tc:SAML:2.0:logout:user`. */
  readonly reason?: string;
  /** The RelayState to return unchanged with the response (bindings §3.4.3, §3.5.3). */
  readonly relayState?: string;
}

/** A LogoutResponse whose signature, issuer, destination, freshness and InResponseTo have been checked. */
export interface VerifiedLogoutResponse {
  /** The response's ID. */
  readonly id: string;
  /** The IdP's entity ID (equal to the tenant's). */
  readonly issuer: string;
  /** The LogoutRequest it answers. */
  readonly inResponseTo: string;
  /** The binding it arrived with. */
  readonly binding: 'redirect' | 'post';
  /**
   * `true` when the IdP reports that not every session could be ended (second-level status
   * `PartialLogout`, SAML core §3.2.2.2): the user may still be signed in elsewhere.
   */
  readonly partial: boolean;
  /** The RelayState the IdP returned. */
  readonly relayState?: string;
}

const malformedHint =
  'The message is not a SAML 2.0 LogoutRequest or LogoutResponse. Check the IdP sends SAML 2.0 logout messages to this SLO URL.';

/**
 * Verifies a LogoutRequest the IdP sent to our SLO URL (SAML core §3.7.1; profiles §4.4.4.1),
 * over HTTP-Redirect (signature over the raw query bytes, bindings §3.4.4.1) or HTTP-POST
 * (enveloped signature). Requires a signature by one of the tenant's pinned keys, the tenant's IdP
 * as Issuer, `sp.sloUrl` as Destination, an IssueInstant within the last
 * {@link MAX_LOGOUT_MESSAGE_AGE_SECONDS} (and NotOnOrAfter not passed), and an ID not seen before
 * (`replayCache`). Reads everything from the verified message only.
 *
 * @example
 * ```ts
 * const request = await verifyLogoutRequest(tenant, { binding: 'redirect', query: rawQuery }, { replayCache: store });
 * // end the sessions of request.nameId / request.sessionIndexes, then answer with createLogoutResponse
 * ```
 * @throws SamlError for anything wrong with the message; `TypeError` for bad arguments.
 */
export async function verifyLogoutRequest(
  tenant: TenantConfig | Tenant,
  message: LogoutMessageInput,
  checks: LogoutRequestChecks,
): Promise<VerifiedLogoutRequest> {
  const { resolved, now, maxBytes, replayCache } = resolveChecks(tenant, checks);
  const parsed = parseLogoutMessage(decodeLogoutMessage(message, maxBytes), resolved.config.id);
  return readLogoutRequest(parsed, resolved, now, replayCache);
}

/**
 * Verifies the IdP's LogoutResponse to our LogoutRequest (SAML core §3.7.2; profiles §4.4.4.2),
 * as strictly as {@link verifyLogoutRequest}, and that it answers `checks.inResponseTo`. A top-level
 * status other than Success is `STATUS_NOT_SUCCESS`; Success with `PartialLogout` is reported as
 * `partial: true`.
 *
 * @example
 * ```ts
 * const response = await verifyLogoutResponse(tenant, { binding: 'post', form: req.body }, {
 *   inResponseTo: pending.requestId,
 *   replayCache: store,
 * });
 * if (response.partial) showWarning('You may still be signed in to other applications.');
 * ```
 * @throws SamlError for anything wrong with the message; `TypeError` for bad arguments.
 */
export async function verifyLogoutResponse(
  tenant: TenantConfig | Tenant,
  message: LogoutMessageInput,
  checks: LogoutResponseChecks,
): Promise<VerifiedLogoutResponse> {
  const { resolved, now, maxBytes, replayCache } = resolveChecks(tenant, checks);
  if (typeof checks.inResponseTo !== 'string' || checks.inResponseTo === '')
    throw new TypeError('checks.inResponseTo must be the ID of the LogoutRequest sent');
  const parsed = parseLogoutMessage(decodeLogoutMessage(message, maxBytes), resolved.config.id);
  return readLogoutResponse(parsed, resolved, now, replayCache, checks.inResponseTo);
}

function resolveChecks(
  tenant: TenantConfig | Tenant,
  checks: LogoutRequestChecks,
): { resolved: ResolvedTenant; now: Date; maxBytes: number; replayCache: ReplayCache } {
  const resolved = resolvedTenant(tenant);
  if (typeof checks !== 'object' || (checks as unknown) === null)
    throw new TypeError('checks must be an object');
  if (typeof (checks.replayCache as Partial<ReplayCache> | undefined)?.remember !== 'function')
    throw new TypeError('checks.replayCache is required: a store with remember(tenantId, id, expiresAt)');
  const maxBytes = checks.maxMessageBytes ?? DEFAULT_MAX_LOGOUT_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_LOGOUT_BYTES)
    throw new TypeError(`checks.maxMessageBytes must be a whole number from 1 to ${MAX_LOGOUT_BYTES}`);
  return { resolved, now: currentTime(checks.now, 'checks.now'), maxBytes, replayCache: checks.replayCache };
}

/** A decoded message, parsed once; its routing fields are unverified. */
export interface ParsedLogout {
  readonly decoded: DecodedLogout;
  readonly parsed: ParsedXml;
  readonly kind: 'LogoutRequest' | 'LogoutResponse';
  /** Unverified: only says which tenant to verify against. */
  readonly issuer?: string;
  /** Unverified: only says which pending logout to look up. */
  readonly inResponseTo?: string;
}

/** Parses a decoded message strictly and reads what routing needs (docs/security.md rule 1). @internal */
export function parseLogoutMessage(decoded: DecodedLogout, tenantId?: string): ParsedLogout {
  const parsed = parseXml(decoded.xml);
  const root = parsed.root;
  const expected = decoded.parameter === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
  if (root.namespaceURI !== NS.protocol || root.localName !== expected) {
    fail(
      'MALFORMED_XML',
      `Expected a samlp:${expected} in ${decoded.parameter}, got ${root.localName ?? 'an element'}`,
      {
        hint: malformedHint,
        ...(tenantId !== undefined && { tenantId }),
      },
    );
  }
  const [issuer] = childrenNamed(root, NS.assertion, 'Issuer');
  const inResponseTo = attributeOf(root, 'InResponseTo');
  return {
    decoded,
    parsed,
    kind: expected,
    ...(issuer !== undefined && { issuer: textOf(issuer).trim() }),
    ...(inResponseTo !== undefined && { inResponseTo }),
  };
}

/** Verifies and reads a parsed LogoutRequest for the tenant. @internal */
export async function readLogoutRequest(
  message: ParsedLogout,
  tenant: ResolvedTenant,
  now: Date,
  replayCache: ReplayCache,
): Promise<VerifiedLogoutRequest> {
  const { root, tenantId, id, issuer, notOnOrAfter } = verifiedMessage(message, tenant, 'LogoutRequest', now);
  const reason = attributeOf(root, 'Reason');
  const identifiers = elementChildren(root).filter(
    (child) =>
      child.namespaceURI === NS.assertion &&
      ['NameID', 'BaseID', 'EncryptedID'].includes(child.localName ?? ''),
  );
  const [nameIdElement, ...others] = identifiers;
  if (nameIdElement?.localName === 'EncryptedID') {
    fail('ENCRYPTED_ASSERTION_UNSUPPORTED', 'The LogoutRequest carries an encrypted NameID', {
      hint: 'Turn off NameID encryption for logout messages of this application in the IdP (SimpleSAMLphp: nameid.encryption).',
      tenantId,
    });
  }
  if (nameIdElement?.localName !== 'NameID' || others.length > 0) {
    fail('NAMEID_MISSING', 'The LogoutRequest has no single NameID', {
      hint: 'The IdP must name the user whose sessions end with one NameID (SAML core §3.7.1).',
      tenantId,
    });
  }
  const nameId = textOf(nameIdElement).trim();
  if (nameId === '')
    fail('NAMEID_MISSING', 'The LogoutRequest NameID is empty', { hint: malformedHint, tenantId });
  const sessionIndexes = childrenNamed(root, NS.protocol, 'SessionIndex').map((element) =>
    textOf(element).trim(),
  );
  await remember(replayCache, tenant, id, notOnOrAfter);
  return {
    id,
    issuer,
    binding: message.decoded.binding,
    nameId,
    nameIdFormat: attributeOf(nameIdElement, 'Format') ?? NAMEID_FORMAT.unspecified,
    ...qualifiersOf(nameIdElement),
    sessionIndexes,
    ...(reason !== undefined && { reason }),
    ...(message.decoded.relayState !== undefined && { relayState: message.decoded.relayState }),
  };
}

/** Verifies and reads a parsed LogoutResponse for the tenant. @internal */
export async function readLogoutResponse(
  message: ParsedLogout,
  tenant: ResolvedTenant,
  now: Date,
  replayCache: ReplayCache,
  inResponseTo: string,
): Promise<VerifiedLogoutResponse> {
  const { root, tenantId, id, issuer, notOnOrAfter } = verifiedMessage(
    message,
    tenant,
    'LogoutResponse',
    now,
  );
  const answered = attributeOf(root, 'InResponseTo');
  if (answered !== inResponseTo) {
    fail('IN_RESPONSE_TO_MISMATCH', 'The LogoutResponse does not answer the pending logout', {
      hint: 'The logout expired, was already finished, or was started on another server instance: share the state store between instances.',
      expected: inResponseTo,
      received: answered ?? '(none)',
      tenantId,
    });
  }
  const partial = readStatus(root, tenantId);
  await remember(replayCache, tenant, id, notOnOrAfter);
  return {
    id,
    issuer,
    inResponseTo,
    binding: message.decoded.binding,
    partial,
    ...(message.decoded.relayState !== undefined && { relayState: message.decoded.relayState }),
  };
}

/** The root, verified ({@link verifiedRoot}), and the fields every logout message has, checked. */
function verifiedMessage(
  message: ParsedLogout,
  tenant: ResolvedTenant,
  kind: ParsedLogout['kind'],
  now: Date,
): ReturnType<typeof checkCommon> & { readonly root: Element; readonly tenantId: string } {
  const root = verifiedRoot(message, tenant, kind);
  return { root, tenantId: tenant.config.id, ...checkCommon(root, tenant, now) };
}

/**
 * The signature first, before any field is trusted: the query signature over the raw bytes for
 * HTTP-Redirect (bindings §3.4.4.1), the enveloped signature of the root for HTTP-POST (core §5.4).
 */
function verifiedRoot(message: ParsedLogout, tenant: ResolvedTenant, kind: ParsedLogout['kind']): Element {
  const tenantId = tenant.config.id;
  if (message.kind !== kind) {
    fail('MALFORMED_XML', `Expected a ${kind}, got a ${message.kind}`, { hint: malformedHint, tenantId });
  }
  const root = message.parsed.root;
  requireVersion(root, tenantId);
  const policy = { keys: tenant.keys, allowSha1: tenant.allowSha1, tenantId };
  if (message.decoded.binding === 'redirect') {
    const signature = message.decoded.querySignature;
    if (signature === undefined) missingSignature(tenantId, 'redirect');
    verifyQuerySignature(signature.sigAlg, signature.signature, signature.signedOctets, tenant);
    return root;
  }
  const signature = signatureOf(root, tenantId);
  if (signature === undefined) missingSignature(tenantId, 'post');
  verifyEnvelopedSignature(root, signature, message.parsed.ids, policy);
  return root;
}

function missingSignature(tenantId: string, binding: 'redirect' | 'post'): never {
  fail(
    'SIGNATURE_MISSING',
    `The ${binding === 'redirect' ? 'HTTP-Redirect' : 'HTTP-POST'} logout message is not signed`,
    {
      hint: 'samlkit accepts only signed logout messages (SAML profiles §4.4.4). Have the IdP sign its logout messages (SimpleSAMLphp: sign.logout; ADFS and Entra ID sign them by default).',
      tenantId,
    },
  );
}

/** SAML bindings §3.4.4.1: the signature over the exact octets, with an allow-listed algorithm. */
export function verifyQuerySignature(
  sigAlg: string,
  signatureBase64: string,
  octets: Buffer,
  tenant: ResolvedTenant,
): void {
  const tenantId = tenant.config.id;
  const algorithm = SIGNATURE_ALGORITHMS.get(sigAlg);
  if (algorithm === undefined || (algorithm.hash === 'sha1' && !tenant.allowSha1)) {
    fail('ALGORITHM_FORBIDDEN', `The signature algorithm ${sigAlg} is not accepted`, {
      hint: 'Configure the IdP to sign logout messages with RSA-SHA256.',
      received: sigAlg,
      tenantId,
    });
  }
  const compact = signatureBase64.replace(/[ \t\r\n]+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    fail('SIGNATURE_STRUCTURE', 'The Signature parameter is not valid base64', {
      hint: 'The query string was altered on the way, or the IdP encodes its signature wrongly.',
      tenantId,
    });
  }
  const value = Buffer.from(compact, 'base64');
  if (!tenant.keys.some((key) => verifiesWith(key.key, algorithm, octets, value))) {
    fail('SIGNATURE_INVALID', 'The query signature does not verify with any certificate the tenant trusts', {
      hint: `Check that the tenant's IdP certificate (${tenant.keys.map((key) => key.fingerprint).join(', ')}) is the one the IdP signs with, and that the app passes the raw query string as received (not re-encoded).`,
      expected: tenant.keys.map((key) => key.fingerprint),
      tenantId,
    });
  }
}

/** ID, Issuer, Destination and time window (SAML core §3.2.1, §3.7.1; profiles §4.4.4). */
function checkCommon(
  root: Element,
  tenant: ResolvedTenant,
  now: Date,
): { id: string; issuer: string; notOnOrAfter: Date } {
  const tenantId = tenant.config.id;
  const id = attributeOf(root, 'ID') ?? '';
  if (id === '')
    fail('MALFORMED_XML', `The ${root.localName ?? 'message'} has no ID`, { hint: malformedHint, tenantId });
  // Profiles §4.4.4.1: the requester and the responder MUST name themselves.
  checkIssuer(root, tenant, true);
  const issuer = tenant.config.idp.entityId;
  const sloUrl = tenant.config.sp.sloUrl;
  const destination = attributeOf(root, 'Destination');
  // Signed messages must carry Destination (bindings §3.4.5.2, §3.5.5.2); it must be our SLO URL.
  if (destination === undefined || destination !== sloUrl) {
    fail('DESTINATION_MISMATCH', 'The logout message is not addressed to this tenant’s SLO URL', {
      hint: `Set the application's Single Logout URL at the IdP to ${sloUrl ?? '(none: set sp.sloUrl)'} and check the message was sent to this tenant's SLO URL.`,
      ...(sloUrl !== undefined && { expected: sloUrl }),
      received: destination ?? '(none)',
      tenantId,
    });
  }
  const issueInstant = attributeOf(root, 'IssueInstant');
  if (issueInstant === undefined)
    fail('MALFORMED_XML', 'The message has no IssueInstant', { hint: malformedHint, tenantId });
  const issued = parseSamlTime(issueInstant, 'IssueInstant').getTime();
  const skew = tenant.skewMs;
  if (issued > now.getTime() + skew) {
    fail('NOT_YET_VALID', 'The logout message was issued in the future', {
      hint: 'The clocks of the IdP and the application differ by more than the clock skew: synchronise them (NTP).',
      received: issueInstant,
      tenantId,
    });
  }
  const ceiling = issued + MAX_LOGOUT_MESSAGE_AGE_SECONDS * 1000;
  const stated = attributeOf(root, 'NotOnOrAfter');
  const statedEnd = stated === undefined ? ceiling : parseSamlTime(stated, 'NotOnOrAfter').getTime();
  const end = Math.min(ceiling, statedEnd) + skew;
  if (now.getTime() >= end) {
    fail('EXPIRED', 'The logout message is too old (IssueInstant or NotOnOrAfter)', {
      hint: `samlkit accepts logout messages for ${MAX_LOGOUT_MESSAGE_AGE_SECONDS} seconds after they are issued (and until their NotOnOrAfter). Check the clocks, or ask the user to sign out again.`,
      received: stated ?? issueInstant,
      tenantId,
    });
  }
  return { id, issuer, notOnOrAfter: new Date(end) };
}

/** StatusCode (SAML core §3.2.2.2): Success, with PartialLogout as the only second level we name. */
function readStatus(root: Element, tenantId: string): boolean {
  const [status, ...more] = childrenNamed(root, NS.protocol, 'Status');
  if (status === undefined || more.length > 0)
    fail('MALFORMED_XML', 'The LogoutResponse must contain exactly one Status', {
      hint: malformedHint,
      tenantId,
    });
  const [code] = childrenNamed(status, NS.protocol, 'StatusCode');
  const value = code === undefined ? undefined : attributeOf(code, 'Value');
  const [subCode] = code === undefined ? [] : childrenNamed(code, NS.protocol, 'StatusCode');
  const subValue = subCode === undefined ? undefined : attributeOf(subCode, 'Value');
  if (value === SUCCESS) return subValue === PARTIAL_LOGOUT;
  const [message] = childrenNamed(status, NS.protocol, 'StatusMessage');
  const said = [value, subValue].filter((part) => part !== undefined).map((part) => part.replace(/^.*:/, ''));
  fail('STATUS_NOT_SUCCESS', `The IdP could not log the user out: ${said.join('/') || 'no status code'}`, {
    hint: `The IdP refused or failed the logout${message === undefined ? '' : ` (it says: ${JSON.stringify(textOf(message).trim().slice(0, 200))})`}. Its logs say why; the user's session at the IdP may still be active.`,
    expected: SUCCESS,
    received: [value, subValue].filter((part) => part !== undefined).join(' '),
    tenantId,
  });
}

/** Each logout message ID is accepted once (docs/security.md rule 16), remembered until it expires. */
async function remember(
  replayCache: ReplayCache,
  tenant: ResolvedTenant,
  id: string,
  until: Date,
): Promise<void> {
  const tenantId = tenant.config.id;
  let stored: unknown;
  try {
    stored = await replayCache.remember(tenantId, `logout:${id}`, until);
  } catch (cause) {
    if (cause instanceof Error && cause.name === 'SamlError') throw cause;
    fail('STORE_UNAVAILABLE', 'The replay cache failed; the logout message is refused', {
      hint: 'The state store is unreachable. Check the Redis/PostgreSQL connection of the application.',
      cause,
      tenantId,
    });
  }
  // Only `true` counts: anything else is a replay or a store that cannot promise.
  if (stored !== true) {
    fail('REPLAY', 'This logout message was already received', {
      hint: 'A logout message is accepted once. It was sent again (a replay, or the browser resubmitted it).',
      received: id,
      tenantId,
    });
  }
}
