/**
 * Audit and operations events: what the service saw, as plain records the app hands to its logger,
 * SIEM or OpenTelemetry (attribute names follow the OpenTelemetry conventions: `error.type`,
 * `user.id`, and `saml.*` for ours). No dependency, no I/O: the app's callback does the rest.
 *
 * @module
 */
import type { SamlErrorCode } from '../errors.js';
import { loggable } from '../internal/text.js';

/** The shape of every {@link SamlEvent}: `name` says which, `time` is when it happened, `attributes` the rest. */
export interface SamlEventShape<Name extends string, Attributes> {
  /** The event's name, OpenTelemetry style (`saml.login.succeeded`). */
  readonly name: Name;
  /** When it happened (the service's clock). */
  readonly time: Date;
  /** Flat attributes with OpenTelemetry-style names; values are strings, numbers, booleans or string lists. */
  readonly attributes: Attributes;
}

/** A login finished: the response verified and every policy of the tenant held. */
export type LoginSucceededEvent = SamlEventShape<
  'saml.login.succeeded',
  {
    /** The tenant the response was verified against. */
    readonly 'saml.tenant.id': string;
    /** The IdP's entity ID (the assertion's Issuer). */
    readonly 'saml.idp.entity_id': string;
    /** `'sp'` for a login the app started, `'idp'` for an IdP-initiated one. */
    readonly 'saml.login.initiator': 'sp' | 'idp';
    /** The AuthnContextClassRef, when the IdP sent one. */
    readonly 'saml.authn.context_class'?: string;
    /** The roles the mapping granted. */
    readonly 'saml.login.roles': readonly string[];
    /** The user's email domain was verified for the tenant. */
    readonly 'saml.email_domain.verified': boolean;
    /** The NameID: only with `personalDataInEvents`. */
    readonly 'user.id'?: string;
    /** The email address: only with `personalDataInEvents`. */
    readonly 'user.email'?: string;
  }
>;

/** A login failed with a {@link SamlError}; no personal data, ever (the code says what failed). */
export type LoginFailedEvent = SamlEventShape<
  'saml.login.failed',
  {
    /** The tenant, when the failure happened after it was found. */
    readonly 'saml.tenant.id'?: string;
    /** The error's code (`SamlError.code`). */
    readonly 'error.type': SamlErrorCode;
  }
>;

/**
 * A tenant's live configuration changed: emitted by the setup flow (`createTenantSetup`: a draft
 * promoted or the previous settings restored) and by `createLockoutGuard` (SAML or require-SSO
 * turned on or off), to their `onEvent`.
 */
export type ConfigurationChangedEvent = SamlEventShape<
  'saml.tenant.configuration_changed',
  {
    /** The tenant. */
    readonly 'saml.tenant.id': string;
    /** The top-level fields that changed, e.g. `['idp', 'roles']`. */
    readonly 'saml.configuration.fields': readonly string[];
    /** Who changed it (the app's user or staff ID): personal, so only when the app wants it. */
    readonly 'enduser.id'?: string;
  }
>;

/**
 * An IdP certificate is about to expire (or has): emitted by `checkIdpCertificates` (run it on a
 * schedule) to its `onEvent`.
 */
export type CertificateExpiringEvent = SamlEventShape<
  'saml.certificate.expiring',
  {
    /** The tenant. */
    readonly 'saml.tenant.id': string;
    /** Whose certificate: the IdP's signing certificate, or one of ours. */
    readonly 'saml.certificate.owner': 'idp' | 'sp';
    /** The SHA-256 fingerprint. */
    readonly 'saml.certificate.fingerprint': string;
    /** Its NotAfter, ISO 8601. */
    readonly 'saml.certificate.expires_at': string;
    /** Whole days left; 0 or less once expired. */
    readonly 'saml.certificate.days_left': number;
  }
>;

/** A tenant proved it owns an email domain (`createDomainOwnership`). */
export type DomainVerifiedEvent = SamlEventShape<
  'saml.domain.verified',
  {
    /** The tenant. */
    readonly 'saml.tenant.id': string;
    /** The domain. */
    readonly 'saml.domain': string;
    /** `'dns'` or `'operator'`. */
    readonly 'saml.domain.verification_method': string;
    /** `true` when a scheduled re-verification confirmed a domain verified before. */
    readonly 'saml.domain.reverified': boolean;
  }
>;

/** Every event samlkit defines; switch on `name`. */
export type SamlEvent =
  | LoginSucceededEvent
  | LoginFailedEvent
  | ConfigurationChangedEvent
  | CertificateExpiringEvent
  | DomainVerifiedEvent;

/**
 * Receives events. It runs inside the login: keep it quick, and hand slow work (a network call to
 * a SIEM) to a queue. Whatever it throws, or a promise it returns rejects with, is swallowed: an
 * audit sink that fails never fails a login.
 */
export type EventHandler = (event: SamlEvent) => void | Promise<void>;

/**
 * Calls the handler, if any, and keeps its failures away from the caller. String values are made
 * safe for a log line first (controls escaped, at most 2048 characters), as a `SamlError`'s are:
 * some come from the IdP (the AuthnContextClassRef, the NameID), and any tenant's IdP must not
 * write lines of its own into a shared audit log (docs/security.md rule 30).
 */
export function emitter(handler: EventHandler | undefined, parameter: string): (event: SamlEvent) => void {
  if (handler === undefined) return () => undefined;
  if (typeof handler !== 'function') throw new TypeError(`${parameter} must be a function`);
  return (event) => {
    try {
      const attributes = Object.fromEntries(
        Object.entries(event.attributes).map(([name, value]: [string, unknown]) => [
          name,
          typeof value === 'string'
            ? loggable(value)
            : Array.isArray(value)
              ? Object.freeze(
                  value.map((item: unknown) => (typeof item === 'string' ? loggable(item) : item)),
                )
              : value,
        ]),
      );
      const result: unknown = handler(
        Object.freeze({ ...event, attributes: Object.freeze(attributes) }) as SamlEvent,
      );
      // A rejected promise must not become an unhandled rejection that ends the process.
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // The login goes on: an event sink is never part of the decision.
    }
  };
}
