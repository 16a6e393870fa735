import { createHash } from 'node:crypto';
import { deflateRaw } from 'pako';
import { signQueryString, RSA_SHA256, type SignerKey } from '../crypto/sign.js';

/** The form fields of an HTTP-POST binding message (SAML bindings §3.5.4). */
export interface PostForm {
  /** The URL the form posts to (the IdP's SSO URL). */
  readonly action: string;
  /** The form's fields, unescaped: post them as hidden inputs to `action`. */
  readonly fields: {
    /** The base64-encoded AuthnRequest (SAML bindings §3.5.4). */
    readonly SAMLRequest: string;
    /** The RelayState given to `createAuthnRequest`, when there was one. */
    readonly RelayState?: string;
  };
  /** A complete page that submits the form itself, with a button for browsers without JavaScript. */
  readonly html: string;
}

// The page's only script. Its hash is fixed, so a strict Content-Security-Policy can allow it.
const SUBMIT_SCRIPT = 'document.forms[0].submit();';

/**
 * The CSP source that allows the auto-submit script of the POST binding page:
 * `Content-Security-Policy: script-src 'sha256-…'` (or pass `cspNonce`). The page also needs
 * `form-action` to allow the IdP's SSO URL.
 */
export const POST_FORM_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}'`;

/**
 * The HTTP-Redirect binding (SAML bindings §3.4.4): raw DEFLATE, base64, URL-encoding. With a key,
 * the query `SAMLRequest=…&RelayState=…&SigAlg=…` is signed as it is sent (§3.4.4.1).
 */
export function redirectUrl(
  destination: string,
  xml: string,
  relayState: string | undefined,
  key: SignerKey | undefined,
): string {
  return redirectMessageUrl(destination, 'SAMLRequest', xml, relayState, key);
}

/** {@link redirectUrl} for either message parameter: `SAMLRequest` or `SAMLResponse` (§3.4.4.1). */
export function redirectMessageUrl(
  destination: string,
  parameter: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  relayState: string | undefined,
  key: SignerKey | undefined,
): string {
  let query = `${parameter}=${encodeURIComponent(Buffer.from(deflateRaw(xml)).toString('base64'))}`;
  if (relayState !== undefined) query += `&RelayState=${encodeURIComponent(relayState)}`;
  if (key !== undefined) {
    query += `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
    query += `&Signature=${encodeURIComponent(signQueryString(query, key.privateKey))}`;
  }
  return `${destination}${destination.includes('?') ? '&' : '?'}${query}`;
}

/** The HTTP-POST binding (SAML bindings §3.5.4): base64 of the XML in a form the page submits. */
export function postForm(
  destination: string,
  xml: string,
  relayState: string | undefined,
  cspNonce?: string,
): PostForm {
  const fields = {
    SAMLRequest: Buffer.from(xml, 'utf8').toString('base64'),
    ...(relayState !== undefined && { RelayState: relayState }),
  };
  return { action: destination, fields, html: selfSubmittingPage(destination, fields, cspNonce) };
}

/**
 * The HTTP-POST binding page for either message field (`SAMLRequest` or `SAMLResponse`), worded
 * for `purpose` ("sign in", "sign out").
 */
export function postMessageForm(
  destination: string,
  parameter: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  relayState: string | undefined,
  cspNonce: string | undefined,
  purpose: 'sign in' | 'sign out',
): { readonly fields: Readonly<Record<string, string>>; readonly html: string } {
  const fields: Record<string, string> = { [parameter]: Buffer.from(xml, 'utf8').toString('base64') };
  if (relayState !== undefined) fields.RelayState = relayState;
  return { fields, html: selfSubmittingPage(destination, fields, cspNonce, purpose) };
}

/**
 * A page that posts `fields` to `action` by itself, with a button for browsers without JavaScript.
 * Its one script is the one {@link POST_FORM_SCRIPT_HASH} allows.
 */
export function selfSubmittingPage(
  action: string,
  fields: Readonly<Record<string, string>>,
  cspNonce: string | undefined,
  purpose: 'sign in' | 'sign out' = 'sign in',
): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const nonce = cspNonce === undefined ? '' : ` nonce="${escapeHtml(cspNonce)}"`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Continue to ${purpose}</title>
</head>
<body>
<form method="post" action="${escapeHtml(action)}">
${inputs}
<noscript><p>JavaScript is turned off. Press Continue to go on to ${purpose}.</p></noscript>
<button type="submit">Continue</button>
</form>
<script${nonce}>${SUBMIT_SCRIPT}</script>
</body>
</html>
`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
