import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import { resolvedTenant, type Tenant } from '../tenant/define.js';
import type { ResponseForm, SamlProfile, TenantConfig, VerifyChecks } from '../types.js';
import { parseXml } from '../xml/parse.js';
import { readAssertion } from './assertion.js';
import { DEFAULT_MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES, decodePostedResponse } from './decode.js';
import { openResponse } from './envelope.js';
import { buildProfile } from './profile.js';
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
 * @param form The POSTed form fields (`SAMLResponse`, optional `RelayState`).
 * @param checks The expected values: `inResponseTo` (the pending request ID; leave out only for an
 *   IdP-initiated login), `now`, `replayCache`.
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
  form: ResponseForm,
  checks: VerifyChecks = {},
): Promise<SamlProfile> {
  return runChecks(tenant, form, checks, NO_TRACE);
}

/** verifyResponse, reporting each check to `trace` (explainResponse). */
export async function runChecks(
  tenant: TenantConfig | Tenant,
  form: ResponseForm,
  checks: VerifyChecks,
  trace: Trace,
): Promise<SamlProfile> {
  const now = currentTime(checks.now, 'checks.now');
  const resolved = resolvedTenant(tenant);
  const maxBytes = checks.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_RESPONSE_BYTES) {
    throw new TypeError(`checks.maxResponseBytes must be a whole number from 1 to ${MAX_RESPONSE_BYTES}`);
  }
  if (
    checks.inResponseTo !== undefined &&
    (typeof checks.inResponseTo !== 'string' || checks.inResponseTo === '')
  ) {
    throw new TypeError(
      'checks.inResponseTo must be a non-empty string, or left out for IdP-initiated logins',
    );
  }

  trace.check('decode');
  const xml = decodePostedResponse(form, maxBytes);
  trace.check('parse');
  const parsed = parseXml(xml);
  const assertion = openResponse(parsed, resolved, trace);
  const content = readAssertion(assertion, resolved, { now, inResponseTo: checks.inResponseTo }, trace);
  const profile = buildProfile(content, resolved, trace);

  trace.check('replay');
  if (checks.replayCache === undefined) trace.detail({ skipped: true, note: 'no replay cache given' });
  else {
    // Remember until the assertion can no longer be accepted anywhere (SECURITY rule 16).
    const expiresAt = new Date(content.notOnOrAfter.getTime() + resolved.skewMs);
    let firstUse: boolean;
    try {
      firstUse = await checks.replayCache.remember(resolved.config.id, content.assertionId, expiresAt);
    } catch (cause) {
      fail('STORE_UNAVAILABLE', 'The replay cache failed; the login is refused', {
        hint: 'The replay cache store is unreachable. Check the Redis/PostgreSQL connection of the application.',
        tenantId: resolved.config.id,
        cause,
      });
    }
    if (!firstUse) {
      fail('REPLAY', 'This assertion was already used', {
        hint: 'Each SAML response can be used once. Ask the user to start the login again.',
        received: content.assertionId,
        tenantId: resolved.config.id,
      });
    }
  }
  return profile;
}
