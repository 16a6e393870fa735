/**
 * A test identity provider: it mints signed SAML Responses shaped like a real IdP's, so that an
 * Assertion Consumer Service can be tested end to end without one. **For tests and demos only.**
 *
 * @module
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { DOMImplementation, XMLSerializer, type Element } from '@xmldom/xmldom';
import { generateSpKeyPair } from '../crypto/keygen.js';
import { parseKeyPair } from '../crypto/keys.js';
import type { SignerKey } from '../crypto/sign.js';
import { createLogoutRequest, createLogoutResponse, type LogoutMessage } from '../logout/create.js';
import { DEFAULT_MAX_LOGOUT_BYTES, decodeLogoutMessage } from '../logout/decode.js';
import { parseLogoutMessage } from '../logout/verify.js';
import { defineTenant, type Tenant } from '../tenant/define.js';
import { currentTime } from '../internal/time.js';
import { IDP_PRESETS, isPresetName } from '../idp/products.js';
import type { IdpPresetName, SpKeyPair, Clock } from '../types.js';
import { BINDINGS, NAMEID_FORMAT, NS } from '../xml/namespaces.js';
import { readAuthnRequest, type ReceivedAuthnRequest } from './idp-request.js';
import { mintResponse, xmlChars, type RespondOverrides, type TestIdpUser } from './idp-response.js';

export { MAX_AUTHN_REQUEST_BYTES } from './idp-request.js';

/** Options of {@link createTestIdp}. */
export interface TestIdpOptions {
  /** The IdP product to imitate: claim names, NameID format, what it signs. Default `'generic'`. */
  readonly preset?: IdpPresetName;
  /**
   * The IdP's entity ID (the Issuer of every response). Default `https://idp.test/<preset>`; for
   * `'azure'` one shaped like Entra ID's, `https://sts.windows.net/<random tenant ID>/`.
   */
  readonly entityId?: string;
  /** The signing key pair (PEM; RSA, at least 2048 bits). Default: a fresh one from `generateSpKeyPair`. */
  readonly key?: SpKeyPair;
  /** The SSO URL published in metadata for both bindings. Default `https://idp.test/<preset>/sso`. */
  readonly ssoUrl?: string;
  /**
   * The SingleLogoutService URL published in metadata for both bindings (SAML profiles §4.4).
   * Without it, the metadata offers no Single Logout.
   */
  readonly sloUrl?: string;
  /** The SP that IdP-initiated (unsolicited) responses go to: its Audience and ACS URL. */
  readonly sp?: {
    /** The SP's entity ID: the Audience of unsolicited responses. */
    readonly entityId: string;
    /** The SP's ACS URL: where unsolicited responses are posted (Destination and Recipient). */
    readonly acsUrl: string;
    /** The SP's Single Logout URL: where `respondToLogout` answers when not told otherwise. */
    readonly sloUrl?: string;
  };
  /** The clock, read once per response (and for the start of a generated certificate). Default: the system clock. */
  readonly now?: Clock;
}

/** What {@link TestIdp.respond} answers: the request to read, the user, and any overrides. */
export interface RespondInput extends RespondOverrides {
  /**
   * The SP's AuthnRequest: the `SAMLRequest` query parameter of the Redirect URL (URL-decoded) or
   * the `SAMLRequest` field of the POST form. Leave it out for an IdP-initiated response.
   */
  readonly SAMLRequest?: string;
  /** Returned unchanged with the response. */
  readonly RelayState?: string;
  /** How `SAMLRequest` is encoded. Default: detected (base64 of XML is POST, anything else Redirect). */
  readonly binding?: 'redirect' | 'post';
  /** The user the response asserts. */
  readonly user: TestIdpUser;
}

