/**
 * What samlkit hands back or prints carries no secrets and no unescaped text from unsigned parts of
 * a message (docs/security.md rule 30): log injection through SamlError fields, terminal injection through
 * `samlkit inspect`, and SP private keys in LoginResult.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createServiceProvider,
  generateSpKeyPair,
  createMemoryStore,
  SamlError,
  type SamlEvent,
  verifyResponse,
} from '../../src/index.js';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { createTestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { buildResponse, NOW, REQUEST_ID, tenant, toForm } from '../helpers/idp.js';
import { memoryCache } from '../helpers/expect.js';

/**
 * What XML can carry that forges a log line or drives a terminal: line ends (also as a reference),
 * C1 CSI, NEL, the line separator and a bidi override. (ESC and other C0 controls are not XML
 * characters at all: the parser refuses them.)
 */
const HOSTILE = '\n\r&#13;\u009b[2J\u009b31m\u202eevil\u2028\u0085';
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202e\u2028]/;

function withStatus(message: string, code = 'urn:oasis:names:tc:SAML:2.0:status:Responder'): string {
  return buildResponse({ statusCode: code }).replace(
    /<samlp:StatusCode Value="[^"]*"\/>/,
    (status) => `${status}<samlp:StatusMessage>${message}</samlp:StatusMessage>`,
  );
}

async function refusal(xml: string): Promise<SamlError> {
  try {
    await verifyResponse(tenant(), toForm(xml), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: memoryCache(),
    });
  } catch (error) {
    if (error instanceof SamlError) return error;
    throw error;
  }
  assert.fail('accepted');
}

describe('log injection through SamlError', () => {
  it('a StatusMessage with newlines, ESC, OSC, C1 and bidi controls is escaped in every field', async () => {
    const error = await refusal(withStatus(`Denied${HOSTILE}FORGED log line`));
    assert.equal(error.code, 'STATUS_NOT_SUCCESS');
    for (const field of [error.message, error.hint, error.received ?? '', String(error.expected ?? '')]) {
      assert.doesNotMatch(field, UNSAFE, JSON.stringify(field));
    }
    assert.match(error.message + (error.received ?? ''), /\\u\{9b\}/);
  });

  it('a StatusMessage of 200 000 characters is capped', async () => {
    const error = await refusal(withStatus('x'.repeat(200_000)));
    assert.ok(error.message.length <= 2049, `${error.message.length}`);
    assert.ok((error.received ?? '').length <= 2049);
  });

  it('a hostile status code value is escaped too', async () => {
    const error = await refusal(withStatus('m', 'urn:x&#10;FORGED&#27;[31m'));
    for (const field of [error.message, error.received ?? '']) assert.doesNotMatch(field, UNSAFE);
  });
});

describe('log injection through audit events', () => {
  it('an AuthnContextClassRef from any tenant\u2019s IdP reaches the event escaped', async () => {
    const when = new Date('2027-03-01T09:00:00Z');
    const idp = await createTestIdp({ now: () => when });
    const store = createMemoryStore({ now: () => when });
    await store.put({
      id: 'acme',
      sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
      idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    });
    const events: SamlEvent[] = [];
    const sp = createServiceProvider({
      tenants: store,
      state: store,
      now: () => when,
      onEvent: (event) => void events.push(event),
    });
    const login = await sp.startLogin({ tenantId: 'acme' });
    const form = answerRedirect(idp, login, {
      user: { email: 'alice@acme.com' },
      // No CR: XML parsing turns it into LF, and the signature covers what was signed.
      authnContextClassRef: `urn:evil${HOSTILE.replace(/\r/g, '')}`,
    });
    const result = await sp.finishLogin(form, { browserSecret: login.browserSecret });
    assert.match(result.profile.authnContextClassRef ?? '', UNSAFE, 'the profile keeps what the IdP sent');
    const [event] = events;
    const logged =
      event?.name === 'saml.login.succeeded' ? event.attributes['saml.authn.context_class'] : undefined;
    assert.ok(logged?.startsWith('urn:evil') === true);
    assert.doesNotMatch(logged, UNSAFE);
  });
});

describe('LoginResult carries no secrets', () => {
  it('the tenant in a login result has no SP private key and no sealed values', async () => {
    const when = new Date('2027-03-01T09:00:00Z');
    const idp = await createTestIdp({ now: () => when });
    const keys = await generateSpKeyPair({ commonName: 'app.example.com' });
    const store = createMemoryStore({ now: () => when });
    await store.put({
      id: 'acme',
      sp: {
        entityId: 'https://app.example.com/saml/acme',
        acsUrl: 'https://app.example.com/saml/acs',
        signing: keys,
        decryption: [keys],
      },
      idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    });
    const sp = createServiceProvider({ tenants: store, state: store, now: () => when });
    const login = await sp.startLogin({ tenantId: 'acme' });
    const form = answerRedirect(idp, login, { user: { email: 'alice@acme.com' } });
    const result = await sp.finishLogin(form, { browserSecret: login.browserSecret });
    const serialised = JSON.stringify(result);
    assert.doesNotMatch(serialised, /PRIVATE KEY|privateKey|sealed/);
    assert.equal(result.tenant.sp.signing?.certificate, keys.certificate);
    assert.equal(result.tenant.sp.decryption?.[0]?.certificate, keys.certificate);
    assert.ok(Object.isFrozen(result.tenant.sp));
  });
});

describe('terminal injection through samlkit inspect', () => {
  it('ESC, OSC, C1, CR and bidi characters from the message are printed escaped', async () => {
    const out: string[] = [];
    const io: CliIo = {
      stdin: () => Promise.resolve(''),
      stdout: (text) => out.push(text),
      stderr: (text) => out.push(text),
      readFile: () => Promise.resolve(Buffer.from(withStatus(`Denied${HOSTILE}`)).toString('base64')),
      writeFile: () => Promise.resolve(),
      now: () => NOW,
    };
    await runCli(['inspect', 'response.b64'], io);
    const printed = out.join('');
    assert.match(printed, /Denied/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e\u2028]/);
    assert.match(printed, /\\u009b/);
  });
});
