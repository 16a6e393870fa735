import { fail } from '../internal/fail.js';
import type { ResolvedTenant } from '../tenant/define.js';
import type { SamlProfile } from '../types.js';
import { NAMEID_FORMAT } from '../xml/namespaces.js';
import type { AssertionContent } from './assertion.js';

// A deliberately plain address: one @, no quotes, comments or spaces. The local part may hold
// Unicode letters (SMTPUTF8 addresses exist in the wild); the domain must be ASCII (IDNs in their
// xn-- form), because lower-casing Unicode maps look-alikes such as U+212A KELVIN SIGN onto `k`, and
// the domain decides which tenant may claim the user.
const EMAIL =
  /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62})$/u;

/** Well-known attribute names per field, in order of preference (Entra ID, Okta, OneLogin, LDAP OIDs). */
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
export function buildProfile(content: AssertionContent, tenant: ResolvedTenant): SamlProfile {
  const attributes = content.attributes;
  const email = readEmail(content, tenant);
  const firstName = firstValue(attributes, tenant.config.attributeNames?.firstName, WELL_KNOWN.firstName);
  const lastName = firstValue(attributes, tenant.config.attributeNames?.lastName, WELL_KNOWN.lastName);
  return {
    tenantId: tenant.config.id,
    issuer: content.issuer,
    nameId: content.nameId,
    nameIdFormat: content.nameIdFormat,
    ...(email !== undefined && { email }),
    ...(firstName !== undefined && { firstName }),
    ...(lastName !== undefined && { lastName }),
    // OneLogin sends one empty value for "no groups".
    groups: (pick(attributes, tenant.config.attributeNames?.groups, WELL_KNOWN.groups) ?? []).filter(
      (group) => group.trim() !== '',
    ),
    // fromEntries defines own properties, so a claim named "__proto__" stays a plain key.
    attributes: Object.fromEntries(attributes),
    assertionId: content.assertionId,
    ...(content.sessionIndex !== undefined && { sessionIndex: content.sessionIndex }),
    ...(content.inResponseTo !== undefined && { inResponseTo: content.inResponseTo }),
    ...(content.authnInstant !== undefined && { authnInstant: content.authnInstant }),
    notOnOrAfter: content.notOnOrAfter,
  };
}

function readEmail(content: AssertionContent, tenant: ResolvedTenant): string | undefined {
  const source = tenant.email;
  const tenantId = tenant.config.id;
  if (source.from === 'none') return undefined;
  let candidate: string | undefined;
  if (source.from === 'attribute') {
    const values = content.attributes.get(source.name) ?? [];
    if (values.length !== 1) {
      fail(
        'NAMEID_NOT_EMAIL',
        `The attribute ${source.name} must carry exactly one value, it has ${values.length}`,
        {
          hint: `Configure the IdP to send the user's email address in the attribute "${source.name}", or change the tenant's email source.`,
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
  const match = candidate === undefined ? null : EMAIL.exec(candidate);
  if (candidate === undefined || match === null) {
    fail('NAMEID_NOT_EMAIL', 'The user identifier is not an email address', {
      hint: "Configure the IdP to send the user's email address (Entra ID: user.mail or user.userprincipalname; Okta: Email).",
      ...(candidate !== undefined && { received: candidate, receivedIsPersonal: true }),
      tenantId,
    });
  }
  const domain = (match[1] ?? '').toLowerCase();
  const email = `${candidate.slice(0, candidate.length - domain.length)}${domain}`;
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
