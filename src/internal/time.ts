import type { Clock } from '../types.js';
import { fail } from './fail.js';

// xs:dateTime as SAML core §1.3.3 uses it: UTC, optional fractional seconds.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a SAML time attribute; a malformed value is a malformed message, never "no limit". */
export function parseSamlTime(value: string, what: string): Date {
  const match = DATE_TIME.exec(value);
  const time = match === null ? Number.NaN : Date.parse(value);
  if (Number.isNaN(time)) {
    fail('MALFORMED_XML', `${what} is not a valid xs:dateTime`, {
      hint: 'SAML times must look like 2024-01-31T12:00:00Z (SAML core §1.3.3).',
      received: value,
    });
  }
  return new Date(time);
}

/**
 * The current time: the injected clock's when given, else the system clock's (the one place it is
 * read). A clock is checked each time it is read, since a caller may pass anything.
 */
export function currentTime(now: Clock | undefined, parameter: string): Date {
  if (now === undefined) return new Date();
  if (typeof now !== 'function') throw new TypeError(`${parameter} must be a function that returns a Date`);
  const time: unknown = now();
  if (!(time instanceof Date) || Number.isNaN(time.getTime()))
    throw new TypeError(`${parameter} must return a valid Date`);
  return time;
}
