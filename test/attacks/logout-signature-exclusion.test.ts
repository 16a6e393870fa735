/**
 * Logout messages without a valid signature by the tenant's pinned key: unsigned (either binding),
 * signed by another key, with a forbidden algorithm, or changed after signing. Each is refused with a
 * SamlError; the positive controls differ from them in one point.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyLogoutRequest, type LogoutMessageInput } from '../../src/index.js';
import { expectCode } from '../helpers/expect.js';
import { ALG, KEYS } from '../helpers/constants.js';
import {
  IDP,
  logoutRequestXml,
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

describe('logout: positive controls (the forgeries below differ from these in one point)', () => {
  it('a signed LogoutRequest over HTTP-Redirect is accepted', async () => {
    const request = await verifyLogoutRequest(
      tenant,
      redirectMessage(redirectQuery(logoutRequestXml(), { relayState: 'rs' })),
      {
        now: () => NOW,
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
      now: () => NOW,
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
