/**
 * Setup links: what an app sends to an organisation's IT admin so they can finish the SSO setup
 * without an account in the app. Signed with the app's secret (HMAC-SHA-256), expiring, single-use,
 * and scoped to one tenant's draft: a link of tenant B opened on tenant A's page fails, and so does
 * a link whose tenant was edited (the signature covers it). See docs/admin-setup.md.
 *
 * @module
 */
import type { Clock } from '../types.js';
import { currentTime } from '../internal/time.js';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail } from '../internal/fail.js';
import type { StateStore } from '../store/types.js';

/** Options of {@link createSetupLink}. */
export interface CreateSetupLinkOptions {
  /** The app's secret: at least 32 random bytes, kept outside the database. */
  readonly secret: Uint8Array;
  /** How long the link may be opened, in seconds. Default 86400 (a day), at most 604800 (a week). */
  readonly ttlSeconds?: number;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
}

/** A setup link's token and expiry. */
export interface SetupLink {
  /** Put it in the link's path or query (it is base64url and `.`): `/setup/acme?token=…`. */
  readonly token: string;
  /** When it stops working. */
  readonly expiresAt: Date;
}

/** Options of {@link consumeSetupLink}. */
export interface ConsumeSetupLinkOptions {
  /** The secret the link was signed with. */
  readonly secret: Uint8Array;
  /** The tenant whose setup page the link was opened on (from the URL): it must be the link's. */
  readonly tenantId: unknown;
  /** Remembers used links until they expire (`remember`): the service provider's state store. */
  readonly replayCache: Pick<StateStore, 'remember'>;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
}

/** A setup link that {@link consumeSetupLink} accepted (and used up). */
export interface UsedSetupLink {
  /** The tenant whose draft the visitor may now set up. */
  readonly tenantId: string;
  /** When the link would have expired: a session it opens should not outlive it by much. */
  readonly expiresAt: Date;
}

const VERSION = 'v1';
const CONTEXT = 'samlkit-setup-link.v1.';
const MAX_TOKEN_LENGTH = 1024;
const MAX_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Makes a setup link for one tenant: signed (HMAC-SHA-256 over the tenant ID, expiry and a random
 * nonce), so it cannot be changed to another tenant, and valid once until it expires.
 *
 * @throws TypeError when the secret is shorter than 32 bytes, the tenant ID empty, or the TTL out of range.
 * @example
 * ```ts
 * const { token } = createSetupLink('acme', { secret: appSecret });
 * await sendMail(itAdmin, `https://app.example.com/setup/acme?token=${token}`);
 * ```
 */
export function createSetupLink(tenantId: string, options: CreateSetupLinkOptions): SetupLink {
  if (typeof tenantId !== 'string' || tenantId === '')
    throw new TypeError('tenantId must be a non-empty string');
  const secret = checkSecret(options.secret);
  const ttl = options.ttlSeconds ?? 86_400;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_TTL_SECONDS)
    throw new TypeError(`options.ttlSeconds must be a whole number from 60 to ${MAX_TTL_SECONDS}`);
  const expiresAt = new Date(currentTime(options.now, 'options.now').getTime() + ttl * 1000);
  const payload = Buffer.from(
    JSON.stringify({ t: tenantId, e: expiresAt.getTime(), n: randomBytes(16).toString('base64url') }),
  ).toString('base64url');
  const token = `${VERSION}.${payload}.${mac(secret, payload)}`;
  if (token.length > MAX_TOKEN_LENGTH) throw new TypeError('tenantId is too long for a setup link');
  return { token, expiresAt };
}

/**
 * Checks a setup link opened on a tenant's setup page and uses it up: the signature, the tenant
 * (the page's must be the link's), the expiry, then once only (the replay cache remembers it until
 * it expires). Give the visitor a session scoped to that tenant's draft.
 *
 * @param token - The token from the URL: any value.
 * @throws SamlError `SETUP_LINK_INVALID` (not ours, changed, or another tenant's),
 *   `SETUP_LINK_EXPIRED`, `SETUP_LINK_USED`.
 * @example
 * ```ts
 * const { tenantId } = await consumeSetupLink(req.query.token, { secret, tenantId: req.params.tenant, replayCache: store });
 * ```
 */
export async function consumeSetupLink(
  token: unknown,
  options: ConsumeSetupLinkOptions,
): Promise<UsedSetupLink> {
  const secret = checkSecret(options.secret);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) invalid();
  const [version, payload, signature, ...rest] = token.split('.');
  if (version !== VERSION || payload === undefined || signature === undefined || rest.length > 0) invalid();
  const expected = Buffer.from(mac(secret, payload), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) invalid();
  // Signed by us: the payload is ours, but still checked field by field.
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    invalid();
  }
  const { t, e, n } = (typeof fields === 'object' && fields !== null ? fields : {}) as Record<
    string,
    unknown
  >;
  if (typeof t !== 'string' || typeof e !== 'number' || typeof n !== 'string') invalid();
  if (options.tenantId !== t) invalid(true);
  const now = currentTime(options.now, 'options.now');
  if (now.getTime() >= e) {
    fail('SETUP_LINK_EXPIRED', 'The setup link has expired', {
      hint: 'Ask the organisation\u2019s admin for a new setup link.',
      tenantId: t,
    });
  }
  if (!(await options.replayCache.remember(t, `setup-link:${n}`, new Date(e)))) {
    fail('SETUP_LINK_USED', 'The setup link was already used', {
      hint: 'Setup links work once. Ask the organisation\u2019s admin for a new one.',
      tenantId: t,
    });
  }
  return { tenantId: t, expiresAt: new Date(e) };
}

function mac(secret: Uint8Array, payload: string): string {
  return createHmac('sha256', secret)
    .update(CONTEXT + payload)
    .digest('base64url');
}

function checkSecret(secret: unknown): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length < 32)
    throw new TypeError('options.secret must be at least 32 random bytes (a Uint8Array or Buffer)');
  return secret;
}

function invalid(otherTenant = false): never {
  fail(
    'SETUP_LINK_INVALID',
    otherTenant ? 'The setup link is for another organisation' : 'The setup link is not valid',
    {
      hint: 'Open the link exactly as it was sent, on the organisation it was made for; or ask the organisation\u2019s admin for a new one.',
    },
  );
}
