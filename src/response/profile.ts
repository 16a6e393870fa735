import { parseEmail } from '../internal/email.js';
import { fail } from '../internal/fail.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import type { SamlProfile } from '../types.js';
import { IDP_PRODUCTS } from '../idp/products.js';
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import type { AssertionContent } from './assertion.js';
import { NO_TRACE, type Trace } from './trace.js';

/**
 * Attribute names tried, in order, for a field that neither the tenant nor its preset names
 * (Entra ID, Okta, OneLogin, LDAP OIDs).
 */
const WELL_KNOWN = {
  groups: [
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    'groups',
    'Groups',
    'memberOf',
    'group',
    'http://schemas.xmlsoap.org/claims/Group',
  ],
  firstName: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
    'firstName',
    'givenName',
    'User.FirstName',
    'first_name',
    'urn:oid:2.5.4.42',
  ],
  lastName: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
    'lastName',
    'sn',
    'surname',
    'User.LastName',
    'last_name',
    'urn:oid:2.5.4.4',
  ],
} as const;

/** Applies the tenant's email rules and assembles the profile from verified content only. */
export function buildProfile(
  content: AssertionContent,
  tenant: ResolvedTenant,
  trace: Trace = NO_TRACE,
): SamlProfile {
  const attributes = content.attributes;
  trace.check('email');
  const email = readEmail(content, tenant, trace);
  const names = tenant.attributeNames;
  const firstName = firstValue(attributes, names.firstName, WELL_KNOWN.firstName);
  const lastName = firstValue(attributes, names.lastName, WELL_KNOWN.lastName);
  return {
    tenantId: tenant.config.id,
    issuer: content.issuer,
    nameId: content.nameId,
    nameIdFormat: content.nameIdFormat,
    ...content.nameQualifiers,
    ...(email !== undefined && { email }),
    ...(firstName !== undefined && { firstName }),
    ...(lastName !== undefined && { lastName }),
    // OneLogin sends one empty value for "no groups".
    groups: (pick(attributes, names.groups, WELL_KNOWN.groups) ?? []).filter((group) => group.trim() !== ''),
    // fromEntries defines own properties, so a claim named "__proto__" stays a plain key.
    attributes: Object.fromEntries(attributes),
    assertionId: content.assertionId,
    ...(content.sessionIndex !== undefined && { sessionIndex: content.sessionIndex }),
    ...(content.inResponseTo !== undefined && { inResponseTo: content.inResponseTo }),
    ...(content.authnInstant !== undefined && { authnInstant: content.authnInstant }),
    ...(content.authnContextClassRef !== undefined && { authnContextClassRef: content.authnContextClassRef }),
    ...authnMethods(attributes, tenant),
    notOnOrAfter: content.notOnOrAfter,
  };
}

function readEmail(content: AssertionContent, tenant: ResolvedTenant, trace: Trace): string | undefined {
  const source = tenant.email;
  const tenantId = tenant.config.id;
  if (source.from === 'none') {
    trace.detail({ skipped: true, note: "email: { from: 'none' }" });
    trace.check('email-domain');
    trace.detail({ skipped: true, note: 'no email' });
    return undefined;
  }
  let candidate: string | undefined;
  if (source.from === 'attribute') {
    // validateTenantConfig guarantees one of the two names.
    const name = source.name ?? tenant.attributeNames.email ?? '';
    const values = content.attributes.get(name) ?? [];
    if (values.length !== 1) {
      fail(
        'NAMEID_NOT_EMAIL',
        `The attribute ${name} must carry exactly one value, it has ${values.length}`,
        {
          hint: `Configure the IdP to send the user's email address in the attribute "${name}", or change the tenant's email source.`,
          tenantId,
        },
      );
    }
    candidate = values[0]?.trim();
  } else {
    if (
      (source.format ?? 'emailAddress') === 'emailAddress' &&
      content.nameIdFormat !== NAMEID_FORMAT.emailAddress
    ) {
      fail('NAMEID_NOT_EMAIL', 'The NameID format is not emailAddress', {
        hint: 'Set the NameID format to EmailAddress in the IdP (Entra ID: Unique User Identifier = user.mail, format Email address; Okta: Name ID format = EmailAddress, Application username = Email).',
        expected: NAMEID_FORMAT.emailAddress,
        received: content.nameIdFormat,
        tenantId,
      });
    }
    candidate = content.nameId;
  }
  const parsed = candidate === undefined ? undefined : parseEmail(candidate);
  if (candidate === undefined || parsed === undefined) {
    fail('NAMEID_NOT_EMAIL', 'The user identifier is not an email address', {
      hint: "Configure the IdP to send the user's email address (Entra ID: user.mail or user.userprincipalname; Okta: Email).",
      ...(candidate !== undefined && { received: candidate, receivedIsPersonal: true }),
      tenantId,
    });
  }
  const { address: email, domain } = parsed;
  trace.detail({
    received: email,
    personal: true,
    note: `from ${source.from === 'attribute' ? 'an attribute' : 'the NameID'}`,
  });
  trace.check('email-domain');
  trace.detail(
    tenant.emailDomains.length === 0
      ? { skipped: true, note: 'the tenant allows any domain' }
      : { expected: tenant.emailDomains, received: domain },
  );
  if (tenant.emailDomains.length > 0 && !tenant.emailDomains.includes(domain)) {
    fail('EMAIL_DOMAIN_NOT_ALLOWED', `The email domain ${domain} is not one of the tenant's domains`, {
      hint: `This tenant accepts only ${tenant.emailDomains.join(', ')}. Add the domain to the tenant after verifying the organisation owns it.`,
      expected: tenant.emailDomains,
      received: email,
      receivedIsPersonal: true,
      tenantId,
    });
  }
  return email;
}

function pick(
  attributes: ReadonlyMap<string, readonly string[]>,
  configured: string | undefined,
  names: readonly string[],
): readonly string[] | undefined {
  if (configured !== undefined) return attributes.get(configured);
  for (const name of names) {
    const values = attributes.get(name);
    if (values !== undefined) return values;
  }
  return undefined;
}

function firstValue(
  attributes: ReadonlyMap<string, readonly string[]>,
  configured: string | undefined,
  names: readonly string[],
): string | undefined {
  const value = pick(attributes, configured, names)?.[0]?.trim();
  return value === '' ? undefined : value;
}

/** The values of the preset's authentication-method claim (signed like every attribute). */
function authnMethods(
  attributes: ReadonlyMap<string, readonly string[]>,
  tenant: ResolvedTenant,
): { authnMethods?: readonly string[] } {
  const claim = IDP_PRODUCTS[tenant.preset].authnContext.methodsClaim;
  const values = claim === undefined ? undefined : attributes.get(claim);
  const methods = (values ?? []).map((value) => value.trim()).filter((value) => value !== '');
  return methods.length === 0 ? {} : { authnMethods: methods };
}
