/**
 * Signature wrapping in logout messages: a signed LogoutRequest hidden inside an unsigned one, a
 * signature moved onto an evil root with the signed ID, a second signature.
 */
import { describe, it } from 'node:test';
import { verifyLogoutRequest, type LogoutMessageInput } from '../../src/index.js';
import { expectCode } from '../helpers/expect.js';
import {
  IDP,
  logoutRequestXml,
  NOW,
  postMessage,
  replayCache,
  signedXml,
  spTenant,
} from '../helpers/logout.js';

const tenant = spTenant();
const verifyRequest = (message: LogoutMessageInput, cache = replayCache()): Promise<unknown> =>
  verifyLogoutRequest(tenant, message, { now: () => NOW, replayCache: cache });

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
