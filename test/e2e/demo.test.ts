/**
 * The README's demo and the two example apps, end to end over HTTP: `npm run demo -- --check` as a
 * process, then the same flow and the app's other routes against Express and Fastify in process.
 * The apps import the built package (`samlkit`), as an app would: `npm test` builds first.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';
import { parseIdpMetadata, SamlError } from 'samlkit';
import { createTestIdp } from 'samlkit/testing';
import { createBrowser, textOf, type Browser } from '../../examples/shared/browser.js';
import { runDemoCheck, signInAtTestIdp } from '../../examples/shared/check.js';
import { DEMO_TENANT, FRAMEWORKS, startDemo, type RunningDemo } from '../../examples/shared/demo-server.js';
import { tenantUrls } from '../../examples/shared/options.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';

/** Runs `examples/demo.ts` (what `npm run demo` runs after building) and collects its output. */
function runDemoCli(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 40_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** A browser signed in as `email` through the test IdP. */
async function signedIn(baseUrl: string, email: string): Promise<Browser> {
  const browser = createBrowser(baseUrl);
  const toAcs = await signInAtTestIdp(browser, email);
  const acs = await browser.post(toAcs.action, toAcs.fields);
  assert.equal(acs.status, 303, textOf(acs.body, 'error-code'));
  return browser;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(port);
      });
    });
    probe.on('error', reject);
  });
}

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

