/**
 * DNS rebinding on metadata fetch: whoever sets a tenant's metadata URL controls the DNS of its
 * host, answers a public address when fetchIdpMetadata checks it and 127.0.0.1 when it connects,
 * and so reaches a service on the SP's loopback. Before, the check and the connection resolved the
 * name separately. Now the name is resolved once and the connection goes to the checked address
 * (docs/security.md rule 29). The internal service here is a node:http server on 127.0.0.1; a real DNS
 * server (dnsmasq) answers a loopback name where it is installed.
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SamlError } from '../../src/index.js';
import { fetchIdpMetadata } from '../../src/metadata/fetch.js';
import { dnsmasqSkip, startDnsmasq, type DnsServer } from '../integration/servers/dnsmasq.js';

const OKTA = readFileSync(
  new URL('../../fixtures/real/metadata/okta-exkppsa1qwuFV4D7z0h7.xml', import.meta.url),
);
const PUBLIC_ADDRESS = '93.184.215.14';

let internal: Server;
let port = 0;
const seen: { host: string | undefined; url: string | undefined }[] = [];

before(async () => {
  internal = createServer((req, res) => {
    seen.push({ host: req.headers.host, url: req.url });
    res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(OKTA);
  });
  internal.listen(0, '127.0.0.1');
  await new Promise((resolve) => internal.once('listening', resolve));
  port = (internal.address() as AddressInfo).port;
});

after(() => {
  internal.close();
});

async function refused(promise: Promise<unknown>): Promise<SamlError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof SamlError, `expected a SamlError, got ${String(caught)}`);
  return caught;
}

describe('DNS rebinding on metadata fetch', () => {
  it('a name that answers public first and loopback next is resolved once: loopback is never reached', async () => {
    seen.length = 0;
    const answers: string[][] = [];
    const rebinding = (hostname: string): Promise<string[]> => {
      const answer = answers.length === 0 ? [PUBLIC_ADDRESS] : ['127.0.0.1'];
      answers.push([hostname, ...answer]);
      return Promise.resolve(answer);
    };
    const error = await refused(
      fetchIdpMetadata(`http://idp.rebind.test:${port}/metadata`, {
        allowHttp: true,
        lookup: rebinding,
        timeoutMs: 1500,
      }),
    );
    assert.equal(error.code, 'METADATA_FETCH_FAILED');
    assert.deepEqual(answers, [['idp.rebind.test', PUBLIC_ADDRESS]], 'resolved exactly once');
    assert.deepEqual(seen, [], 'the internal service got no request');
  });

  it('the connection goes to the address the lookup gave, with the host name kept (pinning, positive control)', async () => {
    seen.length = 0;
    const result = await fetchIdpMetadata(`http://idp.rebind.test:${port}/metadata`, {
      allowHttp: true,
      allowPrivateAddresses: true,
      lookup: () => Promise.resolve(['127.0.0.1']),
    });
    assert.equal(result.status, 'updated');
    assert.deepEqual(seen, [{ host: `idp.rebind.test:${port}`, url: '/metadata' }]);
  });

  it('every address of the answer is checked: one loopback address among public ones is refused', async () => {
    seen.length = 0;
    const error = await refused(
      fetchIdpMetadata(`http://idp.rebind.test:${port}/metadata`, {
        allowHttp: true,
        lookup: () => Promise.resolve([PUBLIC_ADDRESS, '127.0.0.1']),
      }),
    );
    assert.equal(error.code, 'METADATA_FETCH_FAILED');
    assert.match(error.message, /resolves to 127\.0\.0\.1/);
    assert.deepEqual(seen, []);
  });

  describe('through a real DNS server', { skip: dnsmasqSkip() }, () => {
    let dns: DnsServer | undefined;
    before(async () => {
      dns = await startDnsmasq({
        local: ['rebind.test'],
        a: [{ name: 'idp.rebind.test', address: '127.0.0.1' }],
      });
    });
    after(async () => {
      await dns?.destroy();
    });

    it('a name whose DNS answers 127.0.0.1 is refused, and nothing connects', async () => {
      assert.ok(dns !== undefined);
      const resolver = new Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers([dns.address]);
      seen.length = 0;
      const error = await refused(
        fetchIdpMetadata(`http://idp.rebind.test:${port}/metadata`, {
          allowHttp: true,
          lookup: (hostname) => resolver.resolve4(hostname),
        }),
      );
      assert.equal(error.code, 'METADATA_FETCH_FAILED');
      assert.match(error.message, /resolves to 127\.0\.0\.1/);
      assert.deepEqual(seen, []);
    });
  });
});
