/**
 * The admin's setup flow in memory, with the test IdP: a draft is saved from what the admin pasted,
 * tested by the admin alone, promoted, restored; the lock-out guard; setup links; the certificate
 * check. Real components throughout (MemoryStore, createTestIdp, parseIdpMetadata).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  checkIdpCertificates,
  consumeSetupLink,
  createLockoutGuard,
  createServiceProvider,
  createSetupLink,
  createTenantSetup,
  createMemoryStore,
  type MemoryStore,
  parseIdpMetadata,
  readIdpInput,
  SamlError,
  setupInstructions,
  type StartedTest,
  type TenantConfig,
  type SamlEvent,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { expectCode } from '../helpers/expect.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;
const ADMIN = 'admin@acme.com';
const SECRET = Buffer.alloc(32, 7);

let oldIdp: TestIdp;
let newIdp: TestIdp;

function acme(changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'acme',
    preset: 'azure',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
    idp: { entityId: oldIdp.entityId, certificates: [oldIdp.certificate], ssoUrl: oldIdp.ssoUrl },
    emailDomains: ['acme.com'],
    ...changes,
  };
}

async function world(...configs: TenantConfig[]) {
  const store = createMemoryStore({ now: clock });
  for (const config of configs.length > 0 ? configs : [acme()]) await store.put(config);
  const flow = createTenantSetup({ tenants: store, setup: store, state: store, now: clock });
  return { store, flow };
}

/** The IdP's answer to a started test, as the admin's browser posts it back. */
function answer(idp: TestIdp, test: StartedTest, email = ADMIN) {
  return answerRedirect(idp, test, { user: { email } });
}

/** The first element; fails the test when there is none. */
function first<T>(list: readonly T[]): T {
  const [head] = list;
  assert.ok(head !== undefined, 'the list is empty');
  return head;
}

before(async () => {
  oldIdp = await createTestIdp({
    entityId: 'https://old-idp.example.com/',
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: clock,
  });
  newIdp = await createTestIdp({
    entityId: 'https://new-idp.example.com/',
    preset: 'okta',
    key: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
    now: clock,
  });
});

