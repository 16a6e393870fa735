/**
 * What every store adapter checks and normalises the same way, so that MemoryStore, Redis and
 * PostgreSQL agree to the letter (the conformance suite holds them to it).
 */
import { fail } from '../internal/fail.js';
import type { DomainClaim, DomainVerification } from '../tenant/domains.js';
import type { PendingRequest, SamlSession } from './types.js';

/** Lower-cases ASCII letters only: a Unicode look-alike (U+212A KELVIN SIGN) must not become `k`. */
export function asciiLowerCase(value: string): string {
  return value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Code-unit order: the same in every locale and every store. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function requireString(value: unknown, parameter: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${parameter} must be a string`);
}

/** A Date argument as milliseconds since the epoch. */
export function timeOf(date: unknown, parameter: string): number {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new TypeError(`${parameter} must be a valid Date`);
  return date.getTime();
}

export function checkRequest(request: unknown): asserts request is PendingRequest {
  const fields = typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
  for (const key of ['tenantId', 'requestId', 'relayState', 'browserBinding']) {
    const value = fields[key];
    if (typeof value !== 'string' || value === '')
      throw new TypeError(`request.${key} must be a non-empty string`);
  }
  if (fields.returnTo !== undefined && typeof fields.returnTo !== 'string') {
    throw new TypeError('request.returnTo must be a string when present');
  }
  const maxAge = fields.maxAuthnAgeSeconds;
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge < 0)) {
    throw new TypeError('request.maxAuthnAgeSeconds must be a whole number of seconds when present');
  }
}

/** The checks every store makes on a {@link SamlSession} it is asked to save. */
export function checkSession(session: unknown): asserts session is SamlSession {
  const fields = typeof session === 'object' && session !== null ? (session as Record<string, unknown>) : {};
  for (const key of ['tenantId', 'appSessionId', 'nameId', 'nameIdFormat']) {
    const value = fields[key];
    if (typeof value !== 'string' || value === '')
      throw new TypeError(`session.${key} must be a non-empty string`);
  }
  for (const key of ['nameQualifier', 'spNameQualifier', 'sessionIndex']) {
    if (fields[key] !== undefined && typeof fields[key] !== 'string')
      throw new TypeError(`session.${key} must be a string when present`);
  }
}

/** A session with exactly its own fields, frozen (what every store returns). */
export function sessionOf(session: SamlSession): SamlSession {
  const { tenantId, appSessionId, nameId, nameIdFormat, nameQualifier, spNameQualifier, sessionIndex } =
    session;
  return Object.freeze({
    tenantId,
    appSessionId,
    nameId,
    nameIdFormat,
    ...(nameQualifier !== undefined && { nameQualifier }),
    ...(spNameQualifier !== undefined && { spNameQualifier }),
    ...(sessionIndex !== undefined && { sessionIndex }),
  });
}

/** A `setDomainVerification` argument: `null`, or a verification with a valid date, method and `by`. */
export function checkVerification(value: unknown): asserts value is DomainVerification | null {
  if (value === null) return;
  const fields = typeof value === 'object' ? (value as Record<string, unknown>) : {};
  timeOf(fields.verifiedAt, 'verification.verifiedAt');
  if (fields.method !== 'dns' && fields.method !== 'operator')
    throw new TypeError("verification.method must be 'dns' or 'operator'");
  if (typeof fields.by !== 'string' || fields.by === '' || fields.by.length > 256)
    throw new TypeError('verification.by must be a non-empty string of at most 256 characters');
}

/** A claim as stored: the token, and the verification as JSON-friendly values. */
export interface StoredClaim {
  readonly token: string;
  readonly verifiedAt?: string;
  readonly method?: 'dns' | 'operator';
  readonly by?: string;
}

/** The public, frozen form of a stored claim. */
export function claimOf(tenantId: string, domain: string, stored: StoredClaim): DomainClaim {
  const verified = stored.verifiedAt !== undefined && stored.method !== undefined && stored.by !== undefined;
  return Object.freeze({
    tenantId,
    domain,
    token: stored.token,
    status: verified ? 'verified' : 'pending',
    ...(verified && {
      verification: Object.freeze({
        verifiedAt: new Date(stored.verifiedAt ?? ''),
        method: stored.method ?? 'operator',
        by: stored.by ?? '',
      }),
    }),
  });
}

/** The stored form of a claim after `setDomainVerification`. */
export function storedClaim(token: string, verification: DomainVerification | null): StoredClaim {
  return verification === null
    ? { token }
    : {
        token,
        verifiedAt: verification.verifiedAt.toISOString(),
        method: verification.method,
        by: verification.by,
      };
}

/** `DOMAIN_ALREADY_CLAIMED`: another tenant holds the domain verified. */
export function alreadyVerified(domain: string, holder: string, tenantId: string): never {
  fail('DOMAIN_ALREADY_CLAIMED', `The email domain ${domain} is already verified by another tenant`, {
    hint: `Tenant "${holder}" has proven it owns ${domain}; an email domain belongs to one tenant. If that is wrong, an operator demotes "${holder}"'s claim (or it loses its DNS record and re-verification demotes it), then verify again.`,
    received: domain,
    tenantId,
  });
}