/** An HTTP-POST binding message (SAML bindings §3.5.4): post `SAMLResponse` and `RelayState` to `action`. */
export interface TestIdpResponse {
  /** The ACS URL the browser posts the form to. */
  readonly action: string;
  /** The base64-encoded Response. */
  readonly SAMLResponse: string;
  /** The request's RelayState, returned unchanged; absent when there was none. */
  readonly RelayState?: string;
}

/** A test IdP made by {@link createTestIdp}. */
export interface TestIdp {
  /** The IdP product it imitates. */
  readonly preset: IdpPresetName;
  /** Its entity ID: the Issuer of every response, for `TenantConfig.idp.entityId`. */
  readonly entityId: string;
  /** The signing certificate (PEM). Trust it in test tenants only. */
  readonly certificate: string;
  /** Its SSO URL (both bindings), for `TenantConfig.idp.ssoUrl`; nothing listens there. */
  readonly ssoUrl: string;
  /** The IdP's SAML metadata (EntityDescriptor with an IDPSSODescriptor), for `parseIdpMetadata`. */
  metadata(): string;
  /**
   * Mints a Response to `input.SAMLRequest`, or an unsolicited one without it.
   *
   * @throws SamlError when `SAMLRequest` cannot be read: `INVALID_ENCODING`, `SIZE_LIMIT` (more than
   *   64 KiB, inflated), `DTD_FORBIDDEN`, `MALFORMED_XML` (not a SAML 2.0 AuthnRequest).
   * @throws TypeError for a mistake in the arguments, or when no ACS URL or audience is known.
   */
  respond(input: RespondInput): TestIdpResponse;
  /**
   * Answers an SP's LogoutRequest (SAML core §3.7.2) with a signed LogoutResponse to `sloUrl`,
   * over the binding the request came with, returning its RelayState. Like a real IdP it ends the
   * user's session; this IdP keeps none, so it only reads the request (its signature is not
   * checked).
   *
   * @throws SamlError when `SAMLRequest` is not a readable LogoutRequest.
   */
  respondToLogout(input: TestIdpLogoutAnswer): LogoutMessage;
  /**
   * Starts an IdP-initiated logout (SAML core §3.7.1): a signed LogoutRequest for the NameID (and
   * SessionIndex) to the SP's SLO URL.
   */
  logoutRequest(input: TestIdpLogoutRequest): LogoutMessage;
}

/** What {@link TestIdp.respondToLogout} answers. */
export interface TestIdpLogoutAnswer {
  /** The `SAMLRequest` value (URL-decoded query parameter, or the POST form field). */
  readonly SAMLRequest: string;
  /** Returned unchanged. */
  readonly RelayState?: string;
  /** How `SAMLRequest` came: `'redirect'` (deflated) or `'post'`. */
  readonly binding: 'redirect' | 'post';
  /** The SP's Single Logout URL: the response's Destination. Default: `options.sp.sloUrl`. */
  readonly sloUrl?: string;
  /** `'partial'` answers Success/PartialLogout. Default `'success'`. */
  readonly status?: 'success' | 'partial';
}

/** What {@link TestIdp.logoutRequest} sends. */
export interface TestIdpLogoutRequest {
  /** The SP's entity ID. */
  readonly spEntityId: string;
  /** The SP's Single Logout URL: the request's Destination. */
  readonly sloUrl: string;
  /** The NameID of the session to end, as the login's assertion carried it. */
  readonly nameId: string;
  /** Its Format. Default: the preset's. */
  readonly nameIdFormat?: string;
  /** Its SPNameQualifier, when the login's NameID had one. */
  readonly spNameQualifier?: string;
  /** The session to end. */
  readonly sessionIndex?: string;
  /** Default `'redirect'`. */
  readonly binding?: 'redirect' | 'post';
  /** Returned unchanged with the SP's response. */
  readonly relayState?: string;
}

