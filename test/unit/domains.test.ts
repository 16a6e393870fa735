/**
 * The pure part of domain ownership (the record, how a lookup's answer is judged, the public
 * mailbox list) and the ownership API's argument and failure handling, without DNS (an injected
 * lookup); the real DNS server is in test/integration/domain-verification-dns.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  createDomainOwnership,
  createTxtLookup,
  domainVerificationRecord,
  isPublicEmailDomain,
  createMemoryStore,
  type MemoryStore,
  SamlError,
} from '../../src/index.js';
import { recordsProveClaim } from '../../src/tenant/domains.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const claim = { domain: 'acme.com', token: 'tok-123' };

async function store(): Promise<MemoryStore> {
  const memory = createMemoryStore();
  await memory.put({
    id: 'acme',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
    idp: { entityId: 'https://idp.acme.com/', certificates: [certificate] },
    emailDomains: ['acme.com'],
  });
  return memory;
}

describe('domain verification records', () => {
  it('names _samlkit-verification.<domain> and holds the token', () => {
    assert.deepEqual(domainVerificationRecord(claim), {
      name: '_samlkit-verification.acme.com',
      type: 'TXT',
      value: 'samlkit-domain-verification=tok-123',
    });
  });

  it('judges TXT answers exactly: split strings are joined, other values and prefixes do not count', () => {
    assert.equal(recordsProveClaim(claim, [['samlkit-domain-verification=tok-123']]), true);
    assert.equal(
      recordsProveClaim(claim, [['v=spf1 -all'], ['samlkit-domain-verification=', 'tok-123']]),
      true,
    );
    for (const records of [
      [],
      [['samlkit-domain-verification=tok-1234']],
      [['samlkit-domain-verification=tok-12']],
      [['SAMLKIT-DOMAIN-VERIFICATION=tok-123']],
      [['x samlkit-domain-verification=tok-123']],
    ]) {
      assert.equal(recordsProveClaim(claim, records), false, JSON.stringify(records));
    }
  });

  it('lists public mailbox domains exactly, case-insensitively; reserved example domains are not', () => {
    for (const domain of ['gmail.com', 'GMAIL.COM', 'googlemail.com', 'outlook.com', 'gmx.de', 'qq.com'])
      assert.equal(isPublicEmailDomain(domain), true, domain);
    for (const domain of [
      'acme.com',
      'mail.gmail.com',
      'contoso.onmicrosoft.com',
      'example.com',
      'example.org',
    ])
      assert.equal(isPublicEmailDomain(domain), false, domain);
    assert.equal(isPublicEmailDomain('acme-isp.net', ['acme-isp.net']), true);
    assert.equal(
      isPublicEmailDomain('acme-isp.net', (d) => d.endsWith('-isp.net')),
      true,
    );
  });
});

describe('createDomainOwnership', () => {
  it('refuses bad arguments with TypeErrors naming them', async () => {
    assert.throws(() => createDomainOwnership({ tenants: {} as never }), /options\.tenants/);
    assert.throws(() => createTxtLookup({ timeoutMs: 0 }), /timeoutMs/);
    assert.throws(() => createTxtLookup({ tries: 11 }), /tries/);
    const ownership = createDomainOwnership({
      tenants: await store(),
      resolveTxt: () => Promise.resolve([]),
    });
    await assert.rejects(ownership.verifyByOperator('acme', 'acme.com', { by: ' ' }), /options\.by/);
    await assert.rejects(ownership.verifyByDns('acme', 42 as never), /domain must be a string/);
  });

  it('a lookup that throws is DOMAIN_LOOKUP_FAILED with the cause; a domain not claimed is DOMAIN_NOT_CLAIMED', async () => {
    const cause = Object.assign(new Error('queryTxt ETIMEOUT'), { code: 'ETIMEOUT' });
    const ownership = createDomainOwnership({
      tenants: await store(),
      resolveTxt: () => Promise.reject(cause),
    });
    await assert.rejects(ownership.verifyByDns('acme', 'acme.com'), (error: unknown) => {
      assert.ok(error instanceof SamlError && error.code === 'DOMAIN_LOOKUP_FAILED');
      assert.equal(error.cause, cause);
      return true;
    });
    await assert.rejects(ownership.verifyByDns('acme', 'globex.com'), (error: unknown) => {
      assert.ok(error instanceof SamlError && error.code === 'DOMAIN_NOT_CLAIMED');
      assert.match(error.hint, /globex\.com/);
      return true;
    });
    await assert.rejects(ownership.demote('nobody', 'acme.com'), (error: unknown) => {
      assert.ok(error instanceof SamlError && error.code === 'DOMAIN_NOT_CLAIMED');
      return true;
    });
  });

  it('a failing store is STORE_UNAVAILABLE', async () => {
    const memory = await store();
    const ownership = createDomainOwnership({ tenants: memory });
    await memory.close();
    await assert.rejects(ownership.claims('acme'), (error: unknown) => {
      assert.ok(error instanceof SamlError && error.code === 'STORE_UNAVAILABLE');
      return true;
    });
  });

  it('records verifiedAt from the injected clock, and demote makes the claim pending again', async () => {
    const memory = await store();
    const at = new Date('2027-05-06T07:08:09.010Z');
    const ownership = createDomainOwnership({ tenants: memory, now: () => at });
    const verified = await ownership.verifyByOperator('acme', 'ACME.com', { by: 'ops@app' });
    assert.deepEqual(verified.verification, { verifiedAt: at, method: 'operator', by: 'ops@app' });
    assert.equal(verified.record.name, '_samlkit-verification.acme.com');
    const demoted = await ownership.demote('acme', 'acme.com');
    assert.equal(demoted.status, 'pending');
    assert.equal(await memory.findByEmailDomain('acme.com'), undefined);
  });
});
