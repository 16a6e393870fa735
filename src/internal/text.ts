/**
 * Whether text has a UTF-8 form: no unpaired surrogate (a `\uD800` on its own). Such a string cannot
 * be stored as it is (PostgreSQL refuses it, Redis keys are bytes) nor sent back unchanged.
 *
 * @module
 */

/** `false` for a string with an unpaired surrogate. With the `u` flag, a pair is one code point. */
export function isWellFormed(value: string): boolean {
  return !/\p{Surrogate}/u.test(value);
}