/**
 * Creates a test IdP that mints signed SAML 2.0 Responses (SAML core §3.3.3, Web Browser SSO
 * profile §4.1.4.2, HTTP-POST binding §3.5) shaped like the given IdP product's: its claim names,
 * NameID format, namespace prefixes and what it signs (RSA-SHA256, exclusive c14n, XML-DSig
 * §6.6.4). Use it to test an ACS, or in a demo, without a real IdP.
 *
 * **For tests only.** Never trust its certificate in a production tenant: its private key is the
 * one you passed or one kept in memory, and it signs whatever it is asked to. It does not check
 * who asks: AuthnRequest signatures, `NameIDPolicy`, `ForceAuthn`, `IsPassive` and
 * `RequestedAuthnContext` are ignored, and it posts to whatever ACS URL the request names.
 *
 * @throws TypeError for an invalid option (unknown preset, a key that is not an RSA key pair of at
 *   least 2048 bits, a URL that is not absolute http(s), `now` that is not a function).
 *
 * @example
 * ```ts
 * const idp = await createTestIdp({ preset: 'okta' });
 * const tenant = defineTenant({
 *   id: 'acme',
 *   preset: 'okta',
 *   email: { from: 'nameId', format: 'any' },
 *   sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
 *   idp: parseIdpMetadata(idp.metadata()).idp,
 * });
 * const request = createAuthnRequest(tenant);
 * const SAMLRequest = new URL(request.url).searchParams.get('SAMLRequest') ?? '';
 * const form = idp.respond({ SAMLRequest, user: { email: 'ada@example.com', groups: ['admins'] } });
 * const profile = await verifyResponse(tenant, form, { inResponseTo: request.id });
 * ```
 */
