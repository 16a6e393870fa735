import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import { resolvedTenant, type Tenant } from '../tenant/define.js';
import {
  skipReplayCheck,
  type ResponseForm,
  type SamlProfile,
  type TenantConfig,
  type VerifyChecks,
} from '../types.js';
import { readAssertion } from './assertion.js';
import { authnContextDetail, checkAuthnAge, checkAuthnContext, maxAuthnAge } from './authn-context.js';
import { decodePostedResponse } from './decode.js';
import { openResponse } from './envelope.js';
import { buildProfile } from './profile.js';
import { isDecodedResponse, maxResponseBytes, parsedOf, type DecodedResponse } from './read.js';
import { parseXml, type ParsedXml } from '../xml/parse.js';
import { NO_TRACE, type Trace } from './trace.js';

/**
 * Verifies a SAML Response posted to the ACS URL (HTTP-POST binding, SAML bindings §3.5; Web
 * Browser SSO profile, SAML profiles §4.1) and returns the identity it asserts.
 *
 * Decodes with size caps, parses strictly once, checks the signature shape and then the signatures
 * against the tenant's pinned keys, and reads every identity field from the verified assertion
 * only. An `EncryptedAssertion` (SAML core §2.3.4) is decrypted with the tenant's `sp.decryption`
 * keys after the Response signature is verified over its encrypted form, parsed as a document of
 * its own, and held to the same signing policy as a plain assertion: encryption is never taken for
 * a signature. Then: issuer, destination, recipient, audience, validity window, InResponseTo, email rules,
 * and the replay cache. Throws a {@link SamlError} for any problem with the message, a `TypeError`
 * for a mistake in the arguments.
 *
 * @param tenant The tenant whose ACS URL received the form. Pass a {@link defineTenant} result to skip
 *   re-validating the configuration and re-parsing its certificates on every call.
 * @param form The POSTed form fields (`SAMLResponse`, optional `RelayState`), or what
 *   {@link decodeResponse} made of them (then nothing is decoded or parsed again).
 * @param checks The expected values: `inResponseTo` (the pending request ID; leave out only for an
 *   IdP-initiated login), `now`, and the `replayCache` (required: {@link skipReplayCheck} opts out).
 *
 * @example
 * ```ts
 * const profile = await verifyResponse(tenant, req.body, {
 *   inResponseTo: pending.requestId,
 *   replayCache,
 * });
 * ```
 */
export async function verifyResponse(
  tenant: TenantConfig | Tenant,
  form: ResponseForm | DecodedResponse,
  checks: VerifyChecks,
): Promise<SamlProfile> {
  return runChecks(tenant, form, checks, NO_TRACE);
}

