/**
 * The tenant's authentication-context requirement and the step-up freshness check, applied to a
 * profile read from the verified assertion only (SAML core §2.7.2, AuthnStatement).
 *
 * @module
 */
import { MFA_CLASS_REFS, MFA_METHODS } from '../idp/authn-context.js';
import { IDP_PRODUCTS } from '../idp/products.js';
import { fail } from '../internal/fail.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import type { SamlProfile } from '../types.js';
import type { CheckDetail } from './trace.js';

/**
 * Refuses the login (`AUTHN_CONTEXT_NOT_MET`) when the tenant requires an authentication context
 * (`authnContext`) the assertion does not show: an AuthnContextClassRef among the required ones
 * or, for MFA, an MFA class or an MFA value in the preset's method claim. An assertion that says
 * nothing about how the user signed in meets no requirement.
 */
export function checkAuthnContext(profile: SamlProfile, tenant: ResolvedTenant): void {
  const requirement = tenant.config.authnContext;
  if (requirement === undefined) return;
  const classRef = profile.authnContextClassRef;
  const methods = profile.authnMethods ?? [];
  const knowledge = IDP_PRODUCTS[tenant.preset].authnContext;
  const received = [
    classRef === undefined ? 'no AuthnContextClassRef' : `AuthnContextClassRef ${classRef}`,
    ...(knowledge.methodsClaim === undefined
      ? []
      : [methods.length === 0 ? 'no authentication methods' : `methods ${methods.join(' ')}`]),
  ].join(', ');
  if (requirement.require === 'mfa') {
    const met =
      (classRef !== undefined && MFA_CLASS_REFS.includes(classRef)) ||
      methods.some((method) => MFA_METHODS.includes(method));
    if (met) return;
    fail(
      'AUTHN_CONTEXT_NOT_MET',
      'The tenant requires multi-factor authentication, and the assertion does not show it',
      {
        hint: knowledge.mfaHint,
        expected: [...MFA_CLASS_REFS, ...(knowledge.methodsClaim === undefined ? [] : MFA_METHODS)],
        received,
        tenantId: tenant.config.id,
      },
    );
  }
  if (classRef !== undefined && requirement.classes.includes(classRef)) return;
  fail(
    'AUTHN_CONTEXT_NOT_MET',
    classRef === undefined
      ? 'The tenant requires an authentication context class, and the assertion names none'
      : 'The user authenticated with a class the tenant does not accept',
    {
      hint: `Have the IdP authenticate users of this application with one of ${requirement.classes.join(', ')} and send it as the AuthnContextClassRef, or change the tenant's authnContext requirement.`,
      expected: requirement.classes,
      received,
      tenantId: tenant.config.id,
    },
  );
}

/**
 * Step-up freshness (SAML core §2.7.2: AuthnInstant is when the IdP authenticated the user): with
 * `maxAgeSeconds`, the AuthnInstant must be present, not older than that (the tenant's clock skew
 * tolerated) and not in the future beyond the skew.
 */
export function checkAuthnAge(
  profile: SamlProfile,
  tenant: ResolvedTenant,
  now: Date,
  maxAgeSeconds: number | undefined,
): void {
  if (maxAgeSeconds === undefined) return;
  const tenantId = tenant.config.id;
  const instant = profile.authnInstant;
  const hint =
    'The user must sign in again at the IdP: make it honour ForceAuthn (re-authenticate on request) instead of reusing its session, and check the clocks of both servers.';
  if (instant === undefined) {
    fail('AUTHN_TOO_OLD', 'The assertion does not say when the user authenticated (AuthnInstant)', {
      hint,
      expected: `at most ${maxAgeSeconds} s ago`,
      tenantId,
    });
  }
  const age = now.getTime() - instant.getTime();
  if (age > maxAgeSeconds * 1000 + tenant.skewMs || age < -tenant.skewMs) {
    fail('AUTHN_TOO_OLD', `The user authenticated at the IdP at ${instant.toISOString()}, too long ago`, {
      hint,
      expected: `at most ${maxAgeSeconds} s before ${now.toISOString()} (skew ${tenant.skewMs / 1000} s)`,
      received: instant.toISOString(),
      tenantId,
    });
  }
}

/** The largest `maxAuthnAgeSeconds`: a day; a step-up asks for minutes. */
export const MAX_AUTHN_AGE_SECONDS = 86_400;

/** `checks.maxAuthnAgeSeconds`, checked: a whole number of seconds from 0 to a day, or absent. */
export function maxAuthnAge(value: unknown, parameter = 'checks.maxAuthnAgeSeconds'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_AUTHN_AGE_SECONDS)
    throw new TypeError(`${parameter} must be a whole number of seconds from 0 to ${MAX_AUTHN_AGE_SECONDS}`);
  return value;
}

/** What explainResponse reports for the check. */
export function authnContextDetail(
  profile: SamlProfile,
  tenant: ResolvedTenant,
  maxAgeSeconds: number | undefined,
): CheckDetail {
  const requirement = tenant.config.authnContext;
  if (requirement === undefined && maxAgeSeconds === undefined)
    return { skipped: true, note: 'the tenant requires no authentication context' };
  return {
    expected: [
      ...(requirement === undefined
        ? []
        : [requirement.require === 'mfa' ? 'MFA' : `one of ${requirement.classes.join(', ')}`]),
      ...(maxAgeSeconds === undefined ? [] : [`authenticated at most ${maxAgeSeconds} s ago`]),
    ].join('; '),
    received: [
      profile.authnContextClassRef ?? 'no AuthnContextClassRef',
      ...(profile.authnMethods === undefined ? [] : [`methods ${profile.authnMethods.join(' ')}`]),
      ...(profile.authnInstant === undefined ? [] : [`AuthnInstant ${profile.authnInstant.toISOString()}`]),
    ].join(', '),
  };
}
