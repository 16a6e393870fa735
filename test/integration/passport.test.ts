/**
 * `samlkit/passport` in a real Passport 0.7 + Express 5 app on loopback (test/helpers/passport-app.ts),
 * with the test IdP of samlkit/testing minting the responses: the login cookie, the redirect and POST
 * bindings, login_hint, the same-site step at the ACS, returnTo, the verify callback, refusals
 * through `fail`, and argument mistakes as TypeErrors. The attacks are in
 * test/attacks/passport-login-csrf.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LoginResult } from '../../src/index.js';
import { SamlStrategy, type SamlAuthInfo } from '../../src/passport.js';
import { formOf, loginCookieOf, send, startPassportApp, type PassportApp } from '../helpers/passport-app.js';

describe('samlkit/passport: SamlStrategy in Passport and Express', () => {
  let app: PassportApp;
  before(async () => {
    app = await startPassportApp();
  });
  after(() => app.close());

  it('starts at /login/:tenant with the login cookie and finishes at the ACS: user, tenant, returnTo', async () => {
    const { started, answer, cookie } = await app.startAt('/login/acme?returnTo=%2Fprojects%2F42');
    const line = loginCookieOf(started);
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; SameSite=Lax/);
    assert.match(line, /; Path=\//);
    assert.doesNotMatch(line, /; Secure/, 'plain http: no Secure (it would be dropped)');

    const acs = await send(`${app.baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(acs.status, 200, acs.body);
    const { user, info } = JSON.parse(acs.body) as { user: LoginResult; info: SamlAuthInfo };
    assert.equal(user.tenant.id, 'acme');
    assert.equal(user.profile.email, 'alice@acme.com');
    assert.deepEqual(user.roles, ['admin']);
    assert.deepEqual(info, { tenantId: 'acme', returnTo: '/projects/42' });
    // The login cookie is cleared: the pending login is consumed.
    assert.match(loginCookieOf(acs), /^samlkit_login=; Max-Age=0;/);

    // The same response again is refused (the pending login is gone): fail → Passport's 401.
    const replay = await send(`${app.baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(replay.status, 401);
  });

  it('routes a posted email to the tenant that claims its domain', async () => {
    const { answer, cookie } = await app.startAt('/login', { email: ' alice@acme.com ' });
    const acs = await send(`${app.baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(acs.status, 200, acs.body);
  });

  it('adds login_hint when asked to, after the signed query (the signature still verifies)', async () => {
    const plain = await app.startAt('/login', { email: 'alice@acme.com' });
    assert.equal(new URL(plain.started.location ?? '').searchParams.get('login_hint'), null);
    const { started, answer, cookie } = await app.startAt('/hint/login', { email: 'alice@acme.com' });
    const location = started.location ?? '';
    assert.ok(location.endsWith('&login_hint=alice%40acme.com'), location);
    const acs = await send(`${app.baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(acs.status, 200, acs.body);
    assert.throws(() => new SamlStrategy({ sp: app.sp, loginHint: 'yes' as never }), /options\.loginHint/);
  });

  it('takes returnTo from passport.authenticate options', async () => {
    const fixed = await app.startAt('/login-to-settings/acme');
    const acs = await send(`${app.baseUrl}/saml/acme/acs`, {
      form: formOf(fixed.answer),
      cookie: fixed.cookie,
    });
    assert.deepEqual((JSON.parse(acs.body) as { info: SamlAuthInfo }).info, {
      tenantId: 'acme',
      returnTo: '/settings',
    });
  });

  it('answers the IdP’s cookie-less cross-site post with the same-site step, then signs in', async () => {
    const { answer, cookie } = await app.startAt('/login/acme');
    const bounced = await send(`${app.baseUrl}/saml/acme/acs`, { form: formOf(answer) });
    assert.equal(bounced.status, 200);
    assert.match(bounced.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(bounced.headers.get('content-security-policy') ?? '', /script-src 'sha256-/);
    assert.match(bounced.body, /<form method="post" action="\/saml\/acme\/acs">/);
    assert.match(bounced.body, /name="samlkit_same_site" value="1"/);
    // The browser posts it again from the app's origin, now with the SameSite=Lax cookie.
    const again = await send(`${app.baseUrl}/saml/acme/acs`, {
      form: { ...formOf(answer), samlkit_same_site: '1' },
      cookie,
    });
    assert.equal(again.status, 200, again.body);
  });

  it('fails an unknown tenant with 404, and a login naming no tenant with 400', async () => {
    const unknown = await send(`${app.baseUrl}/login/nobody`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.cookies.length, 0, 'no login cookie for a login that did not start');
    const nothing = await send(`${app.baseUrl}/login`, { form: { email: '' } });
    assert.equal(nothing.status, 400);
  });

  it('sends the POST binding’s self-submitting page with the cookie and a strict CSP', async () => {
    const started = await send(`${app.baseUrl}/post/login/acme`);
    assert.equal(started.status, 200);
    loginCookieOf(started);
    assert.match(
      started.body,
      new RegExp(`<form method="post" action="${app.idp.ssoUrl.replace(/[.?]/g, '\\$&')}">`),
    );
    assert.match(started.body, /name="SAMLRequest"/);
    assert.match(
      started.headers.get('content-security-policy') ?? '',
      /^default-src 'none'; script-src 'sha256-/,
    );
    assert.equal(started.headers.get('referrer-policy'), 'no-referrer');
  });

  it('hands the result to the verify callback: its user signs in, its refusal fails', async () => {
    const admin = await app.startAt('/login/acme');
    const ok = await send(`${app.baseUrl}/admins/saml/acme/acs`, {
      form: formOf(admin.answer),
      cookie: admin.cookie,
    });
    assert.equal(ok.status, 200, ok.body);
    const { user, info } = JSON.parse(ok.body) as { user: unknown; info: SamlAuthInfo };
    assert.deepEqual(user, { id: 'alice@acme.com', admin: true });
    assert.equal(info.tenantId, 'acme');

    const memberIdp = await app.startAt('/login/acme');
    const url = new URL(memberIdp.started.location ?? '');
    const member = app.idp.respond({
      SAMLRequest: url.searchParams.get('SAMLRequest') ?? '',
      RelayState: url.searchParams.get('RelayState') ?? '',
      user: { email: 'bob@acme.com', groups: [] },
    });
    const refused = await send(`${app.baseUrl}/admins/saml/acme/acs`, {
      form: formOf(member),
      cookie: memberIdp.cookie,
    });
    assert.equal(refused.status, 401);
  });

  it('reports argument mistakes as TypeErrors naming the option', () => {
    assert.throws(() => new SamlStrategy(undefined as never), /options must be an object/);
    assert.throws(() => new SamlStrategy({} as never), /options\.sp must be a service provider/);
    assert.throws(() => new SamlStrategy({ sp: app.sp, name: '' }), /options\.name/);
    assert.throws(() => new SamlStrategy({ sp: app.sp, cookieName: 'a b' }), /options\.cookieName/);
    assert.throws(() => new SamlStrategy({ sp: app.sp, binding: 'artifact' as never }), /options\.binding/);
    assert.throws(
      () => new SamlStrategy({ sp: app.sp, secureCookie: 'yes' as never }),
      /options\.secureCookie/,
    );
    assert.throws(() => new SamlStrategy({ sp: app.sp }, 'verify' as never), /verify must be a function/);
    assert.equal(new SamlStrategy({ sp: app.sp }).name, 'saml');
  });
});