/** verifyResponse, reporting each check to `trace` (explainResponse). */
export async function runChecks(
  tenant: TenantConfig | Tenant,
  form: ResponseForm | DecodedResponse,
  checks: VerifyChecks,
  trace: Trace,
): Promise<SamlProfile> {
  if (typeof checks !== 'object' || (checks as Partial<VerifyChecks> | null)?.replayCache === undefined) {
    // docs/security.md rule 31: replay protection is not dropped by leaving an argument out.
    throw new TypeError(
      'checks.replayCache is required: pass a ReplayCache (MemoryStore, samlkit/redis, samlkit/postgres), or skipReplayCheck to turn replay protection off',
    );
  }
  const now = currentTime(checks.now, 'checks.now');
  const resolved = resolvedTenant(tenant);
  const maxBytes = maxResponseBytes(checks.maxResponseBytes, 'checks.maxResponseBytes');
  const maxAge = maxAuthnAge(checks.maxAuthnAgeSeconds);
  if (
    checks.inResponseTo !== undefined &&
    (typeof checks.inResponseTo !== 'string' || checks.inResponseTo === '')
  ) {
    throw new TypeError(
      'checks.inResponseTo must be a non-empty string, or left out for IdP-initiated logins',
    );
  }

  const parsed = decodedAndParsed(form, maxBytes, trace);
  if (!resolved.allowIdsStartingWithDigit) requireNcNameIds(parsed.ids.keys(), resolved.config.id);
  const assertion = openResponse(parsed, resolved, trace);
  const content = readAssertion(assertion, resolved, { now, inResponseTo: checks.inResponseTo }, trace);
  const profile = buildProfile(content, resolved, trace);
  trace.check('authn-context');
  checkAuthnContext(profile, resolved);
  checkAuthnAge(profile, resolved, now, maxAge);
  trace.detail(authnContextDetail(profile, resolved, maxAge));

  trace.check('replay');
  // Remember until no part of the assertion can be accepted anywhere (docs/security.md rule 16, 24).
  const expiresAt = new Date(content.acceptableUntil.getTime() + resolved.skewMs);
  if (expiresAt.getTime() - now.getTime() > resolved.maxAssertionLifetimeMs) {
    fail('ASSERTION_LIFETIME_TOO_LONG', 'The assertion stays acceptable for longer than this tenant allows', {
      hint: `Shorten the assertion lifetime in the IdP (SubjectConfirmationData and Conditions NotOnOrAfter: a few minutes is usual), or raise maxAssertionLifetimeSeconds (now ${resolved.maxAssertionLifetimeMs / 1000} s).`,
      expected: `at most ${resolved.maxAssertionLifetimeMs / 1000} s from now`,
      received: content.acceptableUntil.toISOString(),
      tenantId: resolved.config.id,
    });
  }
  if (checks.replayCache === skipReplayCheck) trace.detail({ skipped: true, note: 'skipReplayCheck' });
  else {
    let firstUse: unknown;
    try {
      firstUse = await checks.replayCache.remember(resolved.config.id, content.assertionId, expiresAt);
    } catch (cause) {
      fail('STORE_UNAVAILABLE', 'The replay cache failed; the login is refused', {
        hint: 'The replay cache store is unreachable. Check the Redis/PostgreSQL connection of the application.',
        tenantId: resolved.config.id,
        cause,
      });
    }
    // Only `true` is a first use: a store that answers anything else fails closed.
    if (firstUse !== true) {
      fail('REPLAY', 'This assertion was already used', {
        hint: 'Each SAML response can be used once. Ask the user to start the login again.',
        received: content.assertionId,
        tenantId: resolved.config.id,
      });
    }
  }
  return profile;
}

// An NCName (XML namespaces §3, xs:ID of SAML core §1.3.4), restricted to ASCII; the parser has
// already refused anything but letters, digits, `_`, `.` and `-`.
const NCNAME_START = /^[A-Za-z_]/;

/** Every ID of the document is an NCName, unless the tenant accepts a leading digit. */
function requireNcNameIds(ids: Iterable<string>, tenantId: string): void {
  for (const id of ids) {
    if (!NCNAME_START.test(id)) {
      fail('DUPLICATE_ID', 'An ID attribute is not an NCName: it starts with a digit', {
        hint: 'ID values must be XML NCNames (SAML core §1.3.4). If this IdP (SecureWorks, for one) sends IDs starting with a digit, set allowIdsStartingWithDigit on the tenant.',
        received: id,
        tenantId,
      });
    }
  }
}

/** The parsed document: decoded and parsed here, or once before by decodeResponse. */
function decodedAndParsed(form: ResponseForm | DecodedResponse, maxBytes: number, trace: Trace): ParsedXml {
  trace.check('decode');
  if (!isDecodedResponse(form)) {
    const xml = decodePostedResponse(form, maxBytes);
    trace.check('parse');
    return parseXml(xml);
  }
  const { parsed, bytes } = parsedOf(form);
  // Decoded under decodeResponse's limit; the checks' own limit still holds.
  if (bytes > maxBytes) {
    fail('SIZE_LIMIT', `The decoded response is larger than ${maxBytes} bytes`, {
      hint: `samlkit accepts responses up to ${maxBytes} bytes (checks.maxResponseBytes).`,
    });
  }
  trace.detail({ note: 'decoded once by decodeResponse' });
  trace.check('parse');
  return parsed;
}
