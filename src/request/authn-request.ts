import { randomBytes } from 'node:crypto';
import { DOMImplementation, XMLSerializer, type Element } from '@xmldom/xmldom';
import { signEnveloped } from '../crypto/sign.js';
import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import { REFEDS_MFA } from '../idp/authn-context.js';
import { IDP_PRODUCTS } from '../idp/products.js';
import { resolvedTenant, type Tenant } from '../tenant/define.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import type { Clock, TenantConfig } from '../types.js';
import { BINDINGS, NAMEID_FORMAT, NS } from '../xml/namespaces.js';
import { postForm, redirectUrl, type PostForm } from './bindings.js';

/** The RelayState limit of SAML bindings §3.4.3 and §3.5.3, in bytes. */
export const MAX_RELAY_STATE_BYTES = 80;

/** Options of {@link createAuthnRequest}. */
export interface AuthnRequestOptions {
  /** How the browser carries the request to the IdP. Default `'redirect'` (SAML bindings §3.4). */
  readonly binding?: 'redirect' | 'post';
  /**
   * An opaque value the IdP returns with the response, at most 80 bytes. Use it as a handle to
   * state you keep server-side (such as the return URL), never as the URL itself.
   */
  readonly relayState?: string;
  /** Ask the IdP to authenticate the user again even with a session (core §3.4.1). */
  readonly forceAuthn?: boolean;
  /** Ask the IdP not to interact with the user; it answers NoPassive when it would have to. */
  readonly isPassive?: boolean;
  /** The NameID format to ask for. Default emailAddress. */
  readonly nameIdFormat?: string;
  /** Let the IdP create an identifier for a new user (NameIDPolicy AllowCreate). Default `true`. */
  readonly allowCreate?: boolean;
  /**
   * Authentication context classes to ask for (core §3.3.2.2.1), e.g. MFA. Default: what the
   * tenant's `authnContext` requirement asks for (docs/policies.md), else none.
   */
  readonly requestedAuthnContext?: {
    /** `AuthnContextClassRef` URIs, e.g. `urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport`; at least one. */
    readonly classes: readonly string[];
    /** How the IdP compares its authentication with `classes` (core §3.3.2.2.1). Default `'exact'`. */
    readonly comparison?: 'exact' | 'minimum' | 'maximum' | 'better';
  };
  /** For the POST binding page: a CSP nonce for its script (or allow `POST_FORM_SCRIPT_HASH`). */
  readonly cspNonce?: string;
  /** The issue instant. Default: the system clock. */
  readonly now?: Clock;
}

/** A request sent with the HTTP-Redirect binding: send the browser to `url`. */
export interface RedirectAuthnRequest {
  /** Tells the two kinds of request apart. */
  readonly binding: 'redirect';
  /** The request ID: keep it with the login state and pass it as `inResponseTo` to `verifyResponse`. */
  readonly id: string;
  /**
   * The IdP's SSO URL with `SAMLRequest`, `RelayState` and, when signed, `SigAlg` and `Signature`
   * in its query (SAML bindings §3.4.4): redirect the browser to it.
   */
  readonly url: string;
}

/** A request sent with the HTTP-POST binding: render `html`, or your own form from `action` and `fields`. */
export interface PostAuthnRequest extends PostForm {
  /** Tells the two kinds of request apart. */
  readonly binding: 'post';
  /** The request ID: keep it with the login state and pass it as `inResponseTo` to `verifyResponse`. */
  readonly id: string;
}

/**
 * Builds an AuthnRequest for the tenant's IdP (SAML core §3.4.1; Web Browser SSO profile,
 * profiles §4.1.4.1), encoded for the HTTP-Redirect (bindings §3.4) or HTTP-POST (§3.5) binding.
 * When the tenant has `sp.signing`, the request is signed: in the query string for Redirect
 * (§3.4.4.1), as an enveloped XML signature for POST.
 *
 * @example
 * ```ts
 * const request = createAuthnRequest(tenant, { relayState: handle });
 * await pending.save({ tenantId: tenant.id, requestId: request.id, handle });
 * res.redirect(request.url);
 * ```
 */
