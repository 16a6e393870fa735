/**
 * Replay and InResponseTo: an assertion is accepted once per tenant, the store failing closes the
 * door, and a response answers exactly the request we issued, read from signed content.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildResponse, NOW, signed, tenant } from '../helpers/idp.js';
import { expectCode, memoryCache, verify, type Checks } from '../helpers/expect.js';

const good = signed(buildResponse(), 'assertion');
const cacheThat = (remember: () => Promise<boolean>): Checks => ({ replayCache: { remember } });

describe('replay', () => {
  it('the same response posted twice', async () => {
    const replayCache = memoryCache();
    await verify(good, { checks: { replayCache } });
    await expectCode(verify(good, { checks: { replayCache } }), 'REPLAY');
  });

  it('the same signed assertion re-wrapped in a fresh Response', async () => {
    const replayCache = memoryCache();
    await verify(good, { checks: { replayCache } });
    const rewrapped = good
      .replace('ID="_resp1"', 'ID="_resp2"')
      .replace(/IssueInstant="[^"]*"/, `IssueInstant="${NOW.toISOString()}"`);
    await expectCode(verify(rewrapped, { checks: { replayCache } }), 'REPLAY');
  });

  it('replay cache entry covers the tenant, the assertion and outlives NotOnOrAfter', async () => {
    const replayCache = memoryCache();
    const profile = await verify(good, { checks: { replayCache } });
    assert.equal(replayCache.calls.length, 1);
    const call = replayCache.calls[0]!;
    assert.equal(call.tenantId, 'tenant-a');
    assert.equal(call.assertionId, '_assert1');
    assert.ok(call.expiresAt.getTime() >= profile.notOnOrAfter.getTime());
  });

  it('rejected forgeries never reach the replay cache (no poisoning of future IDs)', async () => {
    const replayCache = memoryCache();
    await expectCode(verify(buildResponse(), { checks: { replayCache } }), 'SIGNATURE_MISSING');
    assert.equal(replayCache.calls.length, 0);
    await verify(good, { checks: { replayCache } });
  });

  it('replay cache throwing synchronously', async () => {
    const checks = cacheThat(() => {
      throw new Error('redis down');
    });
    await expectCode(verify(good, { checks }), 'STORE_UNAVAILABLE');
  });

  it('replay cache rejecting', async () => {
    const checks = cacheThat(() => Promise.reject(new Error('redis down')));
    await expectCode(verify(good, { checks }), 'STORE_UNAVAILABLE');
  });

  it('replay cache resolving a non-boolean (undefined) fails closed', async () => {
    const checks = cacheThat(() => Promise.resolve(undefined as unknown as boolean));
    await expectCode(verify(good, { checks }), 'REPLAY');
  });
});

describe('InResponseTo', () => {
  it('response to another request', async () => {
    await expectCode(verify(good, { checks: { inResponseTo: '_req999' } }), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('InResponseTo differing only in case', async () => {
    await expectCode(verify(good, { checks: { inResponseTo: '_REQ123' } }), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('unsolicited response to a tenant that does not allow IdP-initiated login', async () => {
    await expectCode(
      verify(signed(buildResponse({ inResponseTo: null })), { unsolicited: true }),
      'UNSOLICITED_RESPONSE',
    );
  });

  it('solicited response posted where none was expected (login CSRF)', async () => {
    const t = tenant({ allowIdpInitiated: true });
    await expectCode(verify(good, { unsolicited: true, tenant: t }), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('unsolicited response where a request was pending', async () => {
    await expectCode(verify(signed(buildResponse({ inResponseTo: null }))), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('signed SubjectConfirmationData answers another request; unsigned Response InResponseTo rewritten', async () => {
    const other = signed(buildResponse({ inResponseTo: '_reqOther' }));
    const xml = other.replace('InResponseTo="_reqOther">', 'InResponseTo="_req123">');
    await expectCode(verify(xml), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('IdP-initiated assertion injected into an SP-initiated flow via the unsigned Response InResponseTo', async () => {
    const unsolicited = signed(buildResponse({ inResponseTo: null }));
    const xml = unsolicited.replace('<samlp:Response ', '<samlp:Response InResponseTo="_req123" ');
    await expectCode(verify(xml), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('an empty expected InResponseTo is refused, not matched against a missing one', async () => {
    await assert.rejects(
      verify(signed(buildResponse({ inResponseTo: null })), { checks: { inResponseTo: '' } }),
      TypeError,
    );
  });

  it('unsigned Response InResponseTo changed to another request', async () => {
    await expectCode(
      verify(good.replace('InResponseTo="_req123">', 'InResponseTo="_reqOther">')),
      'IN_RESPONSE_TO_MISMATCH',
    );
  });

  it('IdP-initiated response accepted when the tenant allows it (control)', async () => {
    const profile = await verify(signed(buildResponse({ inResponseTo: null })), {
      unsolicited: true,
      tenant: tenant({ allowIdpInitiated: true }),
    });
    assert.equal(profile.inResponseTo, undefined);
  });
});
