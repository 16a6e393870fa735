/**
 * One contender on one response, in a process of its own, driven by run.mjs over IPC so that the
 * timed rounds of all contenders can take turns (a burst of load on the machine then hits every
 * contender alike). Only one child works at a time; the others wait for their turn.
 *
 *   prepare → set up, prove it accepts the response and refuses the tampered one
 *   warmup  → run it until the JIT has settled, and size the rounds (~1 s each; a few calls in quick mode)
 *   round   → one timed round of back-to-back verifications: µs per call
 */
import { readFileSync } from 'node:fs';
import { CONTENDERS, versionOf } from './contenders.mjs';
import { EMAIL, SCENARIOS } from './responses.mjs';

const [name, scenario, file, mode = 'full'] = process.argv.slice(2);
const contender = CONTENDERS[name];
if (contender === undefined || SCENARIOS[scenario] === undefined || process.send === undefined) {
  throw new Error('child.mjs is started by run.mjs');
}
const quick = mode === 'quick';
const { responses, probes } = JSON.parse(readFileSync(file, 'utf8'));
const base64 = (xml) => Buffer.from(xml, 'utf8').toString('base64');
const message = (error) =>
  String(error?.message ?? error)
    .split('\n', 1)[0]
    .slice(0, 140);
const input = base64(responses[scenario]);
let verify;
let iterations = 0;

function version() {
  try {
    return contender.package
      .split(' + ')
      .map((part) => (part === contender.package ? versionOf(part) : `${part} ${versionOf(part)}`))
      .join(' + ');
  } catch (error) {
    return `not installed (${message(error)})`;
  }
}

async function prepare() {
  const about = { package: contender.package, version: version(), note: contender.note };
  try {
    verify = await contender.setup(scenario);
  } catch (error) {
    return { ...about, ok: false, reason: `cannot be set up: ${message(error)}` };
  }
  // 1. It accepts the response and returns the identity in it: the NameID and every group value.
  let identity;
  try {
    identity = await verify(input);
  } catch (error) {
    return { ...about, ok: false, reason: `rejects the response: ${message(error)}` };
  }
  if (name !== 'floor') {
    const expectedGroups = SCENARIOS[scenario].groups;
    if (identity.nameId !== EMAIL)
      return { ...about, ok: false, reason: `returned NameID ${identity.nameId}` };
    if (identity.groups.length !== expectedGroups) {
      return {
        ...about,
        ok: false,
        reason: `returned ${identity.groups.length} of ${expectedGroups} groups`,
      };
    }
  }
  // 2. It refuses what it must; one that accepts a tampered response does not count.
  const refuses = {};
  for (const [probe, xml] of Object.entries(probes[scenario])) {
    if (name === 'floor' && probe !== 'tampered') continue; // the floor checks signatures only
    try {
      await verify(base64(xml));
      refuses[probe] = false;
    } catch {
      refuses[probe] = true;
    }
  }
  if (!refuses.tampered) return { ...about, ok: false, reason: 'accepts a tampered response', refuses };
  return { ...about, ok: true, refuses };
}

async function warmup() {
  const minimum = quick ? 5 : 300;
  const duration = quick ? 0 : 2000;
  let count = 0;
  const start = performance.now();
  while (count < minimum || performance.now() - start < duration) {
    await verify(input);
    count++;
  }
  const perCallMs = (performance.now() - start) / count;
  iterations = quick ? 5 : Math.max(20, Math.round(1000 / perCallMs));
  return { iterations };
}

async function round() {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await verify(input);
  return { usPerOp: ((performance.now() - start) * 1000) / iterations };
}

process.on('message', async (command) => {
  try {
    const reply =
      command === 'prepare' ? await prepare() : command === 'warmup' ? await warmup() : await round();
    process.send({ command, ...reply });
  } catch (error) {
    process.send({ command, ok: false, reason: `failed: ${message(error)}` });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ command: 'started' });
