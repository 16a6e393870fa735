/**
 * fetchIdpMetadata against a local node:http server on 127.0.0.1: the HTTPS and public-address policies, the
 * conditional refresh, the streamed size cap, the deadline, and redirects followed by hand.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type SamlErrorCode } from '../../src/index.js';
import {
  fetchIdpMetadata,
  isNonPublicAddress,
  type FetchIdpMetadataOptions,
} from '../../src/metadata/fetch.js';
import { expectCode } from '../helpers/expect.js';

const METADATA_FETCH_FAILED: SamlErrorCode = 'METADATA_FETCH_FAILED';

const OKTA = readFileSync(
  new URL('../../fixtures/real/metadata/okta-exkppsa1qwuFV4D7z0h7.xml', import.meta.url),
);
const OKTA_ENTITY = 'http://www.okta.com/exkppsa1qwuFV4D7z0h7';
/** The Okta signing certificate's notAfter. */
const OKTA_CERT_NOT_AFTER = new Date('2028-09-07T14:33:59Z');
const ETAG = '"v1"';
const LAST_MODIFIED = 'Tue, 03 Mar 2020 19:00:00 GMT';
const NOW = new Date('2024-01-01T00:00:00Z');
const BIG_TOTAL = 16 * 1024 * 1024;

const requests: string[] = [];
let bigBytesSent = -1;
let base = '';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes: Readonly<Record<string, Handler>> = {
  '/metadata': (req, res) => {
    if (req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/samlmetadata+xml',
      etag: ETAG,
      'last-modified': LAST_MODIFIED,
    });
    res.end(OKTA);
  },
  '/redirect': (_req, res) => res.writeHead(302, { location: '/metadata' }).end(),
  '/loop': (_req, res) => res.writeHead(301, { location: '/loop' }).end(),
  '/to-ftp': (_req, res) => res.writeHead(307, { location: 'ftp://example.com/metadata.xml' }).end(),
  '/error': (_req, res) => res.writeHead(500).end('boom'),
  '/always-304': (_req, res) => res.writeHead(304).end(),
  '/slow': () => {
    // Never answers: the client's deadline must end it.
  },
  '/declared-big': (_req, res) => {
    res.writeHead(200, { 'content-length': String(BIG_TOTAL) });
    res.write('<');
  },
  '/big': (_req, res) => {
    // Chunked, no Content-Length: the client must count as it reads and hang up early.
    res.writeHead(200, { 'content-type': 'application/xml' });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    res.on('close', () => (bigBytesSent = sent));
    const pump = (): void => {
      while (sent < BIG_TOTAL && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  },
};

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  requests.push(path);
  (routes[path] ?? ((_: IncomingMessage, r: ServerResponse) => r.writeHead(404).end()))(req, res);
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** Local testing needs both opt-outs; each policy test drops one of them. */
const LOCAL: FetchIdpMetadataOptions = { allowHttp: true, allowPrivateAddresses: true, now: () => NOW };

describe('fetchIdpMetadata: policy checks before any request', () => {
  it('plain http is refused without allowHttp', async () => {
    const before = requests.length;
    await expectCode(
      fetchIdpMetadata(`${base}/metadata`, { allowPrivateAddresses: true }),
      METADATA_FETCH_FAILED,
      /http:/,
    );
    assert.equal(requests.length, before, 'no request was sent');
  });
  it('loopback and private hosts are refused without allowPrivateAddresses, by IP or by name', async () => {
    const before = requests.length;
    const port = new URL(base).port;
    for (const url of [
      `${base}/metadata`,
      `http://localhost:${port}/metadata`,
      'https://[::1]/m',
      'https://10.0.0.1/m',
    ]) {
      const error = await expectCode(
        fetchIdpMetadata(url, { allowHttp: true }),
        METADATA_FETCH_FAILED,
        /resolves to/,
      );
      assert.match(error.hint, /allowPrivateAddresses/);
    }
    assert.equal(requests.length, before, 'no request was sent');
  });
  it('addresses that are not public unicast are recognised, IPv4 and IPv6', () => {
    const blocked = [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
    ];
    blocked.push(
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      'fe80::1%eth0',
    );
    blocked.push(
      'fd00::1',
      'ff02::1',
      '64:ff9b::7f00:1',
      '64:ff9b::a00:1',
      '2002:7f00:1::',
      'not-an-address',
    );
    for (const address of blocked) assert.equal(isNonPublicAddress(address), true, address);
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '::ffff:8.8.8.8',
      '2606:4700::1111',
      '64:ff9b::808:808',
    ]) {
      assert.equal(isNonPublicAddress(address), false, address);
    }
  });
  it('argument mistakes are TypeErrors', async () => {
    await assert.rejects(fetchIdpMetadata('not a url'), TypeError);
    await assert.rejects(fetchIdpMetadata('ftp://example.com/metadata.xml'), TypeError);
    await assert.rejects(fetchIdpMetadata('https://example.com/m', { timeoutMs: 0 }), TypeError);
    await assert.rejects(
      fetchIdpMetadata('https://example.com/m', { previous: { etag: 'a\r\nx: y' } }),
      TypeError,
    );
  });
});

