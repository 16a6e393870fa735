/**
 * The SCIM bearer token of a tenant (RFC 7644 §2: HTTP authentication, here OAuth 2.0 bearer
 * tokens, RFC 6750): 256 random bits, shown once, stored as its SHA-256, compared in constant time.
 *
 * @module
 */
import type { Clock } from '../types.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { currentTime } from '../internal/time.js';
import { fail } from '../internal/fail.js';
import type { DirectoryStore } from './store.js';

/** What {@link createScimToken} returns: the token, which exists nowhere else from now on. */
export interface IssuedScimToken {
  /** `scim_` and 43 base64url characters (256 bits). Show it to the admin once; it is not stored. */
  readonly token: string;
  /** When it was made. */
  readonly createdAt: Date;
  /** Until when the token it replaced stays valid, when a grace period was asked for. */
  readonly previousValidUntil?: Date;
}

/** Options of {@link createScimToken}. */
export interface CreateScimTokenOptions {
  /**
   * How long the token being replaced keeps working, in seconds (at most 7 days), so the admin
   * can paste the new one into the IdP without a gap. Default 0: the old token stops at once,
   * which is what a rotation after a leak needs.
   */
  readonly graceSeconds?: number;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
}

/** Longest grace period of {@link CreateScimTokenOptions.graceSeconds}: 7 days. */
export const MAX_TOKEN_GRACE_SECONDS = 7 * 24 * 3600;
const TOKEN_ID = 'bearer';
const PREFIX = 'scim_';

interface StoredHash {
  readonly hash: string;
  readonly createdAt: string;
  readonly until?: string;
}
interface Credential {
  readonly current: StoredHash;
  readonly previous?: StoredHash;
}

/**
 * Makes a new SCIM bearer token for the tenant and stores its SHA-256, replacing the previous one
 * (revoked at once, or after `graceSeconds`). The token itself is returned once and never stored:
 * show it to the admin, who pastes it into the IdP (Entra ID: _Secret Token_; Okta: _API Token_).
 *
 * @example
 * ```ts
 * const { token } = await createScimToken(directory, 'acme');
 * // show `token` once; rotate later with a day of overlap:
 * await createScimToken(directory, 'acme', { graceSeconds: 86_400 });
 * ```
 * @throws TypeError for an empty tenant ID or a grace period out of range.
 * @throws SamlError `STORE_UNAVAILABLE` when the store fails, `DIRECTORY_CONFLICT` when another
 *   rotation of this tenant ran at the same moment (retry).
 */
export async function createScimToken(
  directory: DirectoryStore,
  tenantId: string,
  options: CreateScimTokenOptions = {},
): Promise<IssuedScimToken> {
  if (typeof tenantId !== 'string' || tenantId === '')
    throw new TypeError('tenantId must be a non-empty string');
  const grace = options.graceSeconds ?? 0;
  if (!Number.isSafeInteger(grace) || grace < 0 || grace > MAX_TOKEN_GRACE_SECONDS)
    throw new TypeError(`options.graceSeconds must be a whole number from 0 to ${MAX_TOKEN_GRACE_SECONDS}`);
  const now = currentTime(options.now, 'options.now');
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const existing = await directory.get(tenantId, 'Credential', TOKEN_ID);
  const previous = existing === undefined ? undefined : credentialOf(existing.data).current;
  const until = new Date(now.getTime() + grace * 1000);
  const credential: Credential = {
    current: { hash: hashOf(token), createdAt: now.toISOString() },
    ...(previous !== undefined && grace > 0 && { previous: { ...previous, until: until.toISOString() } }),
  };
  const record = {
    tenantId,
    type: 'Credential' as const,
    id: TOKEN_ID,
    version: (existing?.version ?? 0) + 1,
    keys: [],
    data: JSON.stringify(credential),
  };
  const written = existing === undefined ? await directory.insert(record) : await directory.update(record);
  if (!written.ok) {
    fail('DIRECTORY_CONFLICT', 'Another token rotation of this tenant ran at the same time', {
      hint: 'Two admins rotated the SCIM token at once; create the token again and use the one shown last.',
      tenantId,
    });
  }
  return {
    token,
    createdAt: now,
    ...(credential.previous !== undefined && { previousValidUntil: until }),
  };
}

/**
 * Revokes every SCIM token of the tenant at once (provisioning stops until a new one is made).
 *
 * @returns `false` when the tenant had no token.
 * @throws SamlError `STORE_UNAVAILABLE` when the store fails.
 */
export function revokeScimTokens(directory: DirectoryStore, tenantId: string): Promise<boolean> {
  return directory.delete(tenantId, 'Credential', TOKEN_ID);
}

/**
 * Whether the `Authorization` header carries the tenant's current token (or the previous one,
 * inside its grace period). Both candidates are always compared, in constant time.
 */
export async function tokenAccepted(
  directory: DirectoryStore,
  tenantId: string,
  authorization: string | undefined,
  now: Date,
): Promise<boolean> {
  const match = /^Bearer +(\S{1,512}) *$/iu.exec(authorization ?? '');
  if (match?.[1] === undefined) return false;
  const presented = Buffer.from(hashOf(match[1]), 'hex');
  const record = await directory.get(tenantId, 'Credential', TOKEN_ID);
  if (record === undefined) return false;
  const { current, previous } = credentialOf(record.data);
  const equal = (stored: StoredHash | undefined): boolean => {
    const bytes = Buffer.from(stored?.hash ?? '', 'hex');
    return bytes.length === presented.length && timingSafeEqual(bytes, presented);
  };
  const currentOk = equal(current);
  const previousOk =
    equal(previous) && previous?.until !== undefined && now.getTime() < Date.parse(previous.until);
  return currentOk || previousOk;
}

function hashOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function credentialOf(data: string): Credential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    parsed = undefined;
  }
  const current = (parsed as Partial<Credential> | undefined)?.current;
  if (typeof current?.hash !== 'string') {
    fail('STORE_UNAVAILABLE', 'The stored SCIM token record is not valid', {
      hint: 'The directory store holds a token record samlkit did not write: create a new SCIM token for the tenant.',
    });
  }
  return parsed as Credential;
}