describe('createTenantSetup: draft, test connection, promote, restore', () => {
  it('stages pasted metadata as a draft; the live IdP stays until the tested draft is promoted; restore puts it back', async () => {
    const { store } = await world();
    const events: SamlEvent[] = [];
    const flow = createTenantSetup({
      tenants: store,
      setup: store,
      state: store,
      now: clock,
      onEvent: (event) => void events.push(event),
    });
    const saved = await flow.saveDraft('acme', {
      kind: 'metadataXml',
      xml: newIdp.metadata(),
      preset: 'okta',
    });
    assert.deepEqual(
      saved.problems.filter((p) => p.severity === 'error'),
      [],
    );
    assert.equal(saved.draft?.settings.idp.entityId, newIdp.entityId);
    assert.equal((await store.get('acme'))?.idp.entityId, oldIdp.entityId, 'saving changes nothing live');
    let status = await flow.status('acme');
    assert.equal(status.canPromote, false);
    await expectCode(flow.promote('acme'), 'SETUP_STEP_REFUSED');

    const test = await flow.startTest('acme');
    assert.ok(
      test.binding === 'redirect' && test.url.startsWith(newIdp.ssoUrl),
      'the test goes to the draft IdP',
    );
    const form = answer(newIdp, test);
    assert.equal(flow.isTestResponse(form), true);
    const result = await flow.finishTest(form, {
      browserSecret: test.browserSecret,
      by: ADMIN,
      tenantId: 'acme',
    });
    assert.equal(result.passed, true, JSON.stringify(result.report.error));
    assert.ok(result.report.checks.some((check) => check.status === 'pass'));
    status = await flow.status('acme');
    assert.equal(status.canPromote, true);
    assert.equal(status.record.draft?.test?.by, ADMIN);

    await flow.promote('acme');
    assert.equal((await store.get('acme'))?.idp.entityId, newIdp.entityId);
    assert.equal((await store.get('acme'))?.preset, 'okta');
    status = await flow.status('acme');
    assert.equal(status.record.draft, undefined);
    assert.equal(status.record.previous?.settings.idp.entityId, oldIdp.entityId);
    assert.equal(status.adminSsoVerified, true, 'the passed test counts as the admin\u2019s SSO login');

    await flow.restore('acme');
    assert.equal((await store.get('acme'))?.idp.entityId, oldIdp.entityId);
    assert.equal((await flow.status('acme')).adminSsoVerified, false);
    // Saving and testing a draft change nothing live; promoting and restoring do, once each.
    assert.deepEqual(
      events.map(({ name, attributes }) => [name, attributes]),
      [
        [
          'saml.tenant.configuration_changed',
          { 'saml.tenant.id': 'acme', 'saml.configuration.fields': ['idp'] },
        ],
        [
          'saml.tenant.configuration_changed',
          { 'saml.tenant.id': 'acme', 'saml.configuration.fields': ['idp'] },
        ],
      ],
    );
  });

  it('a passed draft test neither replaces the live admin login nor is lost to a later one: it counts once promoted', async () => {
    const { flow } = await world();
    await flow.recordAdminLogin('acme', 'live-admin@acme.com');
    await flow.saveDraft('acme', { kind: 'metadataXml', xml: newIdp.metadata(), preset: 'okta' });
    const test = await flow.startTest('acme');
    await flow.finishTest(answer(newIdp, test), { browserSecret: test.browserSecret, by: ADMIN });
    let status = await flow.status('acme');
    assert.equal(status.adminSsoVerified, true, 'the live settings stay proven until the promotion');
    assert.equal(status.record.adminLogin?.by, 'live-admin@acme.com');
    await flow.recordAdminLogin('acme', 'live-admin@acme.com'); // an ordinary login before promoting
    await flow.promote('acme');
    status = await flow.status('acme');
    assert.equal(status.adminSsoVerified, true, 'the passed test proves the promoted settings');
    assert.equal(status.record.adminLogin?.by, ADMIN);
  });

  it('a draft for the same product keeps the live claim settings; another product starts from its own', async () => {
    const claims = {
      email: { from: 'attribute', name: 'mail' },
      attributeNames: { groups: 'memberOf' },
    } as const;
    const { flow } = await world(acme(claims));
    const again = {
      kind: 'manual',
      entityId: oldIdp.entityId,
      ssoUrl: oldIdp.ssoUrl,
      certificates: oldIdp.certificate,
    } as const;
    const same = (await flow.saveDraft('acme', again)).draft?.settings;
    assert.deepEqual(
      [same?.preset, same?.email, same?.attributeNames],
      ['azure', claims.email, claims.attributeNames],
    );
    const other = (await flow.saveDraft('acme', { ...again, preset: 'okta' })).draft?.settings;
    assert.deepEqual([other?.preset, other?.email, other?.attributeNames], ['okta', undefined, undefined]);
  });

  it('a failing test connection reports the failed check with its hint, and the draft cannot be promoted', async () => {
    const { flow } = await world();
    // The right entity ID and URL, but the old IdP's certificate: the new IdP's signature is untrusted.
    await flow.saveDraft('acme', {
      kind: 'manual',
      entityId: newIdp.entityId,
      ssoUrl: newIdp.ssoUrl,
      certificates: oldIdp.certificate,
    });
    const test = await flow.startTest('acme');
    const result = await flow.finishTest(answer(newIdp, test), {
      browserSecret: test.browserSecret,
      by: ADMIN,
    });
    assert.equal(result.passed, false);
    assert.equal(result.report.error?.code, 'KEY_UNTRUSTED');
    const failed = result.report.checks.find((check) => check.status === 'fail');
    assert.ok(failed?.hint !== undefined && failed.hint.length > 0);
    assert.equal((await flow.status('acme')).record.draft?.test?.passed, false);
    await expectCode(flow.promote('acme'), 'SETUP_STEP_REFUSED');
  });

  it('a changed draft is untested again; a test of the old revision is refused', async () => {
    const { flow } = await world();
    await flow.saveDraft('acme', { kind: 'metadataXml', xml: newIdp.metadata(), preset: 'okta' });
    const test = await flow.startTest('acme');
    await flow.saveDraft('acme', { kind: 'metadataXml', xml: newIdp.metadata(), preset: 'okta' });
    await expectCode(
      flow.finishTest(answer(newIdp, test), { browserSecret: test.browserSecret, by: ADMIN }),
      'SETUP_TEST_INVALID',
    );
    await expectCode(flow.promote('acme'), 'SETUP_STEP_REFUSED');
  });

  it('the draft signs in nobody else: finishLogin refuses a test response, and logins use the live IdP', async () => {
    const { store, flow } = await world();
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: NOW,
      method: 'operator',
      by: 'test',
    });
    const sp = createServiceProvider({ tenants: store, state: store, now: clock });
    await flow.saveDraft('acme', { kind: 'metadataXml', xml: newIdp.metadata(), preset: 'okta' });
    const test = await flow.startTest('acme');
    const form = answer(newIdp, test);
    await expectCode(
      sp.finishLogin(form, { browserSecret: test.browserSecret, tenantId: 'acme' }),
      'IN_RESPONSE_TO_MISMATCH',
    );
    const login = await sp.startLogin({ email: 'bob@acme.com' });
    assert.ok(login.url.startsWith(oldIdp.ssoUrl), 'everyone else still goes to the live IdP');
  });

  it('finishTest refuses another browser, another tenant, and a second use', async () => {
    const other = acme({
      id: 'globex',
      emailDomains: ['globex.com'],
      sp: {
        entityId: 'https://app.example.com/saml/globex',
        acsUrl: 'https://app.example.com/saml/globex/acs',
      },
    });
    const { flow } = await world(acme(), other);
    await flow.saveDraft('acme', { kind: 'metadataXml', xml: newIdp.metadata(), preset: 'okta' });
    const test = await flow.startTest('acme');
    const form = answer(newIdp, test);
    await expectCode(
      flow.finishTest(form, { browserSecret: 'another-browser', by: ADMIN }),
      'SETUP_TEST_INVALID',
    );
    await expectCode(
      flow.finishTest(form, { browserSecret: test.browserSecret, by: ADMIN, tenantId: 'globex' }),
      'SETUP_TEST_INVALID',
    );
    const finished = await flow.finishTest(form, { browserSecret: test.browserSecret, by: ADMIN });
    assert.equal(finished.passed, true, JSON.stringify(finished.report.error));
    await expectCode(
      flow.finishTest(form, { browserSecret: test.browserSecret, by: ADMIN }),
      'SETUP_TEST_INVALID',
    );
  });

  it('startTest without a draft, promote and restore with nothing to do: SETUP_STEP_REFUSED', async () => {
    const { flow } = await world();
    await expectCode(flow.startTest('acme'), 'SETUP_STEP_REFUSED');
    await expectCode(flow.promote('acme'), 'SETUP_STEP_REFUSED');
    await expectCode(flow.restore('acme'), 'SETUP_STEP_REFUSED');
    await expectCode(flow.status('nobody'), 'TENANT_NOT_FOUND');
  });
});

