/**
 * Replay window (docs/security.md rule 24): a replay entry lives as long as any part of the assertion could
 * still be accepted, and an assertion acceptable for longer than the tenant's ceiling is refused, so
 * that no IdP can make the replay cache keep entries for years.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore, verifyResponse } from '../../src/index.js';
import { ACS_URL, buildResponse, NOW, REQUEST_ID, signed, tenant, toForm } from '../helpers/idp.js';
import { expectCode, memoryCache } from '../helpers/expect.js';

const iso = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString();
const later = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);

/** An assertion with a second bearer confirmation that holds from `from` to `until` (seconds from NOW). */
function twoBearers(from: number, until: number, conditionsUntil = 7200): string {
  const second =
    '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
    `<saml:SubjectConfirmationData InResponseTo="${REQUEST_ID}" NotBefore="${iso(from)}" NotOnOrAfter="${iso(until)}" Recipient="${ACS_URL}"/>` +
    '</saml:SubjectConfirmation>';
  const xml = buildResponse({ notOnOrAfter: conditionsUntil, scdNotOnOrAfter: 300 }).replace(
    '</saml:SubjectConfirmation></saml:Subject>',
    `</saml:SubjectConfirmation>${second}</saml:Subject>`,
  );
  return signed(xml);
}

describe('replay window: the entry outlives every part that could still be accepted', () => {
  it('two bearer confirmations: a replay after the first one expired is still refused', async () => {
    let clock = NOW;
    const store = createMemoryStore({ now: () => clock });
    const form = toForm(twoBearers(1200, 3600));
    const checks = { inResponseTo: REQUEST_ID, replayCache: store };
    await verifyResponse(tenant(), form, { ...checks, now: () => NOW });
    // 30 minutes on: the first confirmation expired long ago, the second one holds.
    clock = later(1800);
    await expectCode(verifyResponse(tenant(), form, { ...checks, now: () => later(1800) }), 'REPLAY');
  });

  it('remembers until the latest bearer NotOnOrAfter, bounded by Conditions, plus skew', async () => {
    const cache = memoryCache();
    await verifyResponse(tenant(), toForm(twoBearers(1200, 3600)), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: cache,
    });
    assert.equal(cache.calls[0]?.expiresAt.toISOString(), iso(3600 + 120));
    const bounded = memoryCache();
    await verifyResponse(tenant(), toForm(twoBearers(1200, 3600, 2400)), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: bounded,
    });
    assert.equal(bounded.calls[0]?.expiresAt.toISOString(), iso(2400 + 120), 'Conditions end it earlier');
  });

  it('an unparsable NotOnOrAfter on another confirmation extends nothing', async () => {
    const cache = memoryCache();
    const xml = buildResponse().replace(
      '</saml:SubjectConfirmation></saml:Subject>',
      '</saml:SubjectConfirmation><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
        `<saml:SubjectConfirmationData NotOnOrAfter="9999-99-99T00:00:00Z" Recipient="${ACS_URL}"/>` +
        '</saml:SubjectConfirmation></saml:Subject>',
    );
    await verifyResponse(tenant(), toForm(signed(xml)), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: cache,
    });
    assert.equal(cache.calls[0]?.expiresAt.toISOString(), iso(300 + 120));
  });
});

describe('replay window: a ceiling on how long an assertion stays acceptable', () => {
  const years = 10 * 365 * 86400;
  const forYears = signed(buildResponse({ notOnOrAfter: years, scdNotOnOrAfter: years }));

  it('an assertion valid for ten years is refused (ASSERTION_LIFETIME_TOO_LONG), nothing remembered', async () => {
    const cache = memoryCache();
    await expectCode(
      verifyResponse(tenant(), toForm(forYears), {
        inResponseTo: REQUEST_ID,
        now: () => NOW,
        replayCache: cache,
      }),
      'ASSERTION_LIFETIME_TOO_LONG',
    );
    assert.equal(cache.calls.length, 0);
  });

  it('a second bearer confirmation cannot smuggle a long window past the ceiling', async () => {
    await expectCode(
      verifyResponse(tenant(), toForm(twoBearers(600, 40 * 86400, 40 * 86400)), {
        inResponseTo: REQUEST_ID,
        now: () => NOW,
        replayCache: memoryCache(),
      }),
      'ASSERTION_LIFETIME_TOO_LONG',
    );
  });

  it('just under 24 hours is accepted; a tenant may raise the ceiling (maxAssertionLifetimeSeconds)', async () => {
    const day = signed(buildResponse({ notOnOrAfter: 86400 - 180, scdNotOnOrAfter: 86400 - 180 }));
    await verifyResponse(tenant(), toForm(day), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: memoryCache(),
    });
    const week = signed(buildResponse({ notOnOrAfter: 7 * 86400, scdNotOnOrAfter: 7 * 86400 }));
    await expectCode(
      verifyResponse(tenant(), toForm(week), {
        inResponseTo: REQUEST_ID,
        now: () => NOW,
        replayCache: memoryCache(),
      }),
      'ASSERTION_LIFETIME_TOO_LONG',
    );
    await verifyResponse(tenant({ maxAssertionLifetimeSeconds: 8 * 86400 }), toForm(week), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: memoryCache(),
    });
  });

  it('the ceiling is bounded: 30 days at most', async () => {
    await assert.rejects(
      verifyResponse(tenant({ maxAssertionLifetimeSeconds: 31 * 86400 }), {}, { replayCache: memoryCache() }),
      TypeError,
    );
  });
});
