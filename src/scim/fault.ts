/**
 * How the SCIM code reports a refused request: a {@link SamlError} with the HTTP status and the
 * RFC 7644 §3.12 `scimType` attached, which the handler turns into a SCIM error response.
 *
 * @module
 */
import { SamlError, type SamlErrorCode } from '../errors.js';

/** The `scimType` values of RFC 7644 §3.12 (Table 9) that this server sends. */
export type ScimErrorType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue';

/** A refused SCIM request: a SamlError that also knows its HTTP status and `scimType`. */
export class ScimFault extends SamlError {
  /** The HTTP status of the SCIM error response. */
  readonly status: number;
  /** The RFC 7644 §3.12 detail type, when one applies. */
  readonly scimType: ScimErrorType | undefined;

  constructor(
    code: SamlErrorCode,
    status: number,
    scimType: ScimErrorType | undefined,
    message: string,
    hint: string,
  ) {
    super(code, message, { hint });
    this.status = status;
    this.scimType = scimType;
  }
}

/** A 400 with `scimType` (RFC 7644 §3.12): the request itself is wrong. */
export function invalid(scimType: ScimErrorType, message: string, hint?: string): never {
  throw new ScimFault(
    'SCIM_REQUEST_INVALID',
    400,
    scimType,
    message,
    hint ??
      'Check the attribute mappings of the provisioning app in the IdP; the SCIM response detail names the field.',
  );
}

/** A 404: no such resource in this tenant's directory. */
export function notFound(what: string): never {
  throw new ScimFault(
    'SCIM_NOT_FOUND',
    404,
    undefined,
    `${what} not found`,
    'The resource was deleted or never provisioned to this tenant; the IdP creates it again on its next cycle.',
  );
}

/** A 409 `uniqueness`: another resource of the tenant holds the value. */
export function notUnique(attribute: string): never {
  throw new ScimFault(
    'DIRECTORY_CONFLICT',
    409,
    'uniqueness',
    `Another resource of this tenant already has this ${attribute}`,
    `The ${attribute} must be unique in the tenant's directory (userName ignoring case). In the IdP, match existing users on ${attribute}, or remove the stale user in the application.`,
  );
}

/** A 412: the resource changed since the version in `If-Match` (RFC 7644 §3.14). */
export function preconditionFailed(): never {
  throw new ScimFault(
    'DIRECTORY_CONFLICT',
    412,
    undefined,
    'The resource changed since the version in If-Match',
    'Another change won the race: read the resource again and retry.',
  );
}