describe('readIdpInput: every problem says what to paste instead', () => {
  it('a form of any JSON shape is a problem list, never a throw', async () => {
    const posted: unknown[] = [
      undefined,
      null,
      0,
      true,
      'x',
      [],
      {},
      { kind: 1 },
      { kind: 'upload' },
      { kind: ['manual'] },
    ];
    for (const input of posted) {
      const read = await readIdpInput(input as Parameters<typeof readIdpInput>[0]);
      assert.equal(read.settings, undefined, JSON.stringify(input));
      assert.deepEqual(
        read.problems.map((problem) => [problem.path, problem.severity]),
        [['kind', 'error']],
        JSON.stringify(input),
      );
    }
  });

  it('a URL in the XML box is not "malformed XML"', async () => {
    const { problems } = await readIdpInput({
      kind: 'metadataXml',
      xml: 'https://login.microsoftonline.com/x/federationmetadata/2007-06/federationmetadata.xml',
    });
    assert.equal(problems.length, 1);
    assert.equal(first(problems).path, 'xml');
    assert.match(first(problems).message, /URL/);
    assert.match(first(problems).hint, /Metadata URL/);
    assert.equal(first(problems).code, undefined);
    assert.doesNotMatch(first(problems).hint, /ACS/);
  });

  it('XML in the URL box, a certificate in the XML box, a private key or XML in the certificate box', async () => {
    const xmlInUrl = await readIdpInput({ kind: 'metadataUrl', url: newIdp.metadata() });
    assert.match(first(xmlInUrl.problems).hint, /Metadata XML/);
    const certInXml = await readIdpInput({ kind: 'metadataXml', xml: newIdp.certificate });
    assert.match(first(certInXml.problems).message, /certificate/);
    const key = await readIdpInput({
      kind: 'manual',
      entityId: 'x',
      ssoUrl: 'https://idp/sso',
      certificates: KEYS.idp.key,
    });
    assert.match(key.problems.map((p) => p.message).join(' '), /private key/);
    const xmlInCert = await readIdpInput({
      kind: 'manual',
      entityId: 'x',
      ssoUrl: 'https://idp/sso',
      certificates: newIdp.metadata(),
    });
    assert.match(xmlInCert.problems.map((p) => p.hint).join(' '), /Metadata XML/);
  });

  it('reads certificates as PEM, bare base64, with CRLF, and several at once', async () => {
    const pem = oldIdp.certificate;
    const bare = pem.replace(/-----[^-]+-----|\s+/g, '');
    const crlf = pem.replace(/\n/g, '\r\n');
    for (const certificates of [pem, bare, crlf, `  ${bare.slice(0, 64)}\n${bare.slice(64)}  `]) {
      const read = await readIdpInput({
        kind: 'manual',
        entityId: 'https://idp/',
        ssoUrl: 'https://idp/sso',
        certificates,
      });
      assert.deepEqual(read.problems, []);
      const [only, ...more] = read.settings?.idp.certificates ?? [];
      assert.equal(more.length, 0);
      assert.equal(only?.replace(/\s+/g, ''), pem.replace(/\s+/g, ''));
    }
    const two = await readIdpInput({
      kind: 'manual',
      entityId: 'https://idp/',
      ssoUrl: 'https://idp/sso',
      certificates: `${oldIdp.certificate}\r\n${newIdp.certificate}`,
    });
    assert.equal(two.settings?.idp.certificates.length, 2);
    const bareTwo = [oldIdp.certificate, newIdp.certificate]
      .map((c) => c.replace(/-----[^-]+-----|\s+/g, ''))
      .join('\n\n');
    const read = await readIdpInput({
      kind: 'manual',
      entityId: 'https://idp/',
      ssoUrl: 'https://idp/sso',
      certificates: bareTwo,
    });
    assert.equal(read.settings?.idp.certificates.length, 2);
    const broken = await readIdpInput({
      kind: 'manual',
      entityId: 'https://idp/',
      ssoUrl: 'https://idp/sso',
      certificates: 'MIIB-not-a-cert',
    });
    assert.equal(first(broken.problems).path, 'certificates');
    assert.match(first(broken.problems).hint, /BEGIN CERTIFICATE/);
  });

  it('refuses whole, with one problem each, what no one types: control characters, unpaired surrogates, oversized fields, a flood of certificates', async () => {
    const manual = {
      kind: 'manual',
      entityId: 'https://idp/',
      ssoUrl: 'https://idp/sso',
      certificates: oldIdp.certificate,
    } as const;
    const cases = [
      [{ ...manual, entityId: 'https://idp/\u0000' }, 'entityId', /not text/],
      [{ ...manual, ssoUrl: 'https://idp/\uD800' }, 'ssoUrl', /not text/],
      [{ ...manual, entityId: `https://idp/${'a'.repeat(70_000)}` }, 'entityId', /longer than/],
      [{ ...manual, certificates: 'MIIB,'.repeat(200_000) }, 'certificates', /longer than/],
      [{ ...manual, certificates: 'MIIB,'.repeat(1_000) }, 'certificates', /More than 10 certificates/],
      [
        { kind: 'metadataUrl', url: `https://idp.example.com/${'a'.repeat(2_000_000)}` },
        'url',
        /longer than/,
      ],
    ] as const;
    for (const [input, path, message] of cases) {
      const read = await readIdpInput(input, { fetchMetadata: () => assert.fail('nothing is fetched') });
      assert.equal(read.settings, undefined);
      assert.equal(read.problems.length, 1, `${path}: ${read.problems.length} problems`);
      assert.equal(first(read.problems).path, path);
      assert.match(first(read.problems).message, message);
    }
  });

  it('a metadata URL goes through the app\u2019s fetcher; without one it says to paste the XML', async () => {
    const none = await readIdpInput({ kind: 'metadataUrl', url: 'https://idp.example.com/metadata' });
    assert.match(first(none.problems).hint, /Metadata XML/);
    const fetched = await readIdpInput(
      { kind: 'metadataUrl', url: 'https://idp.example.com/metadata' },
      { fetchMetadata: () => Promise.resolve(parseIdpMetadata(newIdp.metadata())) },
    );
    assert.equal(fetched.settings?.idp.entityId, newIdp.entityId);
    assert.equal(fetched.metadataUrl, 'https://idp.example.com/metadata');
    const refused = await readIdpInput(
      { kind: 'metadataUrl', url: 'https://10.0.0.1/metadata' },
      {
        fetchMetadata: () =>
          Promise.reject(
            new SamlError('METADATA_FETCH_FAILED', 'private address', {
              hint: 'Use a public URL.',
            }),
          ),
      },
    );
    assert.equal(first(refused.problems).path, 'url');
    assert.equal(first(refused.problems).hint, 'Use a public URL.');
  });

  it('gives every preset a sign-on URL for the app\u2019s sign-in page', () => {
    for (const preset of [
      'azure',
      'okta',
      'google',
      'onelogin',
      'ping',
      'adfs',
      'keycloak',
      'generic',
    ] as const) {
      const setup = setupInstructions(acme(), preset, { loginUrl: 'https://app.example.com/login/acme' });
      assert.ok(
        setup.toIdp.some((field) => field.value === 'https://app.example.com/login/acme'),
        `${preset} has no sign-on URL`,
      );
    }
  });
});

