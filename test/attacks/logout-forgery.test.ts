/**
 * Logout forgery: an IdP-initiated LogoutRequest (or a LogoutResponse) that is unsigned, signed by
 * another key, wrapped, re-encoded, replayed, addressed elsewhere, stale, or another tenant's is
 * refused with a SamlError, and the service ends no session for it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createServiceProvider,
  MemoryStore,
  verifyLogoutRequest,
  verifyLogoutResponse,
  type LogoutMessageInput,
} from '../../src/index.js';
import { expectCode } from '../helpers/expect.js';
import { ALG, KEYS } from '../helpers/constants.js';
import {
  IDP,
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
  verifyLogoutRequest(tenant, message, { now: NOW, replayCache: cache });

describe('logout: positive controls (the forgeries below differ from these in one point)', () => {
  it('a signed LogoutRequest over HTTP-Redirect is accepted', async () => {
    const request = await verifyLogoutRequest(
      tenant,
      redirectMessage(redirectQuery(logoutRequestXml(), { relayState: 'rs' })),
      {
        now: NOW,
        replayCache: replayCache(),
      },
    );
    assert.equal(request.nameId, NAME_ID);
    assert.deepEqual(request.sessionIndexes, ['_s1']);
    assert.equal(request.relayState, 'rs');
    assert.equal(request.binding, 'redirect');
  });

  it('a signed LogoutRequest over HTTP-POST is accepted', async () => {
    const request = await verifyLogoutRequest(tenant, postMessage(signedXml(logoutRequestXml())), {
      now: NOW,
      replayCache: replayCache(),
    });
    assert.equal(request.binding, 'post');
    assert.equal(request.issuer, IDP);
  });
});

describe('logout: signature exclusion and key trust', () => {
  it('an unsigned Redirect LogoutRequest → SIGNATURE_MISSING', async () => {
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml(), { key: null }))),
      'SIGNATURE_MISSING',
    );
  });

  it('an unsigned POST LogoutRequest → SIGNATURE_MISSING', async () => {
    await expectCode(verifyRequest(postMessage(logoutRequestXml())), 'SIGNATURE_MISSING');
  });

  it('signed by the attacker’s key (Redirect) → SIGNATURE_INVALID', async () => {
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml(), { key: KEYS.attacker }))),
      'SIGNATURE_INVALID',
    );
  });

  it('signed by the attacker’s key, the certificate in KeyInfo (POST) → KEY_UNTRUSTED', async () => {
    await expectCode(
      verifyRequest(postMessage(signedXml(logoutRequestXml(), KEYS.attacker))),
      'KEY_UNTRUSTED',
    );
  });

  it('a Redirect signature with SHA-1 → ALGORITHM_FORBIDDEN; with HMAC → ALGORITHM_FORBIDDEN', async () => {
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml(), { sigAlg: ALG.rsaSha1 }))),
      'ALGORITHM_FORBIDDEN',
    );
    await expectCode(
      verifyRequest(redirectMessage(redirectQuery(logoutRequestXml(), { sigAlg: ALG.hmacSha1 }))),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('the signed NameID swapped after signing (POST) → SIGNATURE_INVALID', async () => {
    const xml = signedXml(logoutRequestXml()).replace(NAME_ID, 'bob@example.com');
    await expectCode(verifyRequest(postMessage(xml)), 'SIGNATURE_INVALID');
  });

  it('another message spliced into a signed Redirect query (SAMLRequest replaced) → SIGNATURE_INVALID', async () => {
    const good = redirectQuery(logoutRequestXml());
    const other = redirectQuery(logoutRequestXml({ nameId: 'bob@example.com' }), { key: null });
    const swapped = good.replace(/^SAMLRequest=[^&]*/, other);
    await expectCode(verifyRequest(redirectMessage(swapped)), 'SIGNATURE_INVALID');
  });

  it('RelayState added to a signed query → SIGNATURE_INVALID', async () => {
    const query = redirectQuery(logoutRequestXml());
    const [message, ...rest] = query.split('&');
    await expectCode(
      verifyRequest(redirectMessage([message, 'RelayState=evil', ...rest].join('&'))),
      'SIGNATURE_INVALID',
    );
  });
});

describe('logout: wrapping', () => {
  it('a signed LogoutRequest wrapped inside an unsigned one (POST) → SIGNATURE_MISSING', async () => {
    const signed = signedXml(logoutRequestXml({ id: '_inner' }));
    const inner =
      signed.replace(/^<samlp:LogoutRequest /, '<samlp:Extensions><samlp:LogoutRequest ') +
      '</samlp:Extensions>';
    const outer = logoutRequestXml({ id: '_outer', nameId: 'bob@example.com' }).replace(
      '</samlp:LogoutRequest>',
      `${inner.replace(/xmlns:samlp="[^"]*" xmlns:saml="[^"]*" /, '')}</samlp:LogoutRequest>`,
    );
    await expectCode(verifyRequest(postMessage(outer)), 'SIGNATURE_MISSING');
  });

  it('the signature moved onto an evil root that copies the signed ID → SIGNATURE_INVALID', async () => {
    const signed = signedXml(logoutRequestXml({ id: '_same' }));
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)?.[0] ?? '';
    const evil = logoutRequestXml({ id: '_same', nameId: 'bob@example.com' }).replace(
      `<saml:Issuer>${IDP}</saml:Issuer>`,
      `<saml:Issuer>${IDP}</saml:Issuer>${signature}`,
    );
    await expectCode(verifyRequest(postMessage(evil)), 'SIGNATURE_INVALID');
  });

  it('a second Signature on the root → SIGNATURE_STRUCTURE', async () => {
    const signed = signedXml(logoutRequestXml());
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)?.[0] ?? '';
    const twice = signed.replace('</samlp:LogoutRequest>', `${signature}</samlp:LogoutRequest>`);
    await expectCode(verifyRequest(postMessage(twice)), 'SIGNATURE_STRUCTURE');
  });
});

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
    await verifyLogoutRequest(other, fromOtherIdp, { now: NOW, replayCache: replayCache() });
    await expectCode(verifyRequest(fromOtherIdp), 'SIGNATURE_INVALID');
  });

  it('another tenant’s SLO URL as Destination → DESTINATION_MISMATCH', async () => {
    const other = spTenant('other', { sloUrl: 'https://sp.example.com/saml/other/slo' });
    const message = redirectMessage(redirectQuery(logoutRequestXml()));
    await expectCode(
      verifyLogoutRequest(other, message, { now: NOW, replayCache: replayCache() }),
      'DESTINATION_MISMATCH',
    );
  });

  it('a LogoutResponse answering another request → IN_RESPONSE_TO_MISMATCH; a failed status → STATUS_NOT_SUCCESS', async () => {
    const message = redirectMessage(redirectQuery(logoutResponseXml({ inResponseTo: '_theirs' })));
    await expectCode(
      verifyLogoutResponse(tenant, message, { now: NOW, replayCache: replayCache(), inResponseTo: '_ours' }),
      'IN_RESPONSE_TO_MISMATCH',
    );
    const failed = redirectMessage(
      redirectQuery(logoutResponseXml({ status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' })),
    );
    await expectCode(
      verifyLogoutResponse(tenant, failed, { now: NOW, replayCache: replayCache(), inResponseTo: '_ours' }),
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
    const store = new MemoryStore({ now: () => time });
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