describe('the demo server starts and stops cleanly (issue #15)', () => {
  it('answers every request that reaches it while starting: the app is attached before it listens', async () => {
    const port = await freePort();
    const state = { started: false };
    const starting = startDemo({ port }).finally(() => {
      state.started = true;
    });
    const answers: number[] = [];
    // Knock until the demo is up; a request accepted before the handler exists would hang.
    while (!state.started) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5_000) });
        answers.push(response.status);
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        assert.equal(cause?.code, 'ECONNREFUSED', `a request failed otherwise: ${String(error)}`);
      }
    }
    const demo = await starting;
    try {
      assert.ok(
        answers.every((status) => status === 200),
        answers.join(' '),
      );
      assert.equal((await fetch(`${demo.baseUrl}/`)).status, 200);
    } finally {
      await demo.close();
    }
  });

  for (const [signal, how] of [
    ['SIGTERM', ['npm', 'run', 'demo', '--']],
    ['SIGINT', [process.execPath, '--import', 'tsx', 'examples/demo.ts']],
  ] as const) {
    it(`${how[0] === 'npm' ? '`npm run demo &` then kill' : 'the demo process'} (${signal}): exits, and nothing is left listening`, async () => {
      const port = await freePort();
      const [command = '', ...args] = how;
      const child = spawn(command, [...args, '--port', String(port)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => {
          resolve(code);
        }),
      );
      try {
        for (let i = 0; i < 600 && !output.includes('samlkit demo'); i++) await delay(100);
        assert.match(output, /samlkit demo \(express\) at/);
        assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
        child.kill(signal);
        await exited;
        // The node server under npm and tsx is gone too: the port refuses connections.
        let refused = false;
        for (let i = 0; i < 50 && !refused; i++) {
          refused = await fetch(`http://127.0.0.1:${port}/`).then(
            () => false,
            () => true,
          );
          if (!refused) await delay(100);
        }
        assert.ok(refused, `port ${port} still answers after ${signal}:\n${output}`);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }
});

describe('npm run demo -- --check', () => {
  it('signs Alice in headlessly, says so, and exits 0', async () => {
    const { code, stdout, stderr } = await runDemoCli(['--check']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^demo check passed \(express\): Alice Liddell <alice@example\.com> .*roles admin/);
  });
});

for (const framework of FRAMEWORKS) {
  describe(`the example app on ${framework}`, () => {
    let demo: RunningDemo;
    before(async () => {
      demo = await startDemo({ framework });
    });
    after(() => demo.close());

    it('passes the demo check: Alice signs in and /me shows her with the admin role', async () => {
      const result = await runDemoCheck(demo.baseUrl);
      assert.deepEqual(result, { name: 'Alice Liddell', email: 'alice@example.com', roles: 'admin' });
    });

    it('signs Bob in as Bob with the default role: the test IdP pre-fills the address typed, not its first user', async () => {
      const browser = await signedIn(demo.baseUrl, 'bob@example.com');
      const me = await browser.get('/me');
      assert.equal(textOf(me.body, 'signed-in-email'), 'bob@example.com');
      assert.equal(textOf(me.body, 'signed-in-roles'), 'member');
    });

    it("refuses tenant A's response at tenant B's ACS (IN_RESPONSE_TO_MISMATCH), without burning A's login", async () => {
      const { entityId, acsUrl } = tenantUrls(demo.baseUrl, 'other');
      await demo.tenants.put({
        id: 'other',
        emailDomains: ['other.test'],
        sp: { entityId, acsUrl },
        idp: parseIdpMetadata(demo.testIdp.metadata()).idp,
      });
      const browser = createBrowser(demo.baseUrl);
      const toAcs = await signInAtTestIdp(browser, 'alice@example.com');
      assert.equal(new URL(toAcs.action).pathname, `/saml/${DEMO_TENANT}/acs`);

      const refused = await browser.post('/saml/other/acs', toAcs.fields);
      assert.equal(refused.status, 401);
      assert.equal(textOf(refused.body, 'error-code'), 'IN_RESPONSE_TO_MISMATCH');
      assert.equal(browser.cookies.has('sid'), false, 'no session');

      const accepted = await browser.post(toAcs.action, toAcs.fields);
      assert.equal(accepted.status, 303);
      assert.equal(accepted.location, `${demo.baseUrl}/me`);
    });

    it('shows the error code, never a stack, for a broken response and for a body over 512 KB', async () => {
      const browser = createBrowser(demo.baseUrl);
      const broken = await browser.post(`/saml/${DEMO_TENANT}/acs`, { SAMLResponse: 'not base64 XML' });
      assert.equal(broken.status, 401);
      assert.ok(textOf(broken.body, 'error-code'));
      assert.doesNotMatch(broken.body, /\bat .*\.(?:ts|js):\d+/);

      const huge = await browser.post(`/saml/${DEMO_TENANT}/acs`, { SAMLResponse: 'A'.repeat(600 * 1024) });
      assert.equal(huge.status, 413);
      assert.doesNotMatch(huge.body, /\bat .*\.(?:ts|js):\d+|PayloadTooLarge|FST_/);
    });

    it('offers no SSO to an address no tenant claims, and escapes it on the page', async () => {
      const browser = createBrowser(demo.baseUrl);
      const response = await browser.post('/login', { email: 'peter@nowhere.test' });
      assert.equal(response.status, 200);
      assert.match(response.body, /Password login is not part of this example/);
      // Not an address at all: refused (EMAIL_INVALID), never password login, and escaped on the page.
      const odd = await browser.post('/login', { email: '<b>x</b>"@nowhere.test' });
      assert.equal(odd.status, 400);
      assert.doesNotMatch(odd.body, /Password login/);
      assert.ok(odd.body.includes('&lt;b&gt;x&lt;/b&gt;&quot;@nowhere.test'));
      assert.ok(!odd.body.includes('<b>x'));
    });

    it('sends /me without a session to the sign-in page, and signs out', async () => {
      const anonymous = await createBrowser(demo.baseUrl).get('/me');
      assert.equal(anonymous.status, 303);
      assert.equal(anonymous.location, `${demo.baseUrl}/`);

      const browser = await signedIn(demo.baseUrl, 'bob@example.com');
      const me = await browser.get('/me');
      assert.equal(textOf(me.body, 'signed-in-name'), 'Bob');
      assert.equal(textOf(me.body, 'signed-in-roles'), 'member');
      const logout = await browser.post('/logout', {});
      assert.equal(logout.status, 303);
      assert.equal(browser.cookies.size, 0);
      assert.equal((await browser.get('/me')).status, 303);
      // Single Logout: a signed LogoutRequest to the test IdP, its signed LogoutResponse back.
      const toIdp = logout.location ?? '';
      assert.ok(toIdp.startsWith(`${demo.baseUrl}/test-idp/slo?SAMLRequest=`), toIdp);
      assert.match(toIdp, /&SigAlg=[^&]+&Signature=/);
      const atIdp = await browser.get(toIdp.slice(demo.baseUrl.length));
      assert.equal(atIdp.status, 303);
      const toApp = atIdp.location ?? '';
      assert.ok(toApp.startsWith(`${tenantUrls(demo.baseUrl, DEMO_TENANT).sloUrl}?SAMLResponse=`));
      const back = await browser.get(toApp.slice(demo.baseUrl.length));
      assert.equal(back.status, 303, back.body);
      assert.equal(back.location, `${demo.baseUrl}/`);
      // The same LogoutResponse again answers no pending logout.
      assert.equal((await browser.get(toApp.slice(demo.baseUrl.length))).status, 400);
    });

    it('serves SP metadata: parseable XML, and refused as IdP metadata', async () => {
      const response = await createBrowser(demo.baseUrl).get(`/saml/${DEMO_TENANT}/metadata`);
      assert.equal(response.status, 200);
      assert.match(response.contentType, /^application\/samlmetadata\+xml/);
      const { entityId, acsUrl } = tenantUrls(demo.baseUrl, DEMO_TENANT);
      const root = new DOMParser().parseFromString(response.body, 'text/xml').documentElement;
      assert.ok(root !== null);
      assert.equal(root.getAttribute('entityID'), entityId);
      const acs = root.getElementsByTagNameNS(MD, 'AssertionConsumerService')[0];
      assert.equal(acs?.getAttribute('Location'), acsUrl);
      assert.throws(
        () => parseIdpMetadata(response.body),
        (error) => error instanceof SamlError && error.code === 'METADATA_INVALID',
      );
    });

    it('lets only an admin of the tenant see and change its SSO settings', async () => {
      const anonymous = createBrowser(demo.baseUrl);
      const redirected = await anonymous.get(`/admin/${DEMO_TENANT}`);
      assert.equal(redirected.status, 303);
      assert.equal(new URL(redirected.location ?? '').pathname, `/login/${DEMO_TENANT}`);
      assert.equal(
        (await anonymous.post(`/admin/${DEMO_TENANT}/draft`, { input: 'metadataXml', xml: 'x' })).status,
        403,
      );
      const bob = await signedIn(demo.baseUrl, 'bob@example.com');
      assert.equal((await bob.get(`/admin/${DEMO_TENANT}`)).status, 403);
    });

    it('shows each email domain with its TXT record and a Verify button; refuses require-SSO without a verified domain and a break-glass address', async () => {
      const config = await demo.tenants.get(DEMO_TENANT);
      assert.ok(config !== undefined);
      await demo.tenants.put({ ...config, emailDomains: ['example.com', 'example.org'] });
      const pending = (await demo.tenants.domainClaims(DEMO_TENANT)).find((c) => c.domain === 'example.org');
      assert.ok(pending !== undefined);
      assert.equal(pending.status, 'pending');
      const alice = await signedIn(demo.baseUrl, 'alice@example.com');
      const settings = await alice.get(`/admin/${DEMO_TENANT}`);
      assert.equal(settings.status, 200);
      assert.ok(settings.body.includes('_samlkit-verification.example.org'));
      assert.ok(settings.body.includes(`samlkit-domain-verification=${pending.token}`));
      assert.equal(settings.body.match(/data-testid="verify-domain"/g)?.length, 2);

      const noBreakGlass = await alice.post(`/admin/${DEMO_TENANT}/require-sso`, {
        requireSso: 'on',
        breakGlass: '',
      });
      assert.equal(noBreakGlass.status, 400);
      assert.match(textOf(noBreakGlass.body, 'admin-error') ?? '', /break-glass/);
      // Without DNS records here, verification is refused (no record, or no DNS at all).
      const verify = await alice.post(`/admin/${DEMO_TENANT}/domains/verify`, { domain: 'example.org' });
      assert.equal(verify.status, 400);
      assert.match(textOf(verify.body, 'admin-error') ?? '', /DOMAIN_(VERIFICATION|LOOKUP)_FAILED/);
      const unclaimed = await alice.post(`/admin/${DEMO_TENANT}/domains/verify`, { domain: 'acme.com' });
      assert.match(textOf(unclaimed.body, 'admin-error') ?? '', /DOMAIN_NOT_CLAIMED/);

      await demo.tenants.setDomainVerification(DEMO_TENANT, 'example.com', null);
      const unverified = await alice.post(`/admin/${DEMO_TENANT}/require-sso`, {
        requireSso: 'on',
        breakGlass: 'root@example.com',
      });
      assert.equal(unverified.status, 400);
      assert.match(textOf(unverified.body, 'admin-error') ?? '', /Verify an email domain first/);
      assert.notEqual((await demo.tenants.get(DEMO_TENANT))?.requireSso, true);
      await demo.tenants.setDomainVerification(DEMO_TENANT, 'example.com', {
        verifiedAt: new Date(),
        method: 'operator',
        by: 'e2e',
      });

      const on = await alice.post(`/admin/${DEMO_TENANT}/require-sso`, {
        requireSso: 'on',
        breakGlass: 'root@example.com',
      });
      assert.equal(on.status, 303);
      const saved = await demo.tenants.get(DEMO_TENANT);
      assert.ok(saved !== undefined);
      assert.equal(saved.requireSso, true);
      assert.deepEqual(saved.breakGlassEmails, ['root@example.com']);
      await demo.tenants.put(config); // as before, for the cases after this one
    });

    it('shows the ACS URL to the admin, and stages pasted IdP metadata as a draft; the live IdP stays', async () => {
      const alice = await signedIn(demo.baseUrl, 'alice@example.com');
      const admin = await alice.get(`/admin/${DEMO_TENANT}`);
      assert.equal(admin.status, 200);
      assert.ok(admin.body.includes(tenantUrls(demo.baseUrl, DEMO_TENANT).acsUrl));
      const live = await demo.tenants.get(DEMO_TENANT);

      const bad = await alice.post(`/admin/${DEMO_TENANT}/draft`, {
        input: 'metadataXml',
        xml: '<not-metadata/>',
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /data-path="xml"/);
      const url = await alice.post(`/admin/${DEMO_TENANT}/draft`, {
        input: 'metadataXml',
        xml: 'https://idp.example.com/metadata',
      });
      assert.equal(url.status, 400);
      assert.match(url.body, /This is a URL, not a metadata document/);
      assert.doesNotMatch(url.body, /MALFORMED_XML/);

      const next = await createTestIdp({ preset: 'generic', ssoUrl: `${demo.baseUrl}/test-idp/sso` });
      const saved = await alice.post(`/admin/${DEMO_TENANT}/draft`, {
        input: 'metadataXml',
        xml: next.metadata(),
      });
      assert.equal(saved.status, 303);
      const tenant = await demo.tenants.get(DEMO_TENANT);
      assert.deepEqual(tenant?.idp.certificates, live?.idp.certificates, 'nothing is live before a test');
      const shown = await alice.get(saved.location ?? '');
      assert.ok(shown.body.includes(fingerprint(next.certificate)), 'the draft shows the new certificate');
      const promote = await alice.post(`/admin/${DEMO_TENANT}/promote`, {});
      assert.equal(promote.status, 400);
      assert.match(textOf(promote.body, 'admin-error') ?? '', /SETUP_STEP_REFUSED/);
    });
  });
}
