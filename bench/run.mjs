/**
 * samlkit's benchmark (issue #9): verifyResponse against @node-saml/node-saml, samlify, saml2-js,
 * @boxyhq/saml20 and the bare floor, on three responses signed here with a throwaway key; then
 * MemoryStore memory per entry, the time to build a signed AuthnRequest, and the time to refuse
 * hostile responses and metadata (issue #12; hostile.mjs).
 *
 *   npm run bench                 full run (about 4 minutes): warm-up, then 5 rounds of ~1 s each
 *   npm run bench -- --quick      a few calls of each: proves that every part works (CI)
 *
 * Options: --quick, --check (exit 2 when a target is missed), --json=<file> (write the results),
 * --only=<contender,...>, --scenarios=<entra,okta,groups200>. SAMLKIT_DIST=<dir> measures another
 * build of samlkit (before/after comparisons).
 *
 * Every contender runs in a child process of its own (child.mjs), one child per contender and
 * response. Each is first made to prove that it accepts the response (the NameID and every group
 * value come back) and refuses a tampered copy; one that cannot is reported with the reason and
 * not timed. The timed rounds then take turns, one child at a time, so that a burst of load on the
 * machine hits every contender alike; each result is the median of its 5 rounds.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDERS, SAMLKIT, versionOf } from './contenders.mjs';
import { SCENARIOS, buildProbes, buildResponses } from './responses.mjs';

const args = process.argv.slice(2);
const option = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes('--quick');
const mode = quick ? 'quick' : 'full';
const contenders = option('only')?.split(',') ?? Object.keys(CONTENDERS);
const scenarios = option('scenarios')?.split(',') ?? Object.keys(SCENARIOS);
for (const name of contenders) if (!(name in CONTENDERS)) throw new Error(`unknown contender ${name}`);
for (const name of scenarios) if (!(name in SCENARIOS)) throw new Error(`unknown scenario ${name}`);
const PEERS = Object.keys(CONTENDERS).filter((name) => name !== 'samlkit' && name !== 'floor');
const TARGETS = {
  entra: { peer: 10, floor: 0.7 },
  okta: { peer: 5 },
  groups200: { peer: 5 },
};
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const log = (line) => process.stderr.write(`${line}\n`);

function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpu,
    cores: cpus().length,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    date: new Date().toISOString(),
    loadAtStart: loadavg().map((load) => load.toFixed(2)),
  };
}

/** A contender's child process, answering one command at a time. */
function startChild(name, scenario, file, execArgv = []) {
  const child = fork(here('./child.mjs'), [name, scenario, file, mode], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let waiting;
  child.on('message', (message) => waiting?.resolve(message));
  child.on('exit', (code) =>
    waiting?.reject(new Error(`exited with ${code}: ${output.trim().split('\n').slice(-3).join(' | ')}`)),
  );
  const next = () => new Promise((resolve, reject) => (waiting = { resolve, reject }));
  const started = next();
  return {
    started,
    async ask(command) {
      await this.started;
      const reply = next();
      child.send(command);
      return reply;
    },
    stop: () => child.connected && child.disconnect(),
  };
}

async function measureScenario(scenario, file) {
  const results = {};
  const children = {};
  for (const name of contenders) {
    children[name] = startChild(name, scenario, file);
    try {
      results[name] = await children[name].ask('prepare');
    } catch (error) {
      results[name] = { ok: false, reason: `crashed: ${error.message}` };
    }
    const r = results[name];
    log(
      `  ${scenario} ${name}: ${
        r.ok
          ? `accepts it, refuses ${Object.keys(r.refuses)
              .filter((k) => r.refuses[k])
              .join(', ')}`
          : r.reason
      }`,
    );
  }
  const timed = contenders.filter((name) => results[name].ok);
  for (const name of timed) Object.assign(results[name], await children[name].ask('warmup'));
  for (const name of timed) results[name].roundsUs = [];
  for (let round = 0; round < 5; round++) {
    // Take turns, starting one further along each round.
    for (let i = 0; i < timed.length; i++) {
      const name = timed[(i + round) % timed.length];
      const reply = await children[name].ask('round');
      if (reply.usPerOp === undefined) throw new Error(`${name} failed during the rounds: ${reply.reason}`);
      results[name].roundsUs.push(reply.usPerOp);
    }
  }
  for (const child of Object.values(children)) child.stop();
  for (const name of timed) {
    const sorted = [...results[name].roundsUs].sort((a, b) => a - b);
    results[name].usPerOp = sorted[2];
    results[name].opsPerSec = 1e6 / sorted[2];
  }
  return results;
}

function runExtra(what) {
  return new Promise((resolve) => {
    const script = what === 'hostile' ? './hostile.mjs' : './extras.mjs';
    const child = fork(here(script), what === 'hostile' ? [mode] : [what, mode], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: what === 'memory' ? ['--expose-gc'] : [],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout));
      else resolve({ error: `exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

// ---- report --------------------------------------------------------------------------------------

const integer = (n) => Math.round(n).toLocaleString('en-US');
const micro = (n) => (n >= 100 ? integer(n) : n.toFixed(1));
const ratio = (n) => (n >= 10 ? n.toFixed(1) : n.toFixed(2));
const mark = (value) => (value === undefined ? '–' : value ? 'yes' : 'NO');

function verdicts(scenario, results) {
  const samlkit = results.samlkit;
  if (!samlkit?.ok) return { lines: [], met: false };
  const peers = PEERS.filter((name) => results[name]?.ok);
  const fastest = peers.sort((a, b) => results[b].opsPerSec - results[a].opsPerSec)[0];
  const target = TARGETS[scenario];
  const out = { met: true, lines: [] };
  if (fastest !== undefined) {
    const value = samlkit.opsPerSec / results[fastest].opsPerSec;
    out.peer = { fastest, value, target: target.peer, met: value >= target.peer };
    out.met &&= out.peer.met;
    out.lines.push(
      `samlkit ÷ fastest peer (${fastest}) = **${ratio(value)}×** (target ≥ ${target.peer}×): ${out.peer.met ? 'met' : '**NOT MET**'}`,
    );
  }
  if (results.floor?.ok) {
    const value = samlkit.opsPerSec / results.floor.opsPerSec;
    out.floor = { value, target: target.floor, met: target.floor === undefined || value >= target.floor };
    out.met &&= out.floor.met;
    out.lines.push(
      `samlkit ÷ floor = **${Math.round(value * 100)} %**` +
        (target.floor === undefined
          ? ' (no target for this response)'
          : ` (target ≥ ${Math.round(target.floor * 100)} %): ${out.floor.met ? 'met' : '**NOT MET**'}`),
    );
  }
  return out;
}

function report(info, measured, extras) {
  const lines = [];
  lines.push(
    `## samlkit benchmark (${mode} mode${quick ? ': a few calls each, the numbers mean nothing' : ''})`,
    '',
  );
  lines.push(
    `Machine: ${info.cpu} (${info.cores} cores) · Node ${info.node} · ${info.os} · ${info.date} · load average ${info.loadAtStart.join(' ')} at start, ${info.loadAtEnd.join(' ')} at end`,
    '',
  );
  const summary = [];
  for (const [scenario, results] of Object.entries(measured)) {
    const bytes = Buffer.byteLength(buildResponsesCache[scenario], 'utf8');
    lines.push(`### ${SCENARIOS[scenario].label} (${integer(bytes)} bytes)`, '');
    lines.push(
      '| contender | version | ops/s | µs/op | rounds, µs/op (min–max) | samlkit ÷ it | refuses tampered / other audience / expired |',
    );
    lines.push('| --- | --- | ---: | ---: | ---: | ---: | --- |');
    for (const name of contenders) {
      const r = results[name];
      const label = name === 'samlkit' ? '**samlkit**' : name === 'floor' ? 'floor (see below)' : name;
      if (!r.ok) {
        lines.push(`| ${label} | ${r.version ?? '?'} | – | – | – | – | **not counted: ${r.reason}** |`);
        continue;
      }
      const spread = `${micro(Math.min(...r.roundsUs))}–${micro(Math.max(...r.roundsUs))}`;
      const versus =
        name === 'samlkit' || !results.samlkit?.ok
          ? '–'
          : `${ratio(results.samlkit.opsPerSec / r.opsPerSec)}×`;
      const refuses = [r.refuses.tampered, r.refuses.otherAudience, r.refuses.expired].map(mark).join(' / ');
      lines.push(
        `| ${label} | ${r.version} | ${integer(r.opsPerSec)} | ${micro(r.usPerOp)} | ${spread} | ${versus} | ${refuses} |`,
      );
    }
    const verdict = verdicts(scenario, results);
    if (quick) lines.push('', '- Quick mode: too few calls to judge the targets (run `npm run bench`).', '');
    else lines.push('', ...verdict.lines.map((line) => `- ${line}`), '');
    summary.push({ scenario, verdict, samlkit: results.samlkit });
  }

  lines.push(`### Targets${quick ? ' (quick mode: not judged)' : ''}`, '');
  lines.push(
    '| response | samlkit ops/s | fastest peer | samlkit ÷ fastest peer | target | samlkit ÷ floor | target |',
  );
  lines.push('| --- | ---: | --- | ---: | ---: | ---: | ---: |');
  for (const { scenario, verdict, samlkit } of summary) {
    const peer = verdict.peer;
    const floor = verdict.floor;
    const tick = (met) => (quick ? '' : met ? ' ✓' : ' ✗');
    lines.push(
      `| ${SCENARIOS[scenario].label} | ${samlkit?.ok ? integer(samlkit.opsPerSec) : 'failed'} | ${peer?.fastest ?? '–'} | ` +
        `${peer ? `${ratio(peer.value)}×${tick(peer.met)}` : '–'} | ≥ ${TARGETS[scenario].peer}× | ` +
        `${floor ? `${Math.round(floor.value * 100)} %${floor.target === undefined ? '' : tick(floor.met)}` : '–'} | ` +
        `${TARGETS[scenario].floor === undefined ? '–' : `≥ ${TARGETS[scenario].floor * 100} %`} |`,
    );
  }
  lines.push('');

  lines.push('### How each contender is configured', '');
  const anyResults = Object.values(measured)[0] ?? {};
  for (const name of contenders)
    lines.push(`- **${name}** ${anyResults[name]?.version ?? ''}: ${CONTENDERS[name].note}.`);
  lines.push('');

  if (extras.memory) {
    lines.push(
      `### MemoryStore: heap per entry (${extras.memory.error ? 'failed' : `${integer(extras.memory.count)} entries`}, node --expose-gc)`,
      '',
    );
    if (extras.memory.error) lines.push(`Failed: ${extras.memory.error}`, '');
    else {
      lines.push('| entry | bytes of heap each | µs per call while filling |', '| --- | ---: | ---: |');
      for (const entry of extras.memory.entries) {
        lines.push(
          `| ${entry.label} | ${integer(entry.bytes)} | ${entry.usPerOp === undefined ? '–' : entry.usPerOp.toFixed(1)} |`,
        );
      }
      lines.push('');
    }
  }
  if (extras.authn) {
    lines.push('### createAuthnRequest (RSA-2048 SP key, RSA-SHA256)', '');
    if (extras.authn.error) lines.push(`Failed: ${extras.authn.error}`, '');
    else {
      lines.push('| binding | ops/s | µs/op |', '| --- | ---: | ---: |');
      for (const [label, r] of Object.entries(extras.authn))
        lines.push(`| ${label} | ${integer(r.opsPerSec)} | ${micro(r.usPerOp)} |`);
      lines.push('');
    }
  }
  if (extras.hostile) {
    lines.push('### Hostile input: time to refuse (median ms)', '');
    if (extras.hostile.error) lines.push(`Failed: ${extras.hostile.error}`, '');
    else {
      lines.push(
        '| document | to | bytes | median ms | CPU ms | refused with |',
        '| --- | --- | ---: | ---: | ---: | --- |',
      );
      for (const c of extras.hostile.cases) {
        const to = c.kind === 'response' ? 'verifyResponse' : 'parseIdpMetadata';
        lines.push(
          `| ${c.label} | ${to} | ${integer(c.bytes)} | ${c.ms.toFixed(1)} | ${c.cpuMs.toFixed(1)} | ${c.code} |`,
        );
      }
      lines.push('');
    }
  }
  return lines.join('\n');
}

// ---- main ----------------------------------------------------------------------------------------

const info = machine();
const now = new Date();
const buildResponsesCache = buildResponses(now);
const directory = mkdtempSync(join(tmpdir(), 'samlkit-bench-'));
const file = join(directory, 'responses.json');
writeFileSync(file, JSON.stringify({ responses: buildResponsesCache, probes: buildProbes(now) }));

// The floor must use what samlkit uses.
const rootVersion = (name) =>
  JSON.parse(readFileSync(here(`../node_modules/${name}/package.json`), 'utf8')).version;
for (const name of ['@xmldom/xmldom', 'xml-crypto']) {
  if (versionOf(name) !== rootVersion(name)) {
    log(
      `warning: the floor uses ${name} ${versionOf(name)}, samlkit ${rootVersion(name)}: align bench/package.json`,
    );
  }
}
log(`samlkit from ${SAMLKIT}; ${mode} mode`);

const measured = {};
let failed = false;
try {
  for (const scenario of scenarios) {
    measured[scenario] = await measureScenario(scenario, file);
    for (const must of ['samlkit', 'floor']) if (measured[scenario][must]?.ok === false) failed = true;
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
const extras = {};
if (contenders.includes('samlkit')) {
  log('  MemoryStore memory per entry…');
  extras.memory = await runExtra('memory');
  log('  createAuthnRequest…');
  extras.authn = await runExtra('authn');
  log('  hostile input…');
  extras.hostile = await runExtra('hostile');
  if (extras.memory.error || extras.authn.error || extras.hostile.error) failed = true;
}
info.loadAtEnd = loadavg().map((load) => load.toFixed(2));

process.stdout.write(`${report(info, measured, extras)}\n`);
const missed = Object.entries(measured).some(([scenario, results]) => !verdicts(scenario, results).met);
const json = option('json');
if (json) writeFileSync(json, `${JSON.stringify({ mode, machine: info, measured, extras }, null, 2)}\n`);
if (failed) {
  log('samlkit or the floor failed: see the table');
  process.exitCode = 1;
} else if (args.includes('--check') && missed) {
  log('a target was missed');
  process.exitCode = 2;
}

// The login path through the service (finishLogin, shared stores): bench/service.mjs.
if (contenders.includes('samlkit') && process.exitCode === undefined) {
  const service = fork(here('./service.mjs'), args, { stdio: 'inherit' });
  process.exitCode = await new Promise((resolve) => service.on('exit', (code) => resolve(code ?? 1)));
}