export function createAuthnRequest(
  tenant: TenantConfig | Tenant,
  options: AuthnRequestOptions & { readonly binding: 'post' },
): PostAuthnRequest;
export function createAuthnRequest(
  tenant: TenantConfig | Tenant,
  options?: AuthnRequestOptions & { readonly binding?: 'redirect' },
): RedirectAuthnRequest;
export function createAuthnRequest(
  tenant: TenantConfig | Tenant,
  options?: AuthnRequestOptions,
): RedirectAuthnRequest | PostAuthnRequest;
export function createAuthnRequest(
  tenant: TenantConfig | Tenant,
  options: AuthnRequestOptions = {},
): RedirectAuthnRequest | PostAuthnRequest {
  const resolved = resolvedTenant(tenant);
  const config = resolved.config;
  const binding = options.binding ?? 'redirect';
  if (!Object.hasOwn(BINDINGS, binding)) throw new TypeError("options.binding must be 'redirect' or 'post'");
  const destination = config.idp.ssoUrls?.[binding] ?? config.idp.ssoUrl;
  // A stored configuration can lack what a login needs: the admin fixes it (docs/security.md rule 32).
  if (destination === undefined) {
    fail('TENANT_CONFIG_INVALID', `The tenant has no IdP SSO URL (idp.ssoUrl) for the ${binding} binding`, {
      hint: "Paste the IdP's sign-on URL (Entra ID: Login URL; Okta: Identity Provider Single Sign-On URL) into the SSO settings, or import the IdP's metadata.",
      tenantId: config.id,
    });
  }
  if (config.idp.wantAuthnRequestsSigned === true && resolved.spSigning === undefined) {
    fail(
      'TENANT_CONFIG_INVALID',
      'The IdP wants signed AuthnRequests, but the tenant has no SP signing key',
      {
        hint: 'Generate an SP signing key for the tenant (sp.signing) and give its certificate to the IdP, or turn off signed requests in the IdP.',
        tenantId: config.id,
      },
    );
  }
  const relayState = checkRelayState(options.relayState);
  const id = newRequestId();
  const requestedAuthnContext = options.requestedAuthnContext ?? tenantRequestedContext(resolved);
  const request = buildRequestElement(id, destination, config, {
    ...options,
    ...(requestedAuthnContext !== undefined && { requestedAuthnContext }),
  });

  if (binding === 'redirect') {
    // The Redirect binding carries the signature in the query, never inside the XML (§3.4.4.1).
    const xml = new XMLSerializer().serializeToString(request);
    return { binding, id, url: redirectUrl(destination, xml, relayState, resolved.spSigning) };
  }
  if (resolved.spSigning !== undefined) signEnveloped(request, resolved.spSigning);
  const xml = new XMLSerializer().serializeToString(request);
  return { binding, id, ...postForm(destination, xml, relayState, options.cspNonce) };
}

/**
 * The RequestedAuthnContext the tenant's `authnContext` requirement asks for: its classes
 * (Comparison exact), or for MFA the class of the preset's IdP that acts on one; none when the
 * requirement turns it off or the IdP would refuse rather than comply (Entra ID).
 */
function tenantRequestedContext(
  tenant: ResolvedTenant,
): AuthnRequestOptions['requestedAuthnContext'] | undefined {
  const requirement = tenant.config.authnContext;
  if (requirement === undefined || requirement.sendRequestedAuthnContext === false) return undefined;
  if (requirement.require === 'classes') return { classes: requirement.classes, comparison: 'exact' };
  const classRef = IDP_PRODUCTS[tenant.preset].authnContext.requestMfaClass;
  if (classRef !== undefined) return { classes: [classRef], comparison: 'exact' };
  // Asked for explicitly, without a class this IdP is known to act on: REFEDS MFA.
  return requirement.sendRequestedAuthnContext === true
    ? { classes: [REFEDS_MFA], comparison: 'exact' }
    : undefined;
}

/** A fresh, unguessable request ID: an NCName of 160 random bits (core §1.3.4). */
function newRequestId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

function checkRelayState(relayState: unknown): string | undefined {
  if (relayState === undefined) return undefined;
  if (typeof relayState !== 'string' || relayState === '')
    throw new TypeError('options.relayState must be a non-empty string');
  if (Buffer.byteLength(relayState, 'utf8') > MAX_RELAY_STATE_BYTES) {
    throw new TypeError(
      `options.relayState is longer than ${MAX_RELAY_STATE_BYTES} bytes (SAML bindings §3.4.3): keep the return URL server-side and pass an opaque handle`,
    );
  }
  return relayState;
}

function buildRequestElement(
  id: string,
  destination: string,
  config: TenantConfig,
  options: AuthnRequestOptions,
): Element {
  const document = new DOMImplementation().createDocument(NS.protocol, 'samlp:AuthnRequest', null);
  const request = document.documentElement;
  if (request === null) throw new Error('unreachable: the document has its root');
  request.setAttributeNS(NS.xmlns, 'xmlns:saml', NS.assertion);
  request.setAttribute('ID', id);
  request.setAttribute('Version', '2.0');
  request.setAttribute('IssueInstant', currentTime(options.now, 'options.now').toISOString());
  request.setAttribute('Destination', destination);
  request.setAttribute('AssertionConsumerServiceURL', config.sp.acsUrl);
  request.setAttribute('ProtocolBinding', BINDINGS.post);
  if (options.forceAuthn === true) request.setAttribute('ForceAuthn', 'true');
  if (options.isPassive === true) request.setAttribute('IsPassive', 'true');

  const child = (parent: Element, ns: string, name: string, text?: string): Element => {
    const element = document.createElementNS(ns, name);
    if (text !== undefined) element.appendChild(document.createTextNode(text));
    parent.appendChild(element);
    return element;
  };
  child(request, NS.assertion, 'saml:Issuer', config.sp.entityId);
  const policy = child(request, NS.protocol, 'samlp:NameIDPolicy');
  policy.setAttribute('Format', options.nameIdFormat ?? NAMEID_FORMAT.emailAddress);
  policy.setAttribute('AllowCreate', String(options.allowCreate ?? true));

  const context = options.requestedAuthnContext;
  if (context !== undefined) {
    if (context.classes.length === 0)
      throw new TypeError('options.requestedAuthnContext.classes must not be empty');
    const requested = child(request, NS.protocol, 'samlp:RequestedAuthnContext');
    requested.setAttribute('Comparison', context.comparison ?? 'exact');
    for (const classRef of context.classes)
      child(requested, NS.assertion, 'saml:AuthnContextClassRef', classRef);
  }
  return request;
}
