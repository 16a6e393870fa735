/**
 * HTTP-Redirect logout signatures are checked over the raw query bytes as received (SAML bindings
 * §3.4.4.1), never over a re-encoded query; a decoded or duplicated query is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyLogoutRequest, type LogoutMessageInput } from '../../src/index.js';
import { expectCode } from '../helpers/expect.js';
import {
  logoutRequestXml,
  NOW,
  redirectMessage,
  redirectQuery,
  replayCache,
  spTenant,
} from '../helpers/logout.js';

const tenant = spTenant();
const verifyRequest = (message: LogoutMessageInput, cache = replayCache()): Promise<unknown> =>
  verifyLogoutRequest(tenant, message, { now: () => NOW, replayCache: cache });

describe('logout: a Redirect signature is checked over the raw query bytes, never a re-encoding', () => {
  it('the same parameters re-encoded (SigAlg with lower-case escapes) no longer verify', async () => {
    const query = redirectQuery(logoutRequestXml(), { relayState: 'a b/c' });
    // What a framework's query parser then URLSearchParams would send: other bytes, same values.
    const reencoded = new URLSearchParams(query).toString();
    assert.notEqual(reencoded, query, 'the re-encoding differs from the bytes sent');
    await expectCode(verifyRequest(redirectMessage(reencoded)), 'SIGNATURE_INVALID');
    // The raw query as received verifies.
    await verifyRequest(redirectMessage(query));
  });

  it('a query whose escapes were decoded on the way (non-ASCII) → INVALID_ENCODING', async () => {
    const query = redirectQuery(logoutRequestXml(), { relayState: 'café' });
    await expectCode(
      verifyRequest(redirectMessage(decodeURIComponent(query.replace(/&Sig.*$/, '')))),
      'INVALID_ENCODING',
    );
  });

  it('a parameter given twice → INVALID_ENCODING', async () => {
    const query = redirectQuery(logoutRequestXml());
    await expectCode(verifyRequest(redirectMessage(`${query}&SigAlg=x`)), 'INVALID_ENCODING');
  });
});
