/**
 * The login path at verifier speed (issue #14): what an app pays per login through the service.
 *
 * 1. In one process, on the same test-IdP responses: `finishLogin` over a MemoryStore against
 *    `verifyResponse` with a defined tenant, remembering in that same MemoryStore. Every login is
 *    started and answered before the clock runs, so signing is not measured. Both warm up first; then
 *    7 rounds of 400 logins each, in blocks of 100 that take turns at going first. Each figure is the
 *    median round, in time and in CPU time of the process (the machine is shared: CPU time does not
 *    count other processes' turns). Target: finishLogin within 1.15× of verifyResponse, in both.
 * 2. `finishLogin` over the Redis and the PostgreSQL store (real servers, started here on loopback
 *    from Debian's packages), from two processes sharing one store: logins per second over both,
 *    each process keeping 8 logins in flight; the peak RSS of every process.
 *
 *   node bench/service.mjs [--quick] [--memory]   (npm run bench runs it after the verifier's benchmark;
 *   --memory: only part 1)
 *
 * SAMLKIT_DIST=<dir> measures another build. Without redis-server or PostgreSQL the store part says
 * so and is skipped.
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const dist = pathToFileURL(
  `${process.env.SAMLKIT_DIST ?? fileURLToPath(new URL('../dist', import.meta.url))}/`,
);
const samlkit = await import(new URL('index.js', dist).href);
const testing = await import(new URL('testing/index.js', dist).href);

const NOW = new Date('2027-03-01T09:00:00Z');
const now = () => NOW;
const ACME = {
  id: 'acme',
  preset: 'okta',
  sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
  emailDomains: ['acme.com'],
  roles: { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' },
};
const USER = { email: 'ada@acme.com', firstName: 'Ada', lastName: 'Lovelace', groups: ['admins', 'staff'] };

/** Starts `count` logins with `sp` and has the IdP answer each: what a browser would post back. */
async function answered(sp, idp, count) {
  const logins = [];
  for (let i = 0; i < count; i++) {
    const login = await sp.startLogin({ tenantId: 'acme' });
    const query = new URL(login.url).searchParams;
    const form = idp.respond({
      SAMLRequest: query.get('SAMLRequest') ?? '',
      RelayState: query.get('RelayState') ?? '',
      user: USER,
    });
    logins.push({ form, requestId: login.id, browserSecret: login.browserSecret });
  }
  return logins;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rss = () => Math.round(process.resourceUsage().maxRSS / 1024);

// ---- 1. finishLogin against verifyResponse, in memory -------------------------------------------

async function inMemory(key) {
  const idp = await testing.createTestIdp({ preset: 'okta', key, now });
  const config = { ...ACME, idp: samlkit.parseIdpMetadata(idp.metadata()).idp };
  const store = samlkit.createMemoryStore({ now });
  await store.put(config);
  const sp = samlkit.createServiceProvider({ tenants: store, state: store, now });
  const tenant = samlkit.defineTenant(config);
  const block = quick ? 10 : 100;
  const blocks = quick ? 2 : 4;
  const rounds = quick ? 2 : 7;
  const batch = block * blocks;
  const paths = {
    // verifyResponse remembers in the same MemoryStore the service uses.
    verify: ({ form, requestId }) =>
      samlkit.verifyResponse(tenant, form, { inResponseTo: requestId, now, replayCache: store }),
    finish: ({ form, browserSecret }) => sp.finishLogin(form, { browserSecret }),
  };
  // Both warm up on as many logins as one round has, so that neither pays for compiling the code.
  const warm = await answered(sp, idp, batch);
  for (const login of warm) await paths.finish(login);
  for (const login of await answered(sp, idp, batch)) await paths.verify(login);
  const wall = { verify: [], finish: [] };
  const cpu = { verify: [], finish: [] };
  for (let round = 0; round < rounds; round++) {
    // Fresh requests for both, answered before the clock runs.
    const logins = { verify: await answered(sp, idp, batch), finish: await answered(sp, idp, batch) };
    const spent = { verify: [0n, 0], finish: [0n, 0] };
    // Blocks of 100 that take turns at going first: a change of load on the (shared) machine, or the
    // garbage of one path collected in the other, falls on both alike.
    for (let b = 0; b < blocks; b++) {
      const order = (round * blocks + b) % 2 === 0 ? ['verify', 'finish'] : ['finish', 'verify'];
      for (const path of order) {
        const cpuStart = process.cpuUsage();
        const start = process.hrtime.bigint();
        for (const login of logins[path].slice(b * block, (b + 1) * block)) await paths[path](login);
        spent[path][0] += process.hrtime.bigint() - start;
        const used = process.cpuUsage(cpuStart);
        spent[path][1] += used.user + used.system;
      }
    }
    for (const path of ['verify', 'finish']) {
      wall[path].push(Number(spent[path][0]) / 1000 / batch);
      cpu[path].push(spent[path][1] / batch);
    }
  }
  const bytes = Buffer.from(warm[0].form.SAMLResponse, 'base64').length;
  return {
    bytes,
    verifyUs: median(wall.verify),
    finishUs: median(wall.finish),
    verifyCpuUs: median(cpu.verify),
    finishCpuUs: median(cpu.finish),
    wall,
    cpu,
    batch,
    rounds,
  };
}

// ---- 2. two processes sharing a Redis or a PostgreSQL store -------------------------------------

async function serversModule() {
  register();
  const redis = await import(new URL('../test/integration/servers/redis.ts', import.meta.url).href);
  const postgres = await import(new URL('../test/integration/servers/postgres.ts', import.meta.url).href);
  return { redis, postgres };
}

async function connect(target) {
  if (target.kind === 'redis') {
    const { createClient } = await import('redis');
    const { createRedisStore } = await import(new URL('redis.js', dist).href);
    const client = createClient({ url: target.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
    return { store: createRedisStore({ client, keyPrefix: target.keyPrefix }), close: () => client.quit() };
  }
  const { default: pg } = await import('pg');
  const { createPostgresStore, migrate } = await import(new URL('postgres.js', dist).href);
  const pool = new pg.Pool({ connectionString: target.connectionString, max: 10 });
  pool.on('error', () => undefined);
  if (target.migrate) await migrate(pool, { schema: target.schema });
  return { store: createPostgresStore({ pool, schema: target.schema }), close: () => pool.end() };
}

/** One app process: starts and answers its logins, waits for 'go', finishes them 8 at a time. */
async function worker() {
  const target = JSON.parse(process.env.SAMLKIT_BENCH_STORE);
  const key = JSON.parse(process.env.SAMLKIT_BENCH_KEY);
  const count = Number(process.env.SAMLKIT_BENCH_LOGINS);
  const { store, close } = await connect(target);
  const idp = await testing.createTestIdp({ preset: 'okta', key, now: () => new Date() });
  const sp = samlkit.createServiceProvider({ tenants: store, state: store });
  const logins = await answered(sp, idp, count);
  process.send({ ready: true });
  await new Promise((resolve) => process.once('message', resolve));
  const start = process.hrtime.bigint();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < logins.length) {
        const { form, browserSecret } = logins[next++];
        await sp.finishLogin(form, { browserSecret }).catch(() => failed++);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await close();
  process.send({ seconds, logins: logins.length, failed, rssMb: rss() });
}

async function twoProcesses(target, key, count) {
  const children = [0, 1].map(() =>
    fork(fileURLToPath(import.meta.url), ['--worker'], {
      env: {
        ...process.env,
        SAMLKIT_BENCH_STORE: JSON.stringify(target),
        SAMLKIT_BENCH_KEY: JSON.stringify(key),
        SAMLKIT_BENCH_LOGINS: String(count),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const next = (child) =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
  await Promise.all(children.map(next));
  const start = process.hrtime.bigint();
  const finished = children.map(next);
  for (const child of children) child.send('go');
  const results = await Promise.all(finished);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const logins = results.reduce((sum, r) => sum + r.logins, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  return { perSecond: logins / seconds, logins, failed, rssMb: results.map((r) => r.rssMb) };
}

async function shared(key) {
  const out = {};
  let servers;
  try {
    servers = await serversModule();
  } catch (error) {
    return { skipped: `could not load the test servers: ${error.message}` };
  }
  const count = quick ? 25 : 1500;
  const idp = await testing.createTestIdp({ preset: 'okta', key, now: () => new Date() });
  const config = { ...ACME, idp: samlkit.parseIdpMetadata(idp.metadata()).idp };

  if (servers.redis.redisAvailable()) {
    const server = await servers.redis.startRedis();
    try {
      const target = { kind: 'redis', url: server.url, keyPrefix: 'bench:' };
      const { store, close } = await connect(target);
      await store.put(config);
      await close();
      out.redis = { version: server.version, ...(await twoProcesses(target, key, count)) };
    } finally {
      await server.destroy();
    }
  } else out.redis = { skipped: 'redis-server not installed' };

  if (servers.postgres.postgresAvailable()) {
    const server = await servers.postgres.startPostgres();
    try {
      const target = { kind: 'postgres', connectionString: server.connectionString, schema: 'bench' };
      const { store, close } = await connect({ ...target, migrate: true });
      await store.put(config);
      await close();
      out.postgres = { version: server.version, ...(await twoProcesses(target, key, count)) };
    } finally {
      await server.destroy();
    }
  } else out.postgres = { skipped: 'PostgreSQL not installed' };
  return out;
}

// ---- main ---------------------------------------------------------------------------------------

if (args.includes('--worker')) {
  await worker();
} else {
  const log = (line) => process.stderr.write(`${line}\n`);
  const pair = await samlkit.generateSpKeyPair({ commonName: 'idp.bench.invalid' });
  const key = { privateKey: pair.privateKey, certificate: pair.certificate };
  log('  finishLogin against verifyResponse (MemoryStore)…');
  const memory = await inMemory(key);
  if (!args.includes('--memory')) log('  finishLogin over Redis and PostgreSQL, two processes…');
  const stores = args.includes('--memory') ? {} : await shared(key);
  const ratio = memory.finishUs / memory.verifyUs;
  const cpuRatio = memory.finishCpuUs / memory.verifyCpuUs;
  const met = ratio <= 1.15 && cpuRatio <= 1.15;
  const list = (values) => values.map((v) => v.toFixed(0)).join(', ');
  const lines = [
    `## The login path (${quick ? 'quick mode: a few calls each, the numbers mean nothing' : 'full run'})`,
    '',
    `Machine: ${cpus()[0]?.model ?? '?'} (${cpus().length} cores) · Node ${process.versions.node} · load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    '',
    `Okta-shaped response from the test IdP (${memory.bytes.toLocaleString('en-US')} bytes, Response and assertion signed), ${memory.rounds} rounds of ${memory.batch} logins per path:`,
    '',
    '| path | µs per login (median round) | rounds (µs) | CPU µs per login (median round) | rounds, CPU (µs) |',
    '| --- | ---: | --- | ---: | --- |',
    `| verifyResponse, defined tenant, MemoryStore replay cache | ${memory.verifyUs.toFixed(0)} | ${list(memory.wall.verify)} | ${memory.verifyCpuUs.toFixed(0)} | ${list(memory.cpu.verify)} |`,
    `| finishLogin over MemoryStore | ${memory.finishUs.toFixed(0)} | ${list(memory.wall.finish)} | ${memory.finishCpuUs.toFixed(0)} | ${list(memory.cpu.finish)} |`,
    '',
    `finishLogin ÷ verifyResponse = **${ratio.toFixed(2)}×** in time, **${cpuRatio.toFixed(2)}×** in CPU time (target ≤ 1.15×)${quick ? '' : met ? ': met' : ': **NOT MET**'}`,
    '',
    '| shared store | server | logins/s, two processes | logins | failed | peak RSS per process (MB) |',
    '| --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const [name, result] of Object.entries(stores)) {
    if (result.skipped !== undefined) lines.push(`| ${name} | skipped: ${result.skipped} | | | | |`);
    else {
      lines.push(
        `| ${name} | ${result.version} | ${Math.round(result.perSecond).toLocaleString('en-US')} | ${result.logins} | ${result.failed} | ${result.rssMb.join(', ')} |`,
      );
    }
  }
  lines.push('', `Peak RSS of the in-memory run: ${rss()} MB.`, '');
  process.stdout.write(`${lines.join('\n')}\n`);
  const failed = Object.values(stores).some((result) => (result.failed ?? 0) > 0);
  if (failed) {
    log('some logins failed: see the table');
    process.exitCode = 1;
  } else if (args.includes('--check') && !quick && !met) {
    log('finishLogin is more than 1.15× verifyResponse');
    process.exitCode = 2;
  }
}
