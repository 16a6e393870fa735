/**
 * Domain verification end to end through a real DNS server: dnsmasq on loopback (started for this
 * file, foreground, answering only from its own records), the default `node:dns` TXT lookup pointed
 * at it, the MemoryStore and the service provider's routing. A missing or wrong record fails with
 * its own code and a hint that shows the record to add; re-verification confirms, keeps a claim
 * through a DNS outage, and demotes it once the record is gone. Skipped when dnsmasq is missing,
 * except under CI=true.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  createTxtLookup,
  createMemoryStore,
  type MemoryStore,
  type DomainOwnership,
  type TenantConfig,
} from '../../src/index.js';
import { dnsmasqSkip, startDnsmasq, type DnsServer } from './servers/dnsmasq.js';
import { expectCode } from '../helpers/expect.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const ZONES = ['acme.test', 'globex.test'];

function tenant(id: string, emailDomains: string[]): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: {
      entityId: `https://idp.${id}.test/`,
      certificates: [certificate],
      ssoUrl: `https://idp.${id}.test/sso`,
    },
    emailDomains,
    requireSso: true,
  };
}

describe('domain verification through a real DNS server (dnsmasq)', { skip: dnsmasqSkip() }, () => {
  let dns: DnsServer | undefined;
  let store: MemoryStore;
  let ownership: DomainOwnership;
  const server = (): DnsServer => {
    assert.ok(dns !== undefined, 'dnsmasq is not running');
    return dns;
  };
  const recordOf = async (tenantId: string, domain: string): Promise<{ name: string; value: string }> => {
    const claim = (await ownership.claims(tenantId)).find((c) => c.domain === domain);
    assert.ok(claim !== undefined);
    return claim.record;
  };

  before(async () => {
    dns = await startDnsmasq({ local: ZONES });
    store = createMemoryStore();
    await store.put(tenant('acme', ['acme.test']));
    await store.put(tenant('squatter', ['acme.test']));
    ownership = createDomainOwnership({
      tenants: store,
      resolveTxt: createTxtLookup({ servers: [server().address], timeoutMs: 500, tries: 1 }),
    });
  });

  after(async () => {
    await dns?.destroy();
  });

  it('a missing record fails with DOMAIN_VERIFICATION_FAILED and a hint that shows the exact record', async () => {
    const record = await recordOf('acme', 'acme.test');
    assert.equal(record.name, '_samlkit-verification.acme.test');
    assert.match(record.value, /^samlkit-domain-verification=[\w-]{22}$/);
    const error = await expectCode(ownership.verifyByDns('acme', 'acme.test'), 'DOMAIN_VERIFICATION_FAILED');
    assert.match(error.message, /No TXT record exists at _samlkit-verification\.acme\.test/);
    assert.ok(error.hint.includes(record.name), error.hint);
    assert.ok(error.hint.includes(record.value), error.hint);
    assert.equal(error.expected, record.value);
    assert.equal(await store.findByEmailDomain('acme.test'), undefined);
  });

  it('a record with another token (the squatter publishes its own) fails the same way', async () => {
    const squatter = await recordOf('squatter', 'acme.test');
    await server().serve({ local: ZONES, txt: [{ name: squatter.name, value: `${squatter.value}x` }] });
    const error = await expectCode(ownership.verifyByDns('acme', 'acme.test'), 'DOMAIN_VERIFICATION_FAILED');
    assert.match(error.message, /another token/);
    await expectCode(ownership.verifyByDns('squatter', 'acme.test'), 'DOMAIN_VERIFICATION_FAILED');
  });

  it("the owner's record verifies the domain: it routes, enforces requireSso, and the squatter can no longer verify", async () => {
    const acme = await recordOf('acme', 'acme.test');
    const squatter = await recordOf('squatter', 'acme.test');
    const sp = createServiceProvider({ tenants: store, state: store });
    assert.deepEqual(await sp.loginMethods('ada@acme.test'), { sso: null, password: true });
    await server().serve({
      local: ZONES,
      txt: [
        { name: acme.name, value: 'v=spf1 -all' },
        { name: acme.name, value: acme.value },
      ],
    });
    const claim = await ownership.verifyByDns('acme', 'ACME.test');
    assert.equal(claim.status, 'verified');
    assert.equal(claim.verification?.method, 'dns');
    assert.equal((await store.findByEmailDomain('acme.test'))?.id, 'acme');
    assert.deepEqual(await sp.loginMethods('ada@acme.test'), { sso: { tenantId: 'acme' }, password: false });
    // Even with its own record published too, the squatter cannot take a verified domain.
    await server().serve({
      local: ZONES,
      txt: [
        { name: acme.name, value: acme.value },
        { name: squatter.name, value: squatter.value },
      ],
    });
    const error = await expectCode(ownership.verifyByDns('squatter', 'acme.test'), 'DOMAIN_ALREADY_CLAIMED');
    assert.match(error.hint, /"acme"/);
  });

  it('re-verification confirms a present record, keeps the claim through a DNS outage, demotes it once the record is gone', async () => {
    const confirmed = await ownership.reverify();
    assert.deepEqual(
      confirmed.confirmed.map((c) => [c.tenantId, c.domain]),
      [['acme', 'acme.test']],
    );
    assert.deepEqual(confirmed.demoted, []);

    await server().stop();
    const outage = await ownership.reverify();
    assert.deepEqual(outage.demoted, []);
    assert.equal(outage.failed.length, 1);
    assert.equal(outage.failed[0]?.error.code, 'DOMAIN_LOOKUP_FAILED');
    assert.equal((await store.findByEmailDomain('acme.test'))?.id, 'acme', 'an outage demotes nothing');
    await expectCode(ownership.verifyByDns('squatter', 'acme.test'), 'DOMAIN_LOOKUP_FAILED');

    const squatter = await recordOf('squatter', 'acme.test');
    await server().serve({ local: ZONES, txt: [{ name: squatter.name, value: squatter.value }] });
    const lost = await ownership.reverify({ tenantIds: ['acme'] });
    assert.deepEqual(
      lost.demoted.map((c) => [c.tenantId, c.domain, c.status]),
      [['acme', 'acme.test', 'pending']],
    );
    assert.equal(await store.findByEmailDomain('acme.test'), undefined);
    // The domain changed hands: the new owner's record now verifies it.
    assert.equal((await ownership.verifyByDns('squatter', 'acme.test')).status, 'verified');
    assert.equal((await store.findByEmailDomain('acme.test'))?.id, 'squatter');
  });
});
