/**
 * Text helpers of the CLI: times relative to now, certificate summaries, aligned fields.
 *
 * @module
 * @internal
 */
import { X509Certificate } from 'node:crypto';
import { parseSamlTime } from '../internal/time.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** `when` relative to `now`: `3 years ago`, `in 5 minutes`, `now`. */
export function relativeTime(when: Date, now: Date): string {
  const delta = when.getTime() - now.getTime();
  const size = Math.abs(delta);
  if (size < SECOND) return 'now';
  const [amount, unit]: [number, Intl.RelativeTimeFormatUnit] =
    size < MINUTE
      ? [delta / SECOND, 'second']
      : size < HOUR
        ? [delta / MINUTE, 'minute']
        : size < 2 * DAY
          ? [delta / HOUR, 'hour']
          : size < 60 * DAY
            ? [delta / DAY, 'day']
            : size < 730 * DAY
              ? [delta / (30.44 * DAY), 'month']
              : [delta / (365.25 * DAY), 'year'];
  return RELATIVE.format(Math.round(amount), unit);
}

/** An xs:dateTime read as the verifier reads it (SAML core §1.3.3), or undefined when it is not one. */
export function parseXsDateTime(value: string): Date | undefined {
  try {
    return parseSamlTime(value.trim(), 'time');
  } catch {
    return undefined;
  }
}

/** A time attribute as written, followed by how far it is from now: `… (3 years ago)`. */
export function timeAndRelative(value: string, now: Date): string {
  const time = parseXsDateTime(value);
  return time === undefined ? `${value} (not a valid time)` : `${value} (${relativeTime(time, now)})`;
}

/** A date as `2025-10-24T04:37:32Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What a certificate says, for information. */
export interface CertificateSummary {
  /** SHA-256 fingerprint, colon-separated upper-case hex. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Reads a base64 DER or PEM certificate; undefined when it is not one. */
export function summarizeCertificate(text: string): CertificateSummary | undefined {
  const body = text.replace(/-----(?:BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  try {
    const certificate = new X509Certificate(Buffer.from(body, 'base64'));
    return {
      fingerprint: certificate.fingerprint256,
      subject: certificate.subject.replace(/\n/g, ', '),
      notBefore: new Date(certificate.validFrom),
      notAfter: new Date(certificate.validTo),
    };
  } catch {
    return undefined;
  }
}

/** `expires 2025-10-24T04:37:32Z (in 3 months)` or `expired 2025-10-24T04:37:32Z (1 year ago)`. */
export function expiryOf(notAfter: Date, now: Date): string {
  const verb = notAfter.getTime() <= now.getTime() ? 'expired' : 'expires';
  return `${verb} ${isoSeconds(notAfter)} (${relativeTime(notAfter, now)})`;
}

/** One `label  value` line of a summary. */
export type Row = readonly [string, string];

/** Lines `label  value` with the values aligned, each indented by `indent`. */
export function fields(rows: readonly Row[], indent: string): string[] {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
}
