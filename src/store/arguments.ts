/**
 * What every store adapter checks and normalises the same way, so that MemoryStore, Redis and
 * PostgreSQL agree to the letter (the conformance suite holds them to it).
 */
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
