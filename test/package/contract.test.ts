// The public contract, exercised through the built package ("samlkit" resolves to dist/ via the
// exports map), exactly as the README and issue #2 write it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as samlkit from 'samlkit';
import { verifyResponse, SamlError, type TenantConfig, type SamlProfile, type ReplayCache } from 'samlkit';

const fixture = (ext: string) =>
  readFileSync(new URL(`../../fixtures/real/azure/waisaml2-2023-signed-assertion.${ext}`, import.meta.url));

const tenant: TenantConfig = {
  id: 'herpdev',
  sp: {
    entityId: 'https://loopback.ja-sore.de:3443/',
    acsUrl: 'https://loopback.ja-sore.de:3443/auth/page/saml2/login',
  },
  idp: {
    entityId: 'https://sts.windows.net/b0a63ade-3ec7-4d8b-991f-87eb4336274a/',
    certificates: [fixture('pem').toString('utf8')],
    ssoUrl: 'https://login.microsoftonline.com/b0a63ade-3ec7-4d8b-991f-87eb4336274a/saml2',
  },
  emailDomains: ['herpdev.onmicrosoft.com'],
  allowIdpInitiated: false,
  allowSha1: false,
  clockSkewSeconds: 120,
  signing: 'covered',
  email: { from: 'nameId' },
};

function memoryReplayCache(): ReplayCache {
  const seen = new Set<string>();
  return {
    remember(tenantId, assertionId) {
      const key = `${tenantId}\u0000${assertionId}`;
      const first = !seen.has(key);
      seen.add(key);
      return Promise.resolve(first);
    },
  };
}