describe('createLockoutGuard', () => {
  it('refuses require-SSO without a verified domain, a break-glass address and an admin SSO login; then allows it', async () => {
    const { store, flow } = await world();
    const guard = createLockoutGuard({ tenants: store, setup: store });
    const on = { requireSso: true, breakGlassEmails: ['root@acme.com'] };
    const noDomain = await expectCode(guard.setRequireSso('acme', on), 'SETUP_LOCKOUT_GUARD');
    assert.match(noDomain.hint, /Verify an email domain/);
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: NOW,
      method: 'operator',
      by: 'test',
    });
    const noBreakGlass = await expectCode(
      guard.setRequireSso('acme', { requireSso: true, breakGlassEmails: [' '] }),
      'SETUP_LOCKOUT_GUARD',
    );
    assert.match(noBreakGlass.hint, /break-glass/);
    const noLogin = await expectCode(guard.setRequireSso('acme', on), 'SETUP_LOCKOUT_GUARD');
    assert.match(noLogin.hint, /Sign in once with SSO/);
    await flow.recordAdminLogin('acme', ADMIN);
    await guard.setRequireSso('acme', on);
    assert.equal((await store.get('acme'))?.requireSso, true);
    assert.deepEqual((await store.get('acme'))?.breakGlassEmails, ['root@acme.com']);
    await guard.setRequireSso('acme', { requireSso: false, breakGlassEmails: [] });
    assert.equal((await store.get('acme'))?.requireSso, false);
  });

  it('a flood of break-glass addresses is SETUP_LOCKOUT_GUARD, not a TypeError from the store', async () => {
    const { store } = await world();
    const guard = createLockoutGuard({ tenants: store, setup: store });
    const many = Array.from({ length: 6_000 }, (_, i) => `root${i}@acme.com`);
    for (const requireSso of [false, true]) {
      const refused = await expectCode(
        guard.setRequireSso('acme', { requireSso, breakGlassEmails: many }),
        'SETUP_LOCKOUT_GUARD',
      );
      assert.match(refused.hint, /at most 100/);
    }
  });

  it('a stored draft that no longer validates is TENANT_CONFIG_INVALID at test and promotion, not a TypeError', async () => {
    const { store, flow } = await world();
    const broken = {
      idp: { entityId: newIdp.entityId, certificates: ['not a certificate'], ssoUrl: newIdp.ssoUrl },
    };
    await store.saveDraft('acme', { revision: 'r1', savedAt: NOW.toISOString(), settings: broken });
    await expectCode(flow.startTest('acme'), 'TENANT_CONFIG_INVALID');
    await store.recordDraftTest('acme', 'r1', { passed: true, at: NOW.toISOString(), by: ADMIN });
    await expectCode(store.promoteDraft('acme', 'r1', NOW), 'TENANT_CONFIG_INVALID');
    assert.equal((await store.get('acme'))?.idp.entityId, oldIdp.entityId);
  });

  it('a promotion or restore landing between the guard’s checks and its write is neither undone nor put under require-SSO unproven', async () => {
    // Another admin changes the IdP settings just after the guard read the tenant: the switches go
    // onto what is stored then, and require-SSO holds only with an admin login through it.
    const draft = {
      revision: 'r1',
      savedAt: NOW.toISOString(),
      settings: {
        idp: { entityId: newIdp.entityId, certificates: [newIdp.certificate], ssoUrl: newIdp.ssoUrl },
      },
    };
    const passed = { passed: true, at: NOW.toISOString(), by: ADMIN };
    /** `store`, but its next getSetup runs `change` right after reading: between the guard's read and write. */
    const racing = (store: MemoryStore, change: () => Promise<boolean>) => {
      let changed = false;
      const proxy = new Proxy(store, {
        get(target, name) {
          if (name === 'getSetup')
            return async (tenantId: string) => {
              const record = await target.getSetup(tenantId);
              if (!changed) changed = await change();
              return record;
            };
          const value: unknown = Reflect.get(target, name, target);
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
      });
      return { proxy, ran: () => changed };
    };
    const verified = { verifiedAt: NOW, method: 'operator', by: 'test' } as const;

    // SAML off while a tested draft is promoted: off, and the promoted IdP stays.
    {
      const { store } = await world();
      await store.saveDraft('acme', draft);
      await store.recordDraftTest('acme', 'r1', passed);
      const { proxy, ran } = racing(store, () => store.promoteDraft('acme', 'r1', NOW));
      await createLockoutGuard({ tenants: proxy, setup: proxy }).setEnabled('acme', false);
      assert.ok(ran(), 'the promotion ran between the read and the write');
      assert.equal((await store.get('acme'))?.enabled, false);
      assert.equal(
        (await store.get('acme'))?.idp.entityId,
        newIdp.entityId,
        'setEnabled undid the promotion',
      );
    }
    // Require-SSO, checked against the new IdP (its test was the admin login), while another admin
    // restores the old one, through which nobody signed in: refused, and the restore stays.
    {
      const { store } = await world();
      await store.setDomainVerification('acme', 'acme.com', verified);
      await store.saveDraft('acme', draft);
      await store.recordDraftTest('acme', 'r1', passed);
      await store.promoteDraft('acme', 'r1', NOW);
      const { proxy, ran } = racing(store, () => store.restorePrevious('acme', NOW));
      const refused = await expectCode(
        createLockoutGuard({ tenants: proxy, setup: proxy }).setRequireSso('acme', {
          requireSso: true,
          breakGlassEmails: ['root@acme.com'],
        }),
        'SETUP_LOCKOUT_GUARD',
      );
      assert.ok(ran(), 'the restore ran between the read and the write');
      assert.match(refused.hint, /Reload the SSO settings page/);
      assert.equal((await store.get('acme'))?.requireSso, undefined);
      assert.equal(
        (await store.get('acme'))?.idp.entityId,
        oldIdp.entityId,
        'setRequireSso undid the restore',
      );
    }
  });

  it('reports who turning SAML off or replacing the IdP affects, honestly', async () => {
    const { store, flow } = await world(acme({ requireSso: true, breakGlassEmails: ['root@acme.com'] }));
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: NOW,
      method: 'operator',
      by: 'test',
    });
    await flow.saveDraft('acme', { kind: 'metadataXml', xml: newIdp.metadata(), preset: 'okta' });
    const unknown = await createLockoutGuard({ tenants: store, setup: store }).impact('acme', 'disable');
    assert.deepEqual(unknown.verifiedDomains, ['acme.com']);
    assert.equal(unknown.activeUsers, undefined);
    assert.match(unknown.summary.join(' '), /not known/);
    const counted = createLockoutGuard({
      tenants: store,
      setup: store,
      countActiveUsers: () => Promise.resolve(42),
    });
    const replace = await counted.impact('acme', 'replace-idp');
    assert.equal(replace.issuerChanges, true);
    assert.equal(replace.activeUsers, 42);
    assert.equal(replace.breakGlassCount, 1);
  });
});

