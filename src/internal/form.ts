/**
 * Reading what a request posted: a form's own fields only (never one inherited through its
 * prototype, as `__proto__` or `toString` would be), and comparing secrets in constant time.
 *
 * @module
 */
import { timingSafeEqual } from 'node:crypto';

/** The form's own field `name`; `undefined` when the form is not an object or has no such field. */
export function fieldOf(form: unknown, name: string): unknown {
  return typeof form === 'object' && form !== null && Object.hasOwn(form, name)
    ? (form as Record<string, unknown>)[name]
    : undefined;
}

/**
 * Whether `received` is exactly `expected`, compared in constant time as UTF-8 bytes (a string of
 * the right length in UTF-16 units may be longer in UTF-8). Anything but a string is not.
 */
export function sameText(received: unknown, expected: string): boolean {
  if (typeof received !== 'string') return false;
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
