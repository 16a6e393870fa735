/**
 * Login CSRF (docs/security.md rule 23): a pending login is bound to the browser that started it, by a
 * secret the app keeps in a cookie, and only a hash of it is stored with the pending login.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { selfSubmittingPage } from '../request/bindings.js';
import { fieldOf } from '../internal/form.js';

/** The field the same-site step adds, so that a second post without the cookie is refused, not bounced again. */
export const SAME_SITE_FIELD = 'samlkit_same_site';

/** A fresh browser secret (256 bits) and the hash of it that the pending login keeps. */
export function newBrowserSecret(): { readonly secret: string; readonly binding: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, binding: bindingOf(secret) };
}

function bindingOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Whether `secret` (any value from a cookie) is the one whose hash is `binding`, in constant time. */
export function isSameBrowser(secret: unknown, binding: string): boolean {
  if (typeof secret !== 'string' || secret.length > 256) return false;
  const received = Buffer.from(bindingOf(secret), 'utf8');
  const expected = Buffer.from(binding, 'utf8');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** Options of {@link sameSiteStep}. */
export interface SameSiteStepOptions {
  /** Where the page posts the form again: the ACS URL, or its path (`/saml/acs`). */
  readonly action: string;
  /** A CSP nonce for the page's script (or allow `POST_FORM_SCRIPT_HASH`). */
  readonly cspNonce?: string;
}

/**
 * The same-site second step of a login at the ACS URL. The IdP's post to the ACS is cross-site, so
 * a `SameSite=Lax` (or `Strict`) login cookie is not sent with it. When the cookie is missing and
 * this is not already the second post, this returns a page that posts the same form again from the
 * app's own origin, where the cookie is sent; otherwise `undefined`: call `finishLogin`. A second
 * post still without the cookie is refused by `finishLogin` (`BROWSER_MISMATCH`), never bounced again.
 *
 * @param form The posted form, e.g. `req.body`.
 * @param browserSecret The login cookie's value, `undefined` when the request had none.
 *
 * @example
 * ```ts
 * const browserSecret = req.cookies['samlkit_login'];
 * const page = sameSiteStep(req.body, browserSecret, { action: '/saml/acs' });
 * if (page !== undefined) return res.type('html').send(page);
 * const login = await sp.finishLogin(req.body, { browserSecret });
 * ```
 */
export function sameSiteStep(
  form: unknown,
  browserSecret: unknown,
  options: SameSiteStepOptions,
): string | undefined {
  if (typeof options !== 'object' || typeof options.action !== 'string' || options.action === '') {
    throw new TypeError('options.action must be the ACS URL or its path');
  }
  if (browserSecret !== undefined && browserSecret !== '') return undefined;
  if (typeof form !== 'object' || form === null) return undefined;
  if (fieldOf(form, SAME_SITE_FIELD) !== undefined) return undefined;
  const response = fieldOf(form, 'SAMLResponse');
  const relayState = fieldOf(form, 'RelayState');
  // Only a plausible form is bounced; anything else goes to finishLogin and fails there.
  if (typeof response !== 'string' || (relayState !== undefined && typeof relayState !== 'string'))
    return undefined;
  return selfSubmittingPage(
    options.action,
    {
      SAMLResponse: response,
      ...(relayState !== undefined && { RelayState: relayState }),
      [SAME_SITE_FIELD]: '1',
    },
    options.cspNonce,
  );
}
