/**
 * What the user's browser posts back after following a login (or a test connection) started over
 * HTTP-Redirect: the test IdP's answer to the request and RelayState in the redirect URL.
 */
import assert from 'node:assert/strict';
import type { RespondInput, TestIdp, TestIdpResponse } from '../../src/testing/index.js';

/** A started login or test connection: its binding when it says, and its redirect URL. */
export interface Started {
  readonly binding?: string;
  readonly url?: string;
}

/** The IdP's answer to `started` for `input.user` (with any overrides of `input`). */
export function answerRedirect(
  idp: TestIdp,
  started: Started,
  input: Omit<RespondInput, 'SAMLRequest' | 'RelayState' | 'binding'>,
): TestIdpResponse {
  if (started.binding !== undefined) assert.equal(started.binding, 'redirect');
  assert.ok(started.url !== undefined, 'the login was not started over HTTP-Redirect');
  const query = new URL(started.url).searchParams;
  return idp.respond({
    ...input,
    SAMLRequest: query.get('SAMLRequest') ?? '',
    RelayState: query.get('RelayState') ?? '',
  });
}
