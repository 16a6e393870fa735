import type { ResponseForm } from '../types.js';
import { attributeOf, childrenNamed, textOf } from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import { parseXml } from '../xml/parse.js';
import { decodePostedResponse, DEFAULT_MAX_RESPONSE_BYTES } from './decode.js';

/** What a Response says about where it belongs, read before any verification. */
export interface UnverifiedRouting {
  readonly inResponseTo?: string;
  readonly issuer?: string;
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
  };
}
