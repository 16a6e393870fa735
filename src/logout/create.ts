/**
 * Builds our logout messages (SAML core §3.7.1, §3.7.2), always signed with the tenant's
 * `sp.signing` key: in the query for HTTP-Redirect (bindings §3.4.4.1), enveloped for HTTP-POST.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { DOMImplementation, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { signEnveloped, type SignerKey } from '../crypto/sign.js';
import { currentTime } from '../internal/time.js';
import { MAX_RELAY_STATE_BYTES } from '../request/authn-request.js';
import { postMessageForm, redirectMessageUrl } from '../request/bindings.js';
import { resolvedTenant, type Tenant } from '../tenant/define.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import type { TenantConfig, Clock } from '../types.js';
import { NS } from '../xml/namespaces.js';

/** How long our LogoutRequest is valid (its NotOnOrAfter), in seconds after IssueInstant. */
export const LOGOUT_REQUEST_LIFETIME_SECONDS = 300;

/** Whom a LogoutRequest is about: the NameID of the login (with its qualifiers) and its session. */
export interface LogoutSubject {
  /** The NameID value, as the login's assertion carried it. */
  readonly nameId: string;
  /** The NameID Format, as the login's assertion carried it. */
  readonly nameIdFormat: string;
  /** The NameID's NameQualifier, when the assertion had one. */
  readonly nameQualifier?: string;
  /** The NameID's SPNameQualifier, when the assertion had one. */
  readonly spNameQualifier?: string;
  /** The AuthnStatement's SessionIndex: which IdP session to end. */
  readonly sessionIndex?: string;
}

/** Options shared by {@link createLogoutRequest} and {@link createLogoutResponse}. */
export interface LogoutMessageOptions {
  /** How the browser carries the message. Default: `'redirect'` when the IdP offers it, else `'post'`. */
  readonly binding?: 'redirect' | 'post';
  /** An opaque value (at most 80 bytes) the IdP returns unchanged. */
  readonly relayState?: string;
  /** For the POST binding page: a CSP nonce for its script (or allow `POST_FORM_SCRIPT_HASH`). */
  readonly cspNonce?: string;
  /** The issue instant. Default: the system clock. */
  readonly now?: Clock;
}

/** Options of {@link createLogoutResponse}. */
export interface LogoutResponseOptions extends LogoutMessageOptions {
  /** The ID of the IdP's LogoutRequest this answers. */
  readonly inResponseTo: string;
  /**
   * `'success'` (default), or `'partial'` when some of the user's sessions could not be ended
   * (Success with the second-level status PartialLogout, SAML core §3.2.2.2).
   */
  readonly status?: 'success' | 'partial';
}

/** A logout message for the HTTP-Redirect binding: send the browser to `url`. */
export interface RedirectLogoutMessage {
  /** Tells the two kinds of message apart. */
  readonly binding: 'redirect';
  /** The message's ID (a LogoutRequest's is the `inResponseTo` its response must carry). */
  readonly id: string;
  /** The IdP's SLO URL with the message, RelayState, SigAlg and Signature in its query. */
  readonly url: string;
}

/** A logout message for the HTTP-POST binding: render `html`, or a form of your own. */
export interface PostLogoutMessage {
  /** Tells the two kinds of message apart. */
  readonly binding: 'post';
  /** The message's ID (a LogoutRequest's is the `inResponseTo` its response must carry). */
  readonly id: string;
  /** The IdP's SLO URL, where the form posts. */
  readonly action: string;
  /** The form's fields, unescaped: `SAMLRequest` or `SAMLResponse`, and `RelayState`. */
  readonly fields: Readonly<Record<string, string>>;
  /** A complete page that submits the form itself (`POST_FORM_SCRIPT_HASH` allows its script). */
  readonly html: string;
}

/** A logout message in either binding. */
export type LogoutMessage = RedirectLogoutMessage | PostLogoutMessage;