export async function createTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object');
  const presetName = options.preset ?? 'generic';
  if (!isPresetName(presetName)) {
    throw new TypeError(`options.preset must be one of ${Object.keys(IDP_PRESETS).join(', ')}`);
  }
  const preset = IDP_PRESETS[presetName];
  const clock = options.now;
  if (clock !== undefined && typeof clock !== 'function')
    throw new TypeError('options.now must be a function that returns a Date');
  const now = (): Date => currentTime(clock, 'options.now');
  const entityId =
    options.entityId ??
    (presetName === 'azure' ? `https://sts.windows.net/${randomUUID()}/` : `https://idp.test/${presetName}`);
  if (typeof entityId !== 'string' || entityId.trim() === '') {
    throw new TypeError('options.entityId must be a non-empty string');
  }
  xmlChars(entityId, 'options.entityId');
  const ssoUrl = httpUrl(options.ssoUrl ?? `https://idp.test/${presetName}/sso`, 'options.ssoUrl');
  const sp = options.sp === undefined ? undefined : checkSp(options.sp);
  const key = signerOf(
    options.key ?? (await generateSpKeyPair({ commonName: `samlkit test IdP (${presetName})`, now })),
    'options.key',
  );
  const certificate = new X509Certificate(Buffer.from(key.certificateBase64, 'base64')).toString();
  const sloUrl = options.sloUrl === undefined ? undefined : httpUrl(options.sloUrl, 'options.sloUrl');
  const metadata = buildMetadata(entityId, ssoUrl, key.certificateBase64, preset.nameIdFormat, sloUrl);
  const pem = certificate;
  const keyPair = options.key ?? {
    privateKey: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate,
  };
  // The IdP's side of a logout is the SP's with the roles swapped: its own entity ID as Issuer,
  // its key to sign, the SP's SLO URL as the destination.
  const mirror = (spEntityId: string, spSloUrl: string): Tenant => {
    if (sloUrl === undefined) throw new TypeError('Single Logout needs options.sloUrl');
    return defineTenant({
      id: 'test-idp',
      allowHttp: true,
      sp: { entityId, acsUrl: sloUrl, sloUrl, signing: keyPair },
      idp: { entityId: spEntityId, certificates: [pem], sloUrls: { redirect: spSloUrl, post: spSloUrl } },
    });
  };

  return Object.freeze({
    preset: presetName,
    entityId,
    certificate,
    ssoUrl,
    metadata: () => metadata,
    respond: (input: RespondInput): TestIdpResponse => {
      if (typeof input !== 'object' || (input as unknown) === null)
        throw new TypeError('input must be an object');
      const request = readRequest(input);
      const acsUrl = input.acsUrl ?? request?.acsUrl ?? sp?.acsUrl;
      const audience = input.audience ?? request?.issuer ?? sp?.entityId;
      if (acsUrl === undefined || audience === undefined) {
        throw new TypeError(
          `no ${acsUrl === undefined ? 'ACS URL' : 'audience'} is known: pass a SAMLRequest that names it, set createTestIdp options.sp, or pass ${acsUrl === undefined ? 'acsUrl' : 'audience'}`,
        );
      }
      const signingKey =
        input.signingKey === undefined ? key : signerOf(input.signingKey, 'input.signingKey');
      const context = { preset, entityId, now: now(), acsUrl, audience, request };
      const xml = mintResponse(input, context, signingKey);
      return {
        action: acsUrl,
        SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'),
        ...(input.RelayState !== undefined && { RelayState: input.RelayState }),
      };
    },
    respondToLogout: (input: TestIdpLogoutAnswer): LogoutMessage => {
      if (typeof input !== 'object' || (input as unknown) === null)
        throw new TypeError('input must be an object');
      const { SAMLRequest, RelayState, binding } = input;
      if (typeof SAMLRequest !== 'string') throw new TypeError('SAMLRequest must be a string');
      const message =
        binding === 'redirect'
          ? { binding, query: `SAMLRequest=${encodeURIComponent(SAMLRequest)}` }
          : { binding: 'post' as const, form: { SAMLRequest } };
      const parsed = parseLogoutMessage(decodeLogoutMessage(message, DEFAULT_MAX_LOGOUT_BYTES));
      const id = parsed.parsed.root.getAttribute('ID') ?? '';
      if (parsed.kind !== 'LogoutRequest' || id === '' || parsed.issuer === undefined)
        throw new TypeError('SAMLRequest is not a LogoutRequest with an ID and an Issuer');
      const spSloUrl = input.sloUrl ?? sp?.sloUrl;
      if (spSloUrl === undefined) throw new TypeError('pass sloUrl, or set createTestIdp options.sp.sloUrl');
      return createLogoutResponse(mirror(parsed.issuer, spSloUrl), {
        inResponseTo: id,
        binding,
        ...(RelayState !== undefined && { relayState: RelayState }),
        ...(input.status !== undefined && { status: input.status }),
        now,
      });
    },
    logoutRequest: (input: TestIdpLogoutRequest): LogoutMessage => {
      if (typeof input !== 'object' || (input as unknown) === null)
        throw new TypeError('input must be an object');
      return createLogoutRequest(
        mirror(input.spEntityId, input.sloUrl),
        {
          nameId: input.nameId,
          nameIdFormat: input.nameIdFormat ?? preset.nameIdFormat,
          ...(input.spNameQualifier !== undefined && { spNameQualifier: input.spNameQualifier }),
          ...(input.sessionIndex !== undefined && { sessionIndex: input.sessionIndex }),
        },
        {
          binding: input.binding ?? 'redirect',
          ...(input.relayState !== undefined && { relayState: input.relayState }),
          now,
        },
      );
    },
  });
}

function readRequest(input: RespondInput): ReceivedAuthnRequest | undefined {
  const { SAMLRequest, binding, RelayState } = input;
  if (binding !== undefined && !Object.hasOwn(BINDINGS, binding)) {
    throw new TypeError("binding must be 'redirect' or 'post'");
  }
  if (RelayState !== undefined && typeof RelayState !== 'string')
    throw new TypeError('RelayState must be a string');
  if (SAMLRequest === undefined) return undefined;
  if (typeof SAMLRequest !== 'string') throw new TypeError('SAMLRequest must be a string');
  return readAuthnRequest(SAMLRequest, binding);
}