describe('setup links', () => {
  it('work once, for their tenant, until they expire', async () => {
    const store = createMemoryStore({ now: clock });
    const { token } = createSetupLink('acme', { secret: SECRET, now: clock, ttlSeconds: 3600 });
    const used = await consumeSetupLink(token, {
      secret: SECRET,
      tenantId: 'acme',
      replayCache: store,
      now: clock,
    });
    assert.equal(used.tenantId, 'acme');
    await expectCode(
      consumeSetupLink(token, { secret: SECRET, tenantId: 'acme', replayCache: store, now: clock }),
      'SETUP_LINK_USED',
    );
    const later = (): Date => new Date(NOW.getTime() + 3600_000);
    const fresh = createSetupLink('acme', { secret: SECRET, now: clock, ttlSeconds: 3600 }).token;
    await expectCode(
      consumeSetupLink(fresh, { secret: SECRET, tenantId: 'acme', replayCache: store, now: later }),
      'SETUP_LINK_EXPIRED',
    );
  });

  it('a link is refused on another tenant, with another secret, and when anything in it was changed', async () => {
    const store = createMemoryStore({ now: clock });
    const { token } = createSetupLink('globex', { secret: SECRET, now: clock });
    const options = { secret: SECRET, tenantId: 'acme', replayCache: store, now: clock };
    await expectCode(consumeSetupLink(token, options), 'SETUP_LINK_INVALID');
    const [version, payload, mac] = token.split('.');
    const edited = Buffer.from(
      Buffer.from(payload ?? '', 'base64url')
        .toString('utf8')
        .replace('"globex"', '"acme"'),
    ).toString('base64url');
    await expectCode(consumeSetupLink(`${version}.${edited}.${mac}`, options), 'SETUP_LINK_INVALID');
    await expectCode(
      consumeSetupLink(token, { ...options, tenantId: 'globex', secret: Buffer.alloc(32, 8) }),
      'SETUP_LINK_INVALID',
    );
    for (const junk of [undefined, 42, '', 'v1..', 'x'.repeat(5000), {}])
      await expectCode(consumeSetupLink(junk, options), 'SETUP_LINK_INVALID');
    // The refusals did not use the link up.
    assert.equal((await consumeSetupLink(token, { ...options, tenantId: 'globex' })).tenantId, 'globex');
  });
});