/**
 * Builds a signed LogoutRequest (SAML core §3.7.1; profiles §4.4.4.1) for the session a login
 * created: its NameID with Format and qualifiers, and its SessionIndex, addressed to the IdP's
 * SingleLogoutService (`idp.sloUrls`). Keep `id` as the pending logout: the LogoutResponse must
 * answer it.
 *
 * @example
 * ```ts
 * const request = createLogoutRequest(tenant, { nameId: profile.nameId, nameIdFormat: profile.nameIdFormat });
 * res.redirect(request.binding === 'redirect' ? request.url : '/');
 * ```
 * @throws TypeError when the tenant has no `sp.signing`, no `sp.sloUrl` or no IdP SLO URL for the binding.
 */
export function createLogoutRequest(
  tenant: TenantConfig | Tenant,
  subject: LogoutSubject,
  options: LogoutMessageOptions = {},
): LogoutMessage {
  const resolved = resolvedTenant(tenant);
  const { binding, destination, key } = logoutRoute(resolved, options.binding);
  if (typeof subject !== 'object' || (subject as unknown) === null)
    throw new TypeError('subject must be an object');
  if (typeof subject.nameId !== 'string' || subject.nameId === '')
    throw new TypeError('subject.nameId must be a non-empty string');
  if (typeof subject.nameIdFormat !== 'string' || subject.nameIdFormat === '')
    throw new TypeError('subject.nameIdFormat must be a non-empty string');
  const now = currentTime(options.now, 'options.now');
  const { document, root, id } = newMessage('samlp:LogoutRequest', destination, resolved, now);
  root.setAttribute(
    'NotOnOrAfter',
    new Date(now.getTime() + LOGOUT_REQUEST_LIFETIME_SECONDS * 1000).toISOString(),
  );
  root.setAttribute('Reason', 'urn:oasis:names:tc:SAML:2.0:logout:user');
  const nameId = document.createElementNS(NS.assertion, 'saml:NameID');
  // SAML core §3.7.3.1 (and §2.2.2): the NameID exactly as the assertion carried it.
  if (subject.nameQualifier !== undefined) nameId.setAttribute('NameQualifier', subject.nameQualifier);
  if (subject.spNameQualifier !== undefined) nameId.setAttribute('SPNameQualifier', subject.spNameQualifier);
  nameId.setAttribute('Format', subject.nameIdFormat);
  nameId.appendChild(document.createTextNode(subject.nameId));
  root.appendChild(nameId);
  if (subject.sessionIndex !== undefined) {
    const sessionIndex = document.createElementNS(NS.protocol, 'samlp:SessionIndex');
    sessionIndex.appendChild(document.createTextNode(subject.sessionIndex));
    root.appendChild(sessionIndex);
  }
  return encode(root, id, 'SAMLRequest', binding, destination, key, options);
}

/**
 * Builds our signed LogoutResponse (SAML core §3.7.2; profiles §4.4.4.2) to a verified
 * LogoutRequest of the IdP, addressed to its SingleLogoutService. Answer with the binding the
 * request came with (`binding`) and return its RelayState unchanged.
 *
 * @example
 * ```ts
 * const response = createLogoutResponse(tenant, {
 *   inResponseTo: request.id,
 *   binding: request.binding,
 *   ...(request.relayState !== undefined && { relayState: request.relayState }),
 * });
 * ```
 * @throws TypeError when the tenant has no `sp.signing`, no `sp.sloUrl` or no IdP SLO URL.
 */
