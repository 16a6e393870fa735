import { SamlError, type SamlErrorCode, type SamlErrorDetails } from '../errors.js';

/** Throws a {@link SamlError}; a `never`-returning helper keeps call sites on one line. */
export function fail(code: SamlErrorCode, message: string, details: SamlErrorDetails): never {
  throw new SamlError(code, message, details);
}