describe('checkIdpCertificates', () => {
  it('reports days left, and stages an expiring certificate\u2019s replacement from the metadata URL as a draft', async () => {
    const { store, flow } = await world();
    const metadataUrl = 'https://old-idp.example.com/metadata';
    const fetchMetadata = (): Promise<ReturnType<typeof parseIdpMetadata>> =>
      Promise.resolve(parseIdpMetadata(oldIdp.metadata()));
    const live = createTenantSetup({ tenants: store, setup: store, state: store, now: clock, fetchMetadata });
    await live.saveDraft('acme', { kind: 'metadataUrl', url: metadataUrl });
    const test = await live.startTest('acme');
    await live.finishTest(answer(oldIdp, test), { browserSecret: test.browserSecret, by: ADMIN });
    await live.promote('acme');
    assert.equal((await flow.status('acme')).record.metadataUrl, metadataUrl);

    const fine = await checkIdpCertificates({ tenants: store, setup: store, fetchMetadata, now: clock });
    assert.equal(first(first(fine).certificates).status, 'ok');
    assert.equal(first(fine).refresh, undefined);

    // 2126-10-20: the certificate expires on 2126-11-06, and the IdP now publishes a second one.
    const late = (): Date => new Date('2126-10-20T00:00:00Z');
    const rolled = await createTestIdp({
      entityId: oldIdp.entityId,
      key: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
      now: clock,
    });
    const events: SamlEvent[] = [];
    const reports = await checkIdpCertificates({
      tenants: store,
      setup: store,
      now: late,
      onEvent: (event) => void events.push(event),
      fetchMetadata: () => Promise.resolve(parseIdpMetadata(rolled.metadata(), { now: late })),
    });
    assert.equal(first(first(reports).certificates).status, 'expiring');
    assert.equal(first(first(reports).certificates).daysLeft, 17);
    assert.equal(first(reports).refresh, 'draft-saved');
    assert.deepEqual(
      events.map(({ name, attributes }) => [name, attributes['saml.tenant.id'], attributes]),
      [
        [
          'saml.certificate.expiring',
          'acme',
          {
            'saml.tenant.id': 'acme',
            'saml.certificate.owner': 'idp',
            'saml.certificate.fingerprint': first(first(reports).certificates).fingerprint,
            'saml.certificate.expires_at': first(first(reports).certificates).notAfter.toISOString(),
            'saml.certificate.days_left': 17,
          },
        ],
      ],
    );
    const { record } = await flow.status('acme');
    assert.equal(
      record.draft?.settings.idp.certificates[0]?.replace(/\s+/g, ''),
      KEYS.rollover.cert.replace(/\s+/g, ''),
    );
    assert.equal(
      (await store.get('acme'))?.idp.certificates[0],
      oldIdp.certificate,
      'never straight into the live settings',
    );
  });

  it('a failing fetcher, a draft saved meanwhile, certificates samlkit refuses: each in its own tenant\u2019s report, nothing staged', async () => {
    const late = (): Date => new Date('2126-10-20T00:00:00Z');
    const other = (id: string): TenantConfig =>
      acme({
        id,
        sp: {
          entityId: `https://app.example.com/saml/${id}`,
          acsUrl: `https://app.example.com/saml/${id}/acs`,
        },
        emailDomains: [`${id}.com`],
      });
    const { store } = await world(acme(), other('beta'), other('gamma'));
    for (const id of ['acme', 'beta', 'gamma']) {
      const settings = {
        idp: { entityId: oldIdp.entityId, certificates: [oldIdp.certificate], ssoUrl: oldIdp.ssoUrl },
      };
      await store.saveDraft(id, {
        revision: 'r1',
        savedAt: NOW.toISOString(),
        settings,
        metadataUrl: `https://idp.example.com/${id}`,
      });
      await store.recordDraftTest(id, 'r1', { passed: true, at: NOW.toISOString(), by: ADMIN });
      assert.equal(await store.promoteDraft(id, 'r1', NOW), true);
    }

    const rolled = await createTestIdp({
      entityId: oldIdp.entityId,
      key: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
      now: clock,
    });
    const adminDraft = {
      revision: 'admin',
      savedAt: NOW.toISOString(),
      settings: {
        idp: { entityId: newIdp.entityId, certificates: [newIdp.certificate], ssoUrl: newIdp.ssoUrl },
      },
    };
    const fetchMetadata = async (url: string): Promise<ReturnType<typeof parseIdpMetadata>> => {
      if (url.endsWith('/acme')) throw new Error('connect ECONNREFUSED');
      if (url.endsWith('/beta')) {
        // The admin saves a draft of their own while the metadata downloads.
        await store.saveDraft('beta', adminDraft);
        return parseIdpMetadata(rolled.metadata(), { now: late });
      }
      // The IdP now publishes a 1024-bit key, which metadata parsing reads but samlkit does not trust.
      const body = (pem: string): string => pem.replace(/-----[^-]+-----|\s+/g, '');
      const weak = rolled.metadata().replace(body(KEYS.rollover.cert), body(KEYS.rsa1024.cert));
      return parseIdpMetadata(weak, { now: late });
    };
    const reports = await checkIdpCertificates({ tenants: store, setup: store, now: late, fetchMetadata });
    const byTenant = new Map(reports.map((report) => [report.tenantId, report]));
    assert.deepEqual(
      [...byTenant].map(([id, report]) => [id, report.refresh, report.problem?.code]),
      [
        ['acme', 'failed', 'METADATA_FETCH_FAILED'],
        ['beta', 'draft-exists', undefined],
        ['gamma', 'failed', 'TENANT_CONFIG_INVALID'],
      ],
    );
    assert.match(byTenant.get('acme')?.problem?.hint ?? '', /ECONNREFUSED/);
    assert.equal((await store.getSetup('beta'))?.draft?.revision, 'admin', 'the admin\u2019s draft stays');
    assert.equal((await store.getSetup('gamma'))?.draft, undefined, 'nothing invalid is staged');
  });
});