describe('public contract (built package)', () => {
  it('exports exactly the curated names', () => {
    assert.deepEqual(Object.keys(samlkit).sort(), [
      'DEFAULT_MAX_LOGOUT_BYTES',
      'DEFAULT_MAX_METADATA_BYTES',
      'DEFAULT_MAX_PENDING_REQUESTS',
      'DEFAULT_MAX_REPLAY_ENTRIES',
      'DEFAULT_MAX_SESSIONS',
      'DOMAIN_VERIFICATION_LABEL',
      'DOMAIN_VERIFICATION_PREFIX',
      'GROUPS_OVERAGE_CLAIM',
      'IDP_PRESETS',
      'LOGOUT_REQUEST_LIFETIME_SECONDS',
      'MAX_AUTHN_AGE_SECONDS',
      'MAX_LOGOUT_BYTES',
      'MAX_LOGOUT_MESSAGE_AGE_SECONDS',
      'MAX_RELAY_STATE_BYTES',
      'MFA_CLASS_REFS',
      'MFA_METHODS',
      'POST_FORM_SCRIPT_HASH',
      'RESPONSE_CHECKS',
      'SamlError',
      'buildSpMetadata',
      'certificateStatus',
      'checkIdpCertificates',
      'consumeSetupLink',
      'createAuthnRequest',
      'createDomainOwnership',
      'createLockoutGuard',
      'createLogoutRequest',
      'createLogoutResponse',
      'createMemoryStore',
      'createServiceProvider',
      'createSetupLink',
      'createTenantSetup',
      'createTxtLookup',
      'decodeResponse',
      'defineTenant',
      'domainVerificationRecord',
      'explainResponse',
      'generateSpKeyPair',
      'groupRoleConvention',
      'isPublicEmailDomain',
      'mapRoles',
      'parseIdpMetadata',
      'readCertificates',
      'readIdpInput',
      'sameSiteStep',
      'sealTenantSecrets',
      'setupInstructions',
      'skipReplayCheck',
      'validateTenantConfig',
      'verifyLogoutRequest',
      'verifyLogoutResponse',
      'verifyResponse',
    ]);
  });

  it('keeps network I/O in samlkit/fetch and test tools in samlkit/testing', async () => {
    assert.deepEqual(Object.keys(await import('samlkit/fetch')), ['fetchIdpMetadata']);
    assert.deepEqual(Object.keys(await import('samlkit/testing')).sort(), [
      'MAX_AUTHN_REQUEST_BYTES',
      'createTestIdp',
      'directoryStoreConformance',
      'sessionStoreConformance',
      'setupStoreConformance',
      'stateStoreConformance',
      'tenantStoreConformance',
    ]);
  });

  it('keeps directory sync in samlkit/scim, curated', async () => {
    assert.deepEqual(Object.keys(await import('samlkit/scim')).sort(), [
      'DEFAULT_SCIM_PAGE_SIZE',
      'DIRECTORY_SCHEMA_VERSION',
      'MAX_FILTER_LENGTH',
      'MAX_FILTER_NESTING',
      'MAX_PATCH_OPERATIONS',
      'MAX_SCIM_BODY_BYTES',
      'MAX_SCIM_PAGE_SIZE',
      'MAX_TOKEN_GRACE_SECONDS',
      'SCIM_CONTENT_TYPE',
      'createDirectoryLoginGate',
      'createMemoryDirectoryStore',
      'createPostgresDirectoryStore',
      'createRedisDirectoryStore',
      'createScimHandler',
      'createScimToken',
      'directorySchemaSql',
      'migrateDirectory',
      'revokeScimTokens',
      'rolesFor',
    ]);
  });

  it('loads neither driver (pg, redis) when importing samlkit, samlkit/fetch, samlkit/testing or samlkit/scim', () => {
    const dist = new URL('../../dist/', import.meta.url);
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: URL): void => {
      if (seen.has(file.href)) return;
      seen.add(file.href);
      // Comments (TSDoc examples name `pg` and `redis`) are not imports.
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      for (const [, specifier = ''] of code.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (specifier.startsWith('.')) visit(new URL(specifier, file));
        else
          bare.add(
            specifier.split('/')[0] === '@xmldom' ? '@xmldom/xmldom' : (specifier.split('/')[0] ?? ''),
          );
      }
    };
    for (const entry of ['index.js', 'fetch.js', 'testing/index.js', 'scim.js']) visit(new URL(entry, dist));
    assert.ok(!bare.has('pg') && !bare.has('redis'), [...bare].join(' '));
    assert.ok(bare.has('xml-crypto'), 'the walk follows the imports');
  });

  it('keeps the Passport strategy in samlkit/passport, which imports no passport (an optional peer)', async () => {
    assert.deepEqual(Object.keys(await import('samlkit/passport')).sort(), [
      'DEFAULT_LOGIN_COOKIE',
      'SamlStrategy',
    ]);
    const code = readFileSync(new URL('../../dist/passport/strategy.js', import.meta.url), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const specifiers = [...code.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1]);
    assert.deepEqual(
      specifiers.filter((specifier) => !specifier?.startsWith('.')),
      [],
      'only samlkit modules and nothing from node_modules',
    );
  });

  it('runs a whole login through the built package: service, memory store, test IdP', async () => {
    const { createTestIdp } = await import('samlkit/testing');
    const idp = await createTestIdp({ preset: 'okta' });
    const store = samlkit.createMemoryStore();
    await store.put({
      id: 'acme',
      preset: 'okta',
      sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
      idp: samlkit.parseIdpMetadata(idp.metadata()).idp,
      emailDomains: ['acme.com'],
    });
    await samlkit
      .createDomainOwnership({ tenants: store })
      .verifyByOperator('acme', 'acme.com', { by: 'ops' });
    const sp = samlkit.createServiceProvider({ tenants: store, state: store });
    const login = await sp.startLogin({ email: 'ada@acme.com' }, { returnTo: '/home' });
    const query = new URL(login.url).searchParams;
    const form = idp.respond({
      SAMLRequest: query.get('SAMLRequest') ?? '',
      RelayState: query.get('RelayState') ?? '',
      user: { email: 'ada@acme.com', groups: ['admins'] },
    });
    const { profile, returnTo } = await sp.finishLogin(form, { browserSecret: login.browserSecret });
    assert.equal(profile.email, 'ada@acme.com');
    assert.deepEqual(profile.groups, ['admins']);
    assert.equal(returnTo, '/home');
  });

  it('verifies a real Entra ID response into a SamlProfile, then refuses its replay', async () => {
    const replayCache = memoryReplayCache();
    const form = { SAMLResponse: fixture('xml').toString('base64'), RelayState: 'opaque-handle' };
    const checks = {
      inResponseTo: 'id23dffd06a31f7ad10975c9c893bf8668',
      now: () => new Date('2023-05-09T16:00:00Z'),
      replayCache,
    };
    const profile: SamlProfile = await verifyResponse(tenant, form, checks);
    assert.equal(profile.tenantId, 'herpdev');
    assert.equal(profile.email, 'fumieval@herpdev.onmicrosoft.com');
    assert.equal(profile.nameIdFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.equal(profile.assertionId, '_7dd71b79-0320-4c6b-b524-72f6993d8100');
    assert.equal(profile.inResponseTo, 'id23dffd06a31f7ad10975c9c893bf8668');
    assert.deepEqual(profile.groups, []);
    assert.deepEqual(profile.attributes['http://schemas.microsoft.com/identity/claims/displayname'], [
      'fumieval',
    ]);
    await assert.rejects(verifyResponse(tenant, form, checks), (error: unknown) => {
      assert.ok(error instanceof SamlError);
      assert.equal(error.code, 'REPLAY');
      return true;
    });
  });

  it('reports a failure as a SamlError with code, hint, expected and received', async () => {
    const other = { ...tenant, sp: { ...tenant.sp, entityId: 'https://app.example.com/saml/acme' } };
    const form = { SAMLResponse: fixture('xml').toString('base64') };
    const checks = {
      inResponseTo: 'id23dffd06a31f7ad10975c9c893bf8668',
      now: () => new Date('2023-05-09T16:00:00Z'),
      replayCache: samlkit.createMemoryStore(),
    };
    await assert.rejects(verifyResponse(other, form, checks), (error: unknown) => {
      assert.ok(error instanceof SamlError);
      assert.equal(error.code, 'AUDIENCE_MISMATCH');
      assert.equal(error.expected, 'https://app.example.com/saml/acme');
      assert.equal(error.received, 'https://loopback.ja-sore.de:3443/');
      assert.match(error.hint, /Identifier \(Entity ID\)/);
      assert.equal(error.tenantId, 'herpdev');
      return true;
    });
  });
});
