/**
 * Text checks shared by the modules that take it from outside: well-formedness, and what is safe in
 * a log line.
 *
 * @module
 */

/**
 * Whether text has a UTF-8 form: `false` with an unpaired surrogate (a `\uD800` on its own), which
 * no store keeps as it is (PostgreSQL refuses it, Redis keys are bytes) and no one gets back
 * unchanged. With the `u` flag, a proper pair is one code point and does not match.
 */
export function isWellFormed(value: string): boolean {
  return !/\p{Surrogate}/u.test(value);
}

const MAX_LOGGABLE = 2048;

// C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional controls that
// reorder what a person reads (Trojan Source): any of them in a log line can forge another entry or
// drive a terminal (docs/security.md rule 30).
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LOGS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Text for a log line: unsafe characters as `\u{…}` escapes, and at most 2048 characters. Errors
 * and events carry text from messages (StatusMessage, codes, URLs, an AuthnContextClassRef) and
 * from tenant configurations, so every string field of a `SamlError` and of an event goes through it.
 */
export function loggable(text: string): string {
  const escaped = text.replace(UNSAFE_IN_LOGS, (char) => `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`);
  return escaped.length > MAX_LOGGABLE ? `${escaped.slice(0, MAX_LOGGABLE)}…` : escaped;
}
