/**
 * Login CSRF, open redirects and forged responses through `samlkit/passport` in a real Passport +
 * Express app (test/helpers/passport-app.ts): a login finished in another browser is refused
 * (BROWSER_MISMATCH), an off-site returnTo is never followed, the same-site step never posts to
 * another origin, and a forged or misdirected response fails without burning the real login.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SamlAuthInfo, SamlChallenge } from '../../src/passport.js';
import { formOf, send, startPassportApp, type PassportApp } from '../helpers/passport-app.js';

describe('samlkit/passport under attack', () => {
  let app: PassportApp;
  before(async () => {
    app = await startPassportApp();
  });
  after(() => app.close());

  it('drops an off-site returnTo: the login still succeeds, and goes nowhere else', async () => {
    for (const returnTo of [
      '//evil.example/',
      'https://evil.example/',
      '/\\evil.example',
      '/a/..//evil.example',
      '/%2e%2e//evil.example',
      'javascript:alert(1)',
      '/\tevil',
    ]) {
      const offSite = await app.startAt(`/login/acme?returnTo=${encodeURIComponent(returnTo)}`);
      const answer = await send(`${app.baseUrl}/saml/acme/acs`, {
        form: formOf(offSite.answer),
        cookie: offSite.cookie,
      });
      assert.deepEqual(
        (JSON.parse(answer.body) as { info: SamlAuthInfo }).info,
        { tenantId: 'acme' },
        returnTo,
      );
    }
  });

  it('posts the same-site step back to this origin, even for a request path like //host', async () => {
    const { answer } = await app.startAt('/login/acme');
    for (const path of ['/anywhere//evil.example/acs', '/anywhere/%2F%2Fevil.example']) {
      const bounced = await send(`${app.baseUrl}${path}`, { form: formOf(answer) });
      assert.equal(bounced.status, 200);
      const action = /<form method="post" action="([^"]*)">/.exec(bounced.body)?.[1] ?? '';
      assert.ok(action.startsWith('/') && !action.startsWith('//'), action);
      assert.equal(new URL(action, app.baseUrl).origin, app.baseUrl);
    }
    // The request line itself may start with //: the action still stays on this origin.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(app.baseUrl).port), '127.0.0.1', () => {
        const body = new URLSearchParams(formOf(answer)).toString();
        socket.end(
          `POST //evil.example/anywhere/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => {
        resolve(text);
      });
      socket.on('error', reject);
    });
    const action = /<form method="post" action="([^"]*)">/.exec(raw)?.[1];
    assert.equal(action, '/evil.example/anywhere/x', raw.slice(0, 200));
  });

  it('refuses a login finished in another browser (login CSRF): fail with BROWSER_MISMATCH', async () => {
    const { answer } = await app.startAt('/login/acme');
    // The attacker's own response, posted from the victim's browser: no cookie, second post.
    const posted = await send(`${app.baseUrl}/callback/saml/acme/acs`, {
      form: { ...formOf(answer), samlkit_same_site: '1' },
    });
    assert.equal(posted.status, 401);
    const seen = app.callbackSeen();
    const challenge = seen.info as SamlChallenge;
    assert.equal(seen.user, false);
    assert.equal(seen.status, 401);
    assert.equal(challenge.code, 'BROWSER_MISMATCH');
    assert.equal(challenge.message, 'SAML login refused: BROWSER_MISMATCH');
    assert.equal(challenge.error.code, 'BROWSER_MISMATCH');
    assert.ok(challenge.error.hint.length > 0);
  });

  it('refuses a tampered response through fail, so failureRedirect applies', async () => {
    const { answer, cookie } = await app.startAt('/login/acme');
    const xml = Buffer.from(answer.SAMLResponse, 'base64').toString('utf8');
    const tampered = Buffer.from(xml.replace('alice@acme.com', 'mallory@acme.com'), 'utf8').toString(
      'base64',
    );
    const posted = await send(`${app.baseUrl}/redirecting/saml/acme/acs`, {
      form: { ...formOf(answer), SAMLResponse: tampered },
      cookie,
    });
    assert.notEqual(tampered, answer.SAMLResponse, 'the response names alice');
    assert.equal(posted.status, 302);
    assert.equal(posted.location, '/login-failed');
    // The forgery burns nothing: the IdP's real answer still signs in with the kept cookie.
    const real = await send(`${app.baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(real.status, 200, real.body);
  });

  it('refuses a response posted to another tenant’s ACS URL', async () => {
    const { answer, cookie } = await app.startAt('/login/acme');
    app.resetCallback();
    const posted = await send(`${app.baseUrl}/callback/saml/verified/acs`, { form: formOf(answer), cookie });
    assert.equal(posted.status, 401);
    const seen = app.callbackSeen();
    assert.equal(seen.user, false);
    assert.equal((seen.info as SamlChallenge).code, 'IN_RESPONSE_TO_MISMATCH');
    // The login cookie was kept and the pending login not burnt: the real ACS still signs in.
    assert.ok(!posted.cookies.some((line) => line.startsWith('samlkit_login=;')), 'login cookie kept');
    const real = await send(`${app.baseUrl}/saml/acme/acs`, { form: formOf(answer), cookie });
    assert.equal(real.status, 200, real.body);
  });
});