export function createLogoutResponse(
  tenant: TenantConfig | Tenant,
  options: LogoutResponseOptions,
): LogoutMessage {
  const resolved = resolvedTenant(tenant);
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object');
  if (typeof options.inResponseTo !== 'string' || options.inResponseTo === '')
    throw new TypeError('options.inResponseTo must be the ID of the LogoutRequest answered');
  const status: unknown = options.status ?? 'success';
  if (status !== 'success' && status !== 'partial')
    throw new TypeError("options.status must be 'success' or 'partial'");
  const { binding, destination, key } = logoutRoute(resolved, options.binding);
  const now = currentTime(options.now, 'options.now');
  const { document, root, id } = newMessage('samlp:LogoutResponse', destination, resolved, now);
  root.setAttribute('InResponseTo', options.inResponseTo);
  const statusElement = document.createElementNS(NS.protocol, 'samlp:Status');
  const code = document.createElementNS(NS.protocol, 'samlp:StatusCode');
  code.setAttribute('Value', 'urn:oasis:names:tc:SAML:2.0:status:Success');
  if (status === 'partial') {
    const subCode = document.createElementNS(NS.protocol, 'samlp:StatusCode');
    subCode.setAttribute('Value', 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout');
    code.appendChild(subCode);
  }
  statusElement.appendChild(code);
  root.appendChild(statusElement);
  return encode(root, id, 'SAMLResponse', binding, destination, key, options);
}

/** Whether the tenant can do Single Logout: our SLO URL and key, and an IdP SLO endpoint. @internal */
export function logoutProblem(resolved: ResolvedTenant): string | undefined {
  const config = resolved.config;
  if (config.sp.sloUrl === undefined) return 'it has no sp.sloUrl';
  if (resolved.spSigning === undefined) return 'it has no sp.signing key (logout messages are always signed)';
  if (config.idp.sloUrls?.redirect === undefined && config.idp.sloUrls?.post === undefined)
    return "its IdP has no SingleLogoutService (idp.sloUrls: import the IdP's metadata again)";
  return undefined;
}

function logoutRoute(
  resolved: ResolvedTenant,
  wanted: unknown,
): { binding: 'redirect' | 'post'; destination: string; key: SignerKey } {
  if (wanted !== undefined && wanted !== 'redirect' && wanted !== 'post')
    throw new TypeError("options.binding must be 'redirect' or 'post'");
  const problem = logoutProblem(resolved);
  if (problem !== undefined)
    throw new TypeError(`Tenant ${resolved.config.id} cannot do Single Logout: ${problem}`);
  const urls = resolved.config.idp.sloUrls ?? {};
  const binding = wanted ?? (urls.redirect !== undefined ? 'redirect' : 'post');
  const destination = urls[binding] ?? (binding === 'redirect' ? urls.post : urls.redirect);
  const key = resolved.spSigning;
  if (destination === undefined || key === undefined)
    throw new Error('unreachable: checked by logoutProblem');
  // An IdP that offers one binding only gets that one.
  const actual = urls[binding] === undefined ? (binding === 'redirect' ? 'post' : 'redirect') : binding;
  return { binding: actual, destination, key };
}

function newMessage(
  name: string,
  destination: string,
  resolved: ResolvedTenant,
  now: Date,
): { document: Document; root: Element; id: string } {
  const document = new DOMImplementation().createDocument(NS.protocol, name, null);
  const root = document.documentElement;
  if (root === null) throw new Error('unreachable: the document has its root');
  const id = `_${randomBytes(20).toString('hex')}`;
  root.setAttributeNS(NS.xmlns, 'xmlns:saml', NS.assertion);
  root.setAttribute('ID', id);
  root.setAttribute('Version', '2.0');
  root.setAttribute('IssueInstant', now.toISOString());
  root.setAttribute('Destination', destination);
  const issuer = document.createElementNS(NS.assertion, 'saml:Issuer');
  issuer.appendChild(document.createTextNode(resolved.config.sp.entityId));
  root.appendChild(issuer);
  return { document, root, id };
}

function encode(
  root: Element,
  id: string,
  parameter: 'SAMLRequest' | 'SAMLResponse',
  binding: 'redirect' | 'post',
  destination: string,
  key: SignerKey,
  options: LogoutMessageOptions,
): LogoutMessage {
  const relayState = options.relayState;
  if (relayState !== undefined) {
    if (typeof relayState !== 'string' || relayState === '')
      throw new TypeError('options.relayState must be a non-empty string');
    if (Buffer.byteLength(relayState, 'utf8') > MAX_RELAY_STATE_BYTES)
      throw new TypeError(
        `options.relayState is longer than ${MAX_RELAY_STATE_BYTES} bytes (SAML bindings §3.4.3)`,
      );
  }
  if (binding === 'redirect') {
    // The Redirect binding carries the signature in the query, never inside the XML (§3.4.4.1).
    const xml = new XMLSerializer().serializeToString(root);
    return { binding, id, url: redirectMessageUrl(destination, parameter, xml, relayState, key) };
  }
  signEnveloped(root, key);
  const xml = new XMLSerializer().serializeToString(root);
  const form = postMessageForm(destination, parameter, xml, relayState, options.cspNonce, 'sign out');
  return { binding, id, action: destination, ...form };
}
