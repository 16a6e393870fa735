/**
 * Login CSRF (docs/security.md rule 23): an attacker starts a login for their own account, stops before the
 * IdP's auto-post, and has a victim's browser submit it. A pending login is bound to the browser that
 * started it (a cookie secret whose hash it keeps), so the victim's browser cannot finish it.
 * The browser-level proof (two Chromium contexts, both example apps) is test/e2e/login-csrf.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createServiceProvider,
  createMemoryStore,
  type MemoryStore,
  sameSiteStep,
  type ServiceProvider,
  type StartedLogin,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { expectCode } from '../helpers/expect.js';

const NOW = new Date('2027-03-01T09:00:00Z');
let idp: TestIdp;
let sp: ServiceProvider;
let store: MemoryStore;

before(async () => {
  idp = await createTestIdp({ preset: 'generic', now: () => NOW });
  store = createMemoryStore({ now: () => NOW });
  await store.put({
    id: 'acme',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
  });
  sp = createServiceProvider({ tenants: store, state: store, now: () => NOW });
});

function answer(login: StartedLogin, email: string): { SAMLResponse: string; RelayState: string } {
  const form = answerRedirect(idp, login, { user: { email } });
  return { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState ?? '' };
}

describe('login CSRF', () => {
  it("the attacker's login posted by the victim's browser (no cookie) is refused, and stays pending", async () => {
    const attacker = await sp.startLogin({ tenantId: 'acme' });
    const form = answer(attacker, 'mallory@acme.com');
    await expectCode(sp.finishLogin(form), 'BROWSER_MISMATCH');
    await expectCode(sp.finishLogin(form, { browserSecret: undefined }), 'BROWSER_MISMATCH');
    // The refusal did not burn the attacker's own login: it proves nothing was consumed.
    const result = await sp.finishLogin(form, { browserSecret: attacker.browserSecret });
    assert.equal(result.profile.email, 'mallory@acme.com');
  });

  it("the victim's own login cookie does not finish the attacker's login", async () => {
    const victim = await sp.startLogin({ tenantId: 'acme' });
    const attacker = await sp.startLogin({ tenantId: 'acme' });
    await expectCode(
      sp.finishLogin(answer(attacker, 'mallory@acme.com'), { browserSecret: victim.browserSecret }),
      'BROWSER_MISMATCH',
    );
  });

  it('secrets are random, 256 bits, and only their hash is stored', async () => {
    const login = await sp.startLogin({ tenantId: 'acme' });
    assert.match(login.browserSecret, /^[\w-]{43}$/);
    const requestId = new URL(login.url).searchParams.has('SAMLRequest') ? login.id : '';
    const pending = await store.findRequest(requestId);
    assert.ok(pending !== undefined);
    assert.notEqual(pending.browserBinding, login.browserSecret);
    assert.ok(!JSON.stringify(pending).includes(login.browserSecret));
  });

  it('sameSiteStep bounces the cross-site post once, then finishLogin refuses a second post without the cookie', () => {
    const form = { SAMLResponse: 'PHg+', RelayState: 'handle' };
    const page = sameSiteStep(form, undefined, { action: '/saml/acs' });
    assert.ok(page !== undefined);
    assert.match(page, /<form method="post" action="\/saml\/acs">/);
    assert.match(page, /name="samlkit_same_site" value="1"/);
    assert.equal(
      sameSiteStep({ ...form, samlkit_same_site: '1' }, undefined, { action: '/saml/acs' }),
      undefined,
    );
    assert.equal(sameSiteStep(form, 'cookie', { action: '/saml/acs' }), undefined);
    // Markup in the fields is escaped, never interpreted.
    const hostile = sameSiteStep({ SAMLResponse: '"><script>x()</script>' }, undefined, { action: '/a"b' });
    assert.ok(
      hostile !== undefined && !hostile.includes('<script>x()') && hostile.includes('action="/a&quot;b"'),
    );
  });
});