function checkSp(sp: unknown): { entityId: string; acsUrl: string; sloUrl?: string } {
  const { entityId, acsUrl, sloUrl } = (typeof sp === 'object' && sp !== null ? sp : {}) as Record<
    string,
    unknown
  >;
  if (typeof entityId !== 'string' || entityId === '') {
    throw new TypeError('options.sp.entityId must be a non-empty string');
  }
  return {
    entityId,
    acsUrl: httpUrl(acsUrl, 'options.sp.acsUrl'),
    ...(sloUrl !== undefined && { sloUrl: httpUrl(sloUrl, 'options.sp.sloUrl') }),
  };
}

function signerOf(pair: unknown, path: string): SignerKey {
  const parsed =
    typeof pair === 'object' && pair !== null
      ? parseKeyPair(pair as { privateKey: unknown; certificate: unknown })
      : 'must be { privateKey, certificate } in PEM';
  if (typeof parsed === 'string') throw new TypeError(`${path} ${parsed}`);
  return parsed;
}

function httpUrl(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^https?:\/\/\S+$/i.test(value) || !URL.canParse(value)) {
    throw new TypeError(`${path} must be an absolute http(s) URL`);
  }
  return value;
}

/** SAML metadata §2.3.2, §2.4.3: one IDPSSODescriptor with a signing key and both SSO bindings. */
function buildMetadata(
  entityId: string,
  ssoUrl: string,
  certificateBase64: string,
  nameIdFormat: string,
  sloUrl: string | undefined,
): string {
  const document = new DOMImplementation().createDocument(NS.metadata, 'md:EntityDescriptor', null);
  const root = document.documentElement;
  if (root === null) throw new Error('unreachable: the document has its root');
  const add = (
    parent: Element,
    ns: string,
    name: string,
    attributes: Record<string, string> = {},
    text?: string,
  ): Element => {
    const element = document.createElementNS(ns, name);
    for (const [attribute, value] of Object.entries(attributes)) {
      element.setAttribute(attribute, xmlChars(value, `the ${attribute} value`));
    }
    if (text !== undefined) element.appendChild(document.createTextNode(text));
    parent.appendChild(element);
    return element;
  };
  root.setAttributeNS(NS.xmlns, 'xmlns:md', NS.metadata);
  root.setAttributeNS(NS.xmlns, 'xmlns:ds', NS.dsig);
  root.setAttribute('entityID', entityId);
  const idp = add(root, NS.metadata, 'md:IDPSSODescriptor', {
    protocolSupportEnumeration: NS.protocol,
    WantAuthnRequestsSigned: 'false',
  });
  const keyInfo = add(add(idp, NS.metadata, 'md:KeyDescriptor', { use: 'signing' }), NS.dsig, 'ds:KeyInfo');
  add(add(keyInfo, NS.dsig, 'ds:X509Data'), NS.dsig, 'ds:X509Certificate', {}, certificateBase64);
  // SAML metadata §2.4.2: SingleLogoutService comes before NameIDFormat.
  for (const binding of sloUrl === undefined ? [] : [BINDINGS.redirect, BINDINGS.post]) {
    add(idp, NS.metadata, 'md:SingleLogoutService', { Binding: binding, Location: sloUrl ?? '' });
  }
  add(idp, NS.metadata, 'md:NameIDFormat', {}, nameIdFormat);
  if (nameIdFormat !== NAMEID_FORMAT.emailAddress)
    add(idp, NS.metadata, 'md:NameIDFormat', {}, NAMEID_FORMAT.emailAddress);
  for (const binding of [BINDINGS.redirect, BINDINGS.post]) {
    add(idp, NS.metadata, 'md:SingleSignOnService', { Binding: binding, Location: ssoUrl });
  }
  const xml = new XMLSerializer().serializeToString(document, { requireWellFormed: true });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}
