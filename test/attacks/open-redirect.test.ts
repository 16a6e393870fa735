/**
 * Open redirects through `returnTo` (docs/security.md rule 18, 22). The kept value is judged in its final
 * form: what `finishLogin` hands back, resolved as a browser resolves it against the app's origin,
 * must stay on that origin. Each payload goes through the real service: startLogin keeps it (or
 * drops it), finishLogin returns what was kept.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createServiceProvider, createMemoryStore, type ServiceProvider } from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';

const APP = 'https://app.example.com';
const NOW = new Date('2027-03-01T09:00:00Z');

/** Every payload tries to leave the app's origin (or to look like it stays while it does not). */
const PAYLOADS: readonly string[] = [
  '//evil.com',
  '///evil.com',
  '////evil.com',
  '/\\evil.com',
  '\\\\evil.com',
  '/\\/evil.com',
  '/%5cevil.com/..',
  '/a/..//evil.com',
  '/a/../..//evil.com',
  '/./..//evil.com',
  '/.//evil.com/..',
  '/%2e%2e//evil.com',
  '/a/%2e%2e//evil.com',
  '/a/%2E%2E//evil.com',
  '/a/.%2e//evil.com',
  '/a/%2e.//evil.com',
  '/%2e/%2e%2e//evil.com',
  '/a/..%2f/evil.com',
  '/x/%2e%2e/%2e%2e//evil.com',
  '/..//evil.com',
  '/../..//evil.com',
  '/.././/evil.com',
  '/\t/evil.com',
  '/\n/evil.com',
  '/\r/evil.com',
  '/\t\t/evil.com',
  '/ /evil.com',
  '/\u0000/evil.com',
  '/\u001f/evil.com',
  '/\u007f/evil.com',
  '/\u0085/evil.com',
  '/\u00a0/evil.com',
  '/\u2028/evil.com',
  '/\ufeff/evil.com',
  'https://evil.com',
  'http://evil.com/',
  'https:evil.com',
  'https:/evil.com',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'JaVaScRiPt:alert(1)',
  'evil.com',
  '@evil.com',
  ' /path',
  '\t//evil.com',
  '//user@evil.com',
  '//evil.com@app.example.com',
  '//app.example.com@evil.com',
  '/\\user@evil.com',
  '//evil.com/%2e%2e',
  '//%65vil.com',
  '/%2f%2fevil.com/..',
  '/a/b/../../..//evil.com',
  '/a/b/%2e%2e/%2e%2e/%2e%2e//evil.com',
  '/%09/evil.com',
  '/..\\evil.com',
  '/a/..\\..\\evil.com',
  `/${'x/'.repeat(1100)}`,
];

/** Same-origin paths that must survive (in their normalised form). */
const KEPT: readonly (readonly [string, string])[] = [
  ['/projects/42?tab=1#top', '/projects/42?tab=1#top'],
  ['/a/../b', '/b'],
  ['/a/%2e%2e/b', '/b'],
  ['/%2f%2fevil.com', '/%2f%2fevil.com'],
  ['/@evil.com', '/@evil.com'],
  ['/search?q=//evil.com', '/search?q=//evil.com'],
  ['/é', '/%C3%A9'],
];

let idp: TestIdp;
let sp: ServiceProvider;

before(async () => {
  idp = await createTestIdp({ preset: 'generic', now: () => NOW });
  const store = createMemoryStore({ now: () => NOW });
  await store.put({
    id: 'acme',
    sp: { entityId: `${APP}/saml/acme`, acsUrl: `${APP}/saml/acs` },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
  });
  sp = createServiceProvider({ tenants: store, state: store, now: () => NOW });
});

/** startLogin with `returnTo`, the IdP's answer, finishLogin: what the app would redirect to. */
async function roundTrip(returnTo: string): Promise<string | undefined> {
  const login = await sp.startLogin({ tenantId: 'acme' }, { returnTo });
  const form = answerRedirect(idp, login, { user: { email: 'alice@acme.com' } });
  const result = await sp.finishLogin(form, { browserSecret: login.browserSecret });
  assert.equal(result.returnTo, login.returnTo, 'finishLogin returns what startLogin kept');
  return result.returnTo;
}

describe('open redirects through returnTo', () => {
  it(`has at least 50 payloads (${PAYLOADS.length})`, () => {
    assert.ok(PAYLOADS.length >= 50);
  });

  for (const payload of PAYLOADS) {
    it(`never leaves the origin: ${JSON.stringify(payload).slice(0, 60)}`, async () => {
      const returned = await roundTrip(payload);
      if (returned === undefined) return;
      // Whatever is kept must be a path a browser resolves on the app's own origin, unchanged.
      const resolved = new URL(returned, APP);
      assert.equal(resolved.origin, APP, `${JSON.stringify(returned)} resolves to ${resolved.href}`);
      assert.ok(returned.startsWith('/') && !returned.startsWith('//') && !returned.includes('\\'));
      assert.equal(`${resolved.pathname}${resolved.search}${resolved.hash}`, returned);
    });
  }

  for (const [given, kept] of KEPT) {
    it(`keeps a same-origin path: ${JSON.stringify(given)}`, async () => {
      assert.equal(await roundTrip(given), kept);
    });
  }
});
