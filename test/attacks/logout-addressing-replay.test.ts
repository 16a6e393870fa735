/**
 * Logout messages that are genuine but not for us, not now, or not the first time: wrong Issuer,
 * wrong Destination, expired, from the future, replayed, another tenant's, answering another request;
 * and the service ends no session for any forged request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createServiceProvider,
  createMemoryStore,
  verifyLogoutRequest,
  verifyLogoutResponse,
  type LogoutMessageInput,
} from '../../src/index.js';
import { expectCode } from '../helpers/expect.js';
import { KEYS } from '../helpers/constants.js';
import {
  logoutRequestXml,
  logoutResponseXml,
  NAME_ID,
  NOW,
  postMessage,
  redirectMessage,
  redirectQuery,
  replayCache,
  signedXml,
  spTenant,
} from '../helpers/logout.js';

const tenant = spTenant();
const verifyRequest = (message: LogoutMessageInput, cache = replayCache()): Promise<unknown> =>
  verifyLogoutRequest(tenant, message, { now: () => NOW, replayCache: cache });

describe('logout: addressing, freshness and replay', () => {
  it('wrong Issuer → ISSUER_MISMATCH; no Issuer → ISSUER_MISMATCH', async () => {
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml({ issuer: 'https://evil.example/' })))),
      'ISSUER_MISMATCH',
    );
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml({ issuer: null })))),
      'ISSUER_MISMATCH',
    );
  });

  it('wrong Destination → DESTINATION_MISMATCH; none → DESTINATION_MISMATCH', async () => {
    await expectCode(
      verifyRequest(
        postMessage(signedXml(logoutRequestXml({ destination: 'https://other.example.com/slo' }))),
      ),
      'DESTINATION_MISMATCH',
    );
    await expectCode(
      verifyRequest(postMessage(signedXml(logoutRequestXml({ destination: null })))),
      'DESTINATION_MISMATCH',
    );
  });

  it('expired (NotOnOrAfter passed beyond the skew) → EXPIRED; too old without one → EXPIRED', async () => {
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml({ notOnOrAfter: -121 })))),
      'EXPIRED',
    );
    await expectCode(
      verifyRequest(
        redirectMessage(redirectQuery(logoutRequestXml({ issueInstant: -3600, notOnOrAfter: null }))),
      ),
      'EXPIRED',
    );
  });

  it('issued in the future beyond the skew → NOT_YET_VALID', async () => {
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml({ issueInstant: 600 })))),
      'NOT_YET_VALID',
    );
  });

  it('the same LogoutRequest twice → REPLAY', async () => {
    const cache = replayCache();
    const message = redirectMessage(redirectQuery(logoutRequestXml()));
    await verifyRequest(message, cache);
    await expectCode(verifyRequest(message, cache), 'REPLAY');
  });

  it('another tenant’s LogoutRequest (its IdP’s key) → SIGNATURE_INVALID', async () => {
    const other = spTenant('other', { idpCerts: [KEYS.attacker.cert] });
    const fromOtherIdp = redirectMessage(redirectQuery(logoutRequestXml(), { key: KEYS.attacker }));
    await verifyLogoutRequest(other, fromOtherIdp, { now: () => NOW, replayCache: replayCache() });
    await expectCode(verifyRequest(fromOtherIdp), 'SIGNATURE_INVALID');
  });

  it('another tenant’s SLO URL as Destination → DESTINATION_MISMATCH', async () => {
    const other = spTenant('other', { sloUrl: 'https://sp.example.com/saml/other/slo' });
    const message = redirectMessage(redirectQuery(logoutRequestXml()));
    await expectCode(
      verifyLogoutRequest(other, message, { now: () => NOW, replayCache: replayCache() }),
      'DESTINATION_MISMATCH',
    );
  });

  it('a LogoutResponse answering another request → IN_RESPONSE_TO_MISMATCH; a failed status → STATUS_NOT_SUCCESS', async () => {
    const message = redirectMessage(redirectQuery(logoutResponseXml({ inResponseTo: '_theirs' })));
    await expectCode(
      verifyLogoutResponse(tenant, message, {
        now: () => NOW,
        replayCache: replayCache(),
        inResponseTo: '_ours',
      }),
      'IN_RESPONSE_TO_MISMATCH',
    );
    const failed = redirectMessage(
      redirectQuery(logoutResponseXml({ status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' })),
    );
    await expectCode(
      verifyLogoutResponse(tenant, failed, {
        now: () => NOW,
        replayCache: replayCache(),
        inResponseTo: '_ours',
      }),
      'STATUS_NOT_SUCCESS',
    );
  });

  it('a LogoutResponse posted where a LogoutRequest is expected → MALFORMED_XML', async () => {
    const message = postMessage(signedXml(logoutResponseXml()));
    await expectCode(verifyRequest(message), 'MALFORMED_XML');
  });
});

describe('logout: the service ends no session for a forged request', () => {
  it('unsigned, attacker-signed, other-tenant and replayed requests leave the session in place', async () => {
    const time = NOW;
    const store = createMemoryStore({ now: () => time });
    await store.put(spTenant());
    const sp = createServiceProvider({ tenants: store, state: store, sessions: store, now: () => time });
    await store.saveSession(
      {
        tenantId: 'acme',
        appSessionId: 'sess-1',
        nameId: NAME_ID,
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        sessionIndex: '_s1',
      },
      new Date(NOW.getTime() + 3600_000),
    );
    const forged = [
      redirectMessage(redirectQuery(logoutRequestXml(), { key: null })),
      redirectMessage(redirectQuery(logoutRequestXml(), { key: KEYS.attacker })),
      postMessage(logoutRequestXml()),
      postMessage(signedXml(logoutRequestXml({ destination: 'https://sp.example.com/saml/other/slo' }))),
    ];
    for (const message of forged) {
      await assert.rejects(sp.handleLogout(message, { tenantId: 'acme' }), { name: 'SamlError' });
      assert.equal((await store.findSessions('acme', NAME_ID)).length, 1, 'the session survives');
    }
    const genuine = redirectMessage(redirectQuery(logoutRequestXml({ id: '_genuine' })));
    const handled = await sp.handleLogout(genuine, { tenantId: 'acme' });
    assert.equal(handled.kind, 'logout-request');
    assert.deepEqual(
      handled.sessions.map((s) => s.appSessionId),
      ['sess-1'],
    );
    await expectCode(sp.handleLogout(genuine, { tenantId: 'acme' }), 'REPLAY');
  });
});
