import type { Element } from '@xmldom/xmldom';
import { domainOf } from '../internal/email.js';
import type { ResponseForm } from '../types.js';
import { attributeOf, childrenNamed, textOf } from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import { parseXml } from '../xml/parse.js';
import { decodePostedResponse, DEFAULT_MAX_RESPONSE_BYTES } from './decode.js';

/** What a Response says about where it belongs, read before any verification. */
export interface UnverifiedRouting {
  readonly inResponseTo?: string;
  readonly issuer?: string;
  /** The assertion's Audience values (unverified): which SP entity ID the IdP meant. */
  readonly audiences?: readonly string[];
  /** Domains of the email-like NameID and attribute values (unverified), lower-case. */
  readonly emailDomains?: readonly string[];
}

/**
 * Reads the Response's `InResponseTo` and `Issuer` **without verifying anything**, with the same
 * decoding and parsing limits as `verifyResponse`. Only for finding which tenant and pending
 * request to verify against; never for identity (SECURITY rule 5). A malformed message fails here
 * with the same `SamlError` verification would give.
 */
export function peekRouting(form: ResponseForm): UnverifiedRouting {
  const { root } = parseXml(decodePostedResponse(form, DEFAULT_MAX_RESPONSE_BYTES));
  // Some IdPs name the request and themselves only inside the assertion.
  const [assertion] = childrenNamed(root, NS.assertion, 'Assertion');
  const [confirmationData] = [assertion]
    .flatMap((a) => (a === undefined ? [] : childrenNamed(a, NS.assertion, 'Subject')))
    .flatMap((subject) => childrenNamed(subject, NS.assertion, 'SubjectConfirmation'))
    .flatMap((confirmation) => childrenNamed(confirmation, NS.assertion, 'SubjectConfirmationData'));
  const inResponseTo =
    attributeOf(root, 'InResponseTo') ?? (confirmationData && attributeOf(confirmationData, 'InResponseTo'));
  const [issuer] = [root, assertion].flatMap((element) =>
    element === undefined ? [] : childrenNamed(element, NS.assertion, 'Issuer'),
  );
  return {
    ...(inResponseTo !== undefined && { inResponseTo }),
    ...(issuer !== undefined && { issuer: textOf(issuer).trim() }),
    ...(assertion !== undefined && unsolicitedHints(assertion)),
  };
}

/**
 * Audiences and email domains of an assertion, for telling apart tenants that share an issuer
 * (SAML core §2.5.1.4, §2.3.3). Read only to narrow the candidates; the chosen tenant's
 * verification decides.
 */
function unsolicitedHints(assertion: Element): { audiences: string[]; emailDomains: string[] } {
  const audiences = childrenNamed(assertion, NS.assertion, 'Conditions')
    .flatMap((conditions) => childrenNamed(conditions, NS.assertion, 'AudienceRestriction'))
    .flatMap((restriction) => childrenNamed(restriction, NS.assertion, 'Audience'))
    .map((audience) => textOf(audience).trim());
  const values = [
    ...childrenNamed(assertion, NS.assertion, 'Subject').flatMap((subject) =>
      childrenNamed(subject, NS.assertion, 'NameID'),
    ),
    ...childrenNamed(assertion, NS.assertion, 'AttributeStatement')
      .flatMap((statement) => childrenNamed(statement, NS.assertion, 'Attribute'))
      .flatMap((attribute) => childrenNamed(attribute, NS.assertion, 'AttributeValue')),
  ];
  const emailDomains = new Set<string>();
  for (const value of values.slice(0, 200)) {
    const domain = domainOf(textOf(value));
    if (domain !== undefined) emailDomains.add(domain);
  }
  return { audiences, emailDomains: [...emailDomains] };
}
