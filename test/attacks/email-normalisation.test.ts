/**
 * One normal form for email addresses (docs/security.md rule 26). Login routing and require-SSO judge what a
 * person typed the way apps compare addresses (NFKC, case, UTS #46 domains, a trailing dot), so no
 * spelling of a require-SSO address gets password login; what cannot be normalised safely is refused.
 * The verifier accepts only addresses already in normal form: an asserted identity is never rewritten.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  createMemoryStore,
  verifyResponse,
  type ServiceProvider,
} from '../../src/index.js';
import { buildResponse, NOW, REQUEST_ID, signed, tenant, toForm } from '../helpers/idp.js';
import { expectCode, memoryCache } from '../helpers/expect.js';

let sp: ServiceProvider;

before(async () => {
  const store = createMemoryStore();
  await store.put({
    id: 'acme',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
    idp: {
      entityId: 'https://idp.acme.com',
      certificates: [tenant().idp.certificates[0] ?? ''],
      ssoUrl: 'https://idp.acme.com/sso',
    },
    emailDomains: ['acme.com'],
    requireSso: true,
    breakGlassEmails: ['root@acme.com'],
  });
  // Only a verified domain routes and enforces require-SSO (docs/domains.md).
  await createDomainOwnership({ tenants: store }).verifyByOperator('acme', 'acme.com', { by: 'test' });
  sp = createServiceProvider({ tenants: store, state: store });
});

/** Spellings an app that normalises (NFKC, lower case, trimmed dot) reads as an acme.com address. */
const SAME_ADDRESS = [
  'alice@acme.com',
  'ALICE@ACME.COM',
  ' alice@acme.com ',
  'alice@acme.com.',
  'alice＠acme.com', // fullwidth commercial at
  'ａｌｉｃｅ@ａｃｍｅ.ｃｏｍ', // fullwidth letters
  'alice@ACME。com', // ideographic full stop
  'alice@acme．com', // fullwidth full stop
  'alice@ac\u00adme.com', // soft hyphen, ignored by UTS #46
  'alice@acme.c\u2126m'.replace('\u2126', 'o'),
  'alice@\u212Acme.com'.replace('\u212A', 'a'),
  'alice@acme.com\u200B', // UTS #46 drops a zero-width space in a domain, as browsers do
  'alice@ac\u200Bme.com',
];

/** What no safe normal form exists for: refused, never password login. */
const REFUSED = [
  'ali\u200Bce@acme.com', // zero-width space
  'alice\u200D@acme.com', // zero-width joiner
  'alice@@acme.com',
  'alice@',
  '@acme.com',
  'alice',
  'alice@acme..com',
  `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, // 255 octets
  `${'é'.repeat(123)}@acme.com`, // 132 characters, 255 octets
  'alice@acme.com\u0000',
  'alice@\uD800acme.com',
  'ａｌｉｃｅ\u200B＠ａｃｍｅ．ｃｏｍ',
];

describe('email normalisation at login (loginMethods, startLogin)', () => {
  for (const typed of SAME_ADDRESS) {
    it(`${JSON.stringify(typed)} is acme.com: SSO, no password`, async () => {
      assert.deepEqual(await sp.loginMethods(typed), { sso: { tenantId: 'acme' }, password: false });
    });
  }
  for (const typed of REFUSED) {
    it(`${JSON.stringify(typed).slice(0, 50)} is refused (EMAIL_INVALID)`, async () => {
      await expectCode(sp.loginMethods(typed), 'EMAIL_INVALID');
      await expectCode(sp.startLogin({ email: typed }), 'EMAIL_INVALID');
    });
  }
  it('break-glass addresses match in the normal form too', async () => {
    assert.deepEqual(await sp.loginMethods('ROOT＠acme.com.'), { sso: { tenantId: 'acme' }, password: true });
  });
  it('an address of exactly 254 octets is judged', async () => {
    const address = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    assert.equal(Buffer.byteLength(address), 254);
    assert.deepEqual(await sp.loginMethods(address), { sso: null, password: true });
  });
});

describe('email normal form in the verifier', () => {
  const verifyNameId = (nameId: string) =>
    verifyResponse(tenant({ emailDomains: [] }), toForm(signed(buildResponse({ nameId }))), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: memoryCache(),
    });

  it('keeps the local part, lower-cases the ASCII domain', async () => {
    assert.equal((await verifyNameId('Alice.Liddell@Example.COM')).email, 'Alice.Liddell@example.com');
  });
  for (const nameId of [
    'ａｌｉｃｅ@example.com',
    'ﬁnance@example.com',
    'alice@example.com.',
    'alice@exam\u212Aple.com',
  ]) {
    it(`refuses an asserted address that is not in normal form: ${JSON.stringify(nameId)}`, async () => {
      await expectCode(verifyNameId(nameId), 'NAMEID_NOT_EMAIL');
    });
  }
  it('refuses an asserted address over 254 octets', async () => {
    await expectCode(
      verifyNameId(`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`),
      'NAMEID_NOT_EMAIL',
    );
  });
});