describe('fetchIdpMetadata: against a local server (allowHttp and allowPrivateAddresses set)', () => {
  it('fetches and parses the metadata, returning its validators', async () => {
    const result = await fetchIdpMetadata(`${base}/metadata`, LOCAL);
    assert.equal(result.status, 'updated');
    assert.equal(result.metadata.entityId, OKTA_ENTITY);
    assert.equal(result.etag, ETAG);
    assert.equal(result.lastModified, LAST_MODIFIED);
    assert.deepEqual(result.expiringCertificates, []);
  });
  it('an ETag or Last-Modified round trip gives not-modified', async () => {
    const first = await fetchIdpMetadata(`${base}/metadata`, LOCAL);
    assert.equal(first.status, 'updated');
    const byEtag = await fetchIdpMetadata(`${base}/metadata`, {
      ...LOCAL,
      previous: { etag: first.etag ?? '' },
    });
    assert.deepEqual(byEtag, { status: 'not-modified' });
    const byDate = await fetchIdpMetadata(`${base}/metadata`, {
      ...LOCAL,
      previous: { lastModified: LAST_MODIFIED },
    });
    assert.deepEqual(byDate, { status: 'not-modified' });
    const changed = await fetchIdpMetadata(`${base}/metadata`, { ...LOCAL, previous: { etag: '"v0"' } });
    assert.equal(changed.status, 'updated');
  });
  it('lists signing certificates that expire within warnDays', async () => {
    const now = new Date(OKTA_CERT_NOT_AFTER.getTime() - 10 * 86_400_000);
    const soon = await fetchIdpMetadata(`${base}/metadata`, { ...LOCAL, now: () => now });
    assert.equal(soon.status, 'updated');
    assert.deepEqual(
      soon.expiringCertificates.map((cert) => cert.notAfter.toISOString()),
      [OKTA_CERT_NOT_AFTER.toISOString()],
    );
    const later = await fetchIdpMetadata(`${base}/metadata`, { ...LOCAL, now: () => now, warnDays: 9 });
    assert.equal(later.status, 'updated');
    assert.deepEqual(later.expiringCertificates, []);
  });
  it('an oversize body is abandoned as soon as it passes maxBytes (SIZE_LIMIT)', async () => {
    await expectCode(
      fetchIdpMetadata(`${base}/big`, { ...LOCAL, maxBytes: 4096 }),
      'SIZE_LIMIT',
      /4096 bytes/,
    );
    for (let i = 0; i < 100 && bigBytesSent < 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(
      bigBytesSent >= 0 && bigBytesSent < BIG_TOTAL,
      `the server sent ${bigBytesSent} of ${BIG_TOTAL} bytes`,
    );
    await expectCode(fetchIdpMetadata(`${base}/declared-big`, LOCAL), 'SIZE_LIMIT', /1048576 bytes/);
  });
  it('a server that does not answer hits the deadline', async () => {
    const started = Date.now();
    await expectCode(
      fetchIdpMetadata(`${base}/slow`, { ...LOCAL, timeoutMs: 200 }),
      METADATA_FETCH_FAILED,
      /timed out after 200 ms/,
    );
    assert.ok(Date.now() - started < 2000);
  });
  it('follows a redirect to another path, checking the new URL', async () => {
    const before = requests.length;
    const result = await fetchIdpMetadata(`${base}/redirect`, LOCAL);
    assert.equal(result.status, 'updated');
    assert.equal(result.metadata.entityId, OKTA_ENTITY);
    assert.deepEqual(requests.slice(before), ['/redirect', '/metadata']);
    await expectCode(fetchIdpMetadata(`${base}/to-ftp`, LOCAL), METADATA_FETCH_FAILED, /ftp:/);
  });
  it('refuses more than maxRedirects redirects', async () => {
    const before = requests.length;
    await expectCode(
      fetchIdpMetadata(`${base}/loop`, { ...LOCAL, maxRedirects: 2 }),
      METADATA_FETCH_FAILED,
      /More than 2 redirects/,
    );
    assert.equal(requests.length - before, 3);
  });
  it('HTTP errors and unexpected 304s are failures', async () => {
    await expectCode(fetchIdpMetadata(`${base}/error`, LOCAL), METADATA_FETCH_FAILED, /HTTP 500/);
    await expectCode(fetchIdpMetadata(`${base}/nothing-here`, LOCAL), METADATA_FETCH_FAILED, /HTTP 404/);
    await expectCode(fetchIdpMetadata(`${base}/always-304`, LOCAL), METADATA_FETCH_FAILED, /HTTP 304/);
  });
});
