/**
 * The other numbers of issue #9, each printed as one JSON line:
 *
 *   node --expose-gc extras.mjs memory <quick|full>   heap per pending request and per replay entry
 *                                                     in MemoryStore (100 000 of each; 10 000 quick)
 *   node extras.mjs authn <quick|full>                 createAuthnRequest with sp.signing, both bindings
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SAMLKIT } from './contenders.mjs';
import {
  ACS_URL,
  ENTRA_ISSUER,
  IDP_CERT,
  REQUEST_ID,
  SCENARIOS,
  SP_ENTITY_ID,
  buildResponses,
} from './responses.mjs';

const [what, mode = 'full'] = process.argv.slice(2);
const quick = mode === 'quick';
const samlkit = await import(SAMLKIT);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function memory() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const count = quick ? 2_000 : 100_000;
  const heap = () => {
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const expiresAt = new Date(Date.now() + 10 * 60_000);
  // Inputs are made first and dropped before the second measure: the heap delta is what the store
  // keeps (entries, their strings, map and heap slots), and the time is the store's alone.
  const fill = async (label, make, add) => {
    const store = samlkit.createMemoryStore({ maxPendingRequests: count, maxReplayEntries: count });
    const before = heap();
    let inputs = Array.from({ length: count }, (_, i) => make(i));
    const start = performance.now();
    for (let i = 0; i < count; i++) await add(store, inputs[i], i);
    const usPerOp = ((performance.now() - start) * 1000) / count;
    inputs = undefined;
    const bytes = (heap() - before) / count;
    await store.close();
    return { label, bytes, usPerOp };
  };

  // A pending login as startLogin saves it: the request ID as createAuthnRequest makes it, a
  // 128-bit RelayState handle, the browser binding, a return URL; every string distinct, so each entry pays for its own.
  const request = await fill(
    'pending request (saveRequest)',
    (i) => ({
      tenantId: 'acme',
      requestId: `_${randomBytes(20).toString('hex')}`,
      relayState: randomBytes(16).toString('base64url'),
      // SHA-256 of the login's browser secret, as startLogin stores it (login CSRF).
      browserBinding: randomBytes(32).toString('base64url'),
      returnTo: `/projects/${i}/settings`,
    }),
    (store, pending) => store.saveRequest(pending, expiresAt),
  );
  // A replay entry for an Entra-style assertion ID (`_` + UUID, 37 characters, a flat string).
  const replay = await fill(
    'replay entry (remember, 37-character ID)',
    () => Buffer.from(`_${randomUUID()}`, 'latin1').toString('latin1'),
    (store, assertionId) => store.remember('acme', assertionId, expiresAt),
  );
  // What verifyResponse really hands the replay cache: the assertion ID as read from the 5.5 KB
  // Entra-style response. The tenant ID carries the entry number (the one signed response has one
  // assertion ID), so every entry is new.
  const tenant = samlkit.defineTenant({
    id: 'acme',
    sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL },
    idp: { entityId: ENTRA_ISSUER, certificates: [IDP_CERT] },
    emailDomains: ['acme-corp.com'],
    attributeNames: { groups: SCENARIOS.entra.groupsAttribute },
  });
  const form = { SAMLResponse: Buffer.from(buildResponses().entra, 'utf8').toString('base64') };
  const viaVerify = await fill(
    'replay entry (remember, ID as verifyResponse reads it)',
    () => undefined,
    async (store, _, i) => {
      const replayCache = {
        remember: (tenantId, assertionId, until) => store.remember(`${tenantId}${i}`, assertionId, until),
      };
      await samlkit.verifyResponse(tenant, form, { inResponseTo: REQUEST_ID, replayCache });
    },
  );
  viaVerify.usPerOp = undefined; // that time is a whole verification, not the store's
  return { count, entries: [request, replay, viaVerify] };
}

async function authn() {
  const keyFile = (name) => readFileSync(new URL(`../test/helpers/keys/${name}`, import.meta.url), 'utf8');
  const tenant = (signed) =>
    samlkit.defineTenant({
      id: 'acme',
      sp: {
        entityId: SP_ENTITY_ID,
        acsUrl: ACS_URL,
        // An RSA-2048 test key (test/helpers/keys/rollover.key) stands in for the SP's key.
        ...(signed && {
          signing: { privateKey: keyFile('rollover.key'), certificate: keyFile('rollover.crt') },
        }),
      },
      idp: { entityId: ENTRA_ISSUER, certificates: [IDP_CERT], ssoUrl: 'https://idp.example.com/sso' },
    });
  const relayState = randomBytes(16).toString('base64url');
  const cases = {
    'redirect, signed': [tenant(true), { relayState }],
    'post, signed': [tenant(true), { binding: 'post', relayState }],
    'redirect, unsigned': [tenant(false), { relayState }],
    'post, unsigned': [tenant(false), { binding: 'post', relayState }],
  };
  const results = {};
  for (const [label, [t, options]] of Object.entries(cases)) {
    const run = () => samlkit.createAuthnRequest(t, options);
    const warm = quick ? 5 : 300;
    for (let i = 0; i < warm; i++) run();
    const start = performance.now();
    for (let i = 0; i < warm; i++) run();
    const iterations = quick ? 5 : Math.max(20, Math.round(1000 / ((performance.now() - start) / warm)));
    const rounds = [];
    for (let round = 0; round < 5; round++) {
      const roundStart = performance.now();
      for (let i = 0; i < iterations; i++) run();
      rounds.push(((performance.now() - roundStart) * 1000) / iterations);
    }
    results[label] = { usPerOp: median(rounds), opsPerSec: 1e6 / median(rounds) };
  }
  return results;
}

const result = what === 'memory' ? await memory() : what === 'authn' ? await authn() : undefined;
if (result === undefined) throw new Error('usage: node extras.mjs <memory|authn> [quick|full]');
process.stdout.write(`${JSON.stringify(result)}\n`);
