/**
 * The Next.js example's production build (`next build examples/nextjs`), made when missing or older
 * than its sources: the route handler, examples/shared, and samlkit's dist/ (bundled into it).
 * Concurrent callers (test files run in parallel) wait for one build, through a lock directory.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_ID = join(DIR, '.next', 'BUILD_ID');
const LOCK = join(DIR, '.next-build-lock');
const LOCK_TIMEOUT_MS = 180_000;

/** The newest modification time under `path` (files ending in .ts, .mjs or .js), skipping build output. */
function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return /\.(?:ts|mjs|js|json)$/.test(path) ? stat.mtimeMs : 0;
  let latest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === '.next' || entry === 'node_modules' || entry === '.next-build-lock') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function stale(): boolean {
  const built = statSync(BUILD_ID, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(newest(DIR), newest(join(ROOT, 'examples/shared')), newest(join(ROOT, 'dist')));
  return built < sources;
}

function runBuild(): Promise<void> {
  const bin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'build', DIR], {
      cwd: DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`next build failed (exit ${code}):\n${output}`));
    });
  });
}

/** Builds the example unless an up-to-date build is there; resolves when it is. */
export async function ensureNextBuild(): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (!stale()) return;
    try {
      mkdirSync(LOCK);
    } catch {
      // Another process builds: wait for it, then look again. A lock older than any build is left
      // from a process that was killed: take it over.
      const lockedAt = statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs;
      if (lockedAt !== undefined && Date.now() - lockedAt > LOCK_TIMEOUT_MS) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > LOCK_TIMEOUT_MS)
        throw new Error(`waited too long for ${LOCK}; remove it if stale`);
      await sleep(250);
      continue;
    }
    try {
      if (stale()) await runBuild();
      return;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
