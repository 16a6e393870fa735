/**
 * The package as a new user gets it before it is on the registry (docs/getting-started.md §1):
 * `npm pack`, then `npm install ./samlkit-<version>.tgz` into a fresh project. Every entry of the
 * exports map is imported from there (ESM `import` and CommonJS `require`), the `samlkit` bin runs,
 * every relative link of the shipped Markdown resolves inside the tarball, and small TypeScript
 * projects type-check `import … from 'samlkit'` under each documented `module` setting with the
 * repository's own tsc (the TS1479 of CommonJS on `module: node16` is pinned as documented).
 *
 * Needs `dist/` (npm test builds first) and npm's cache or the registry for the four dependencies.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const ENTRIES = ['samlkit', 'samlkit/fetch', 'samlkit/testing', 'samlkit/redis', 'samlkit/postgres'];
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let work = '';
let packed: Packed;
let app = '';

function npm(args: readonly string[], cwd: string): string {
  return execFileSync(NPM, [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function node(
  args: readonly string[],
  cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...args], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A project in `app/` with its own tsconfig, type-checked by the repository's tsc. */
function typeCheck(
  name: string,
  type: 'module' | 'commonjs',
  compilerOptions: object,
  source: string,
): string {
  const dir = join(app, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        skipLibCheck: false,
        // The package's declarations use node: types; the project would install @types/node.
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        ...compilerOptions,
      },
      files: ['index.ts'],
    }),
  );
  writeFileSync(join(dir, 'index.ts'), source);
  // The app's node_modules (with samlkit installed from the tarball) is found from its subfolders.
  const result = node([TSC, '-p', join(dir, 'tsconfig.json')], dir);
  return `${result.stdout}${result.stderr}`.trim();
}

const TYPED_USE = `
import { createServiceProvider, createMemoryStore, type MemoryStore, type TenantConfig } from 'samlkit';
import { createTestIdp } from 'samlkit/testing';
import { fetchIdpMetadata } from 'samlkit/fetch';
const store = createMemoryStore();
const sp = createServiceProvider({ tenants: store, state: store });
const config: TenantConfig | undefined = await store.get('acme');
export const used = [sp, config, createTestIdp, fetchIdpMetadata];
`;

describe('the packed package, installed into a fresh project', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'samlkit-pack-'));
    const json = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT);
    const [first] = JSON.parse(json) as Packed[];
    assert.ok(first !== undefined);
    packed = first;
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    npm(
      [
        'install',
        join(work, packed.filename),
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--no-package-lock',
      ],
      app,
    );
  });
  after(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('ships the built code, the docs and the examples the README links to, and no tests', () => {
    const paths = packed.files.map((file) => file.path);
    for (const path of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'README.md', 'LICENSE'])
      assert.ok(paths.includes(path), path);
    assert.ok(paths.includes('docs/getting-started.md'));
    assert.ok(paths.includes('examples/shared/routes.ts'));
    assert.ok(!paths.some((path) => path.startsWith('test/') || path.startsWith('src/')));
    assert.ok(!paths.some((path) => path.startsWith('docs/api/') || path.endsWith('.tsbuildinfo')));
  });

  it('every relative link of the shipped Markdown points at a shipped file', () => {
    const paths = new Set(packed.files.map((file) => file.path));
    const dead: string[] = [];
    for (const file of [...paths].filter((path) => path.endsWith('.md'))) {
      const text = readFileSync(join(app, 'node_modules/samlkit', file), 'utf8');
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
        const path = normalize(join(dirname(file), target.split('#')[0] ?? '')).replace(/\\/g, '/');
        const found =
          paths.has(path) || [...paths].some((shipped) => shipped.startsWith(`${path.replace(/\/$/, '')}/`));
        if (!found) dead.push(`${file}: ${target}`);
      }
    }
    assert.deepEqual(dead, []);
  });

  it('imports every entry of the exports map, from ESM and from CommonJS (require of ESM, Node 20.19+)', () => {
    const esm = node(
      [
        '--input-type=module',
        '-e',
        `for (const name of ${JSON.stringify(ENTRIES)}) console.log(name, Object.keys(await import(name)).length);`,
      ],
      app,
    );
    assert.equal(esm.status, 0, esm.stderr);
    assert.equal(esm.stdout.trim().split('\n').length, ENTRIES.length);
    const cjs = node(
      [
        '--input-type=commonjs',
        '-e',
        `const { createServiceProvider } = require('samlkit'); const { createTestIdp } = require('samlkit/testing');
         console.log(typeof createServiceProvider, typeof createTestIdp);`,
      ],
      app,
    );
    assert.equal(cjs.status, 0, cjs.stderr);
    assert.equal(cjs.stdout.trim(), 'function function');
  });

  it('runs the samlkit bin', () => {
    const result = node([join(app, 'node_modules/samlkit/dist/cli/main.js'), '--version'], app);
    assert.equal(result.status, 0, result.stderr);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(result.stdout.trim(), version);
    assert.match(npm(['exec', '--no', '--', 'samlkit', '--help'], app), /Usage: samlkit <command>/);
  });

  describe('TypeScript settings (docs/getting-started.md, "TypeScript")', () => {
    it('ESM project, module nodenext', () => {
      assert.equal(typeCheck('esm-nodenext', 'module', { module: 'nodenext' }, TYPED_USE), '');
    });
    it('ESM project, module node16', () => {
      assert.equal(typeCheck('esm-node16', 'module', { module: 'node16' }, TYPED_USE), '');
    });
    it('bundler resolution (Vite, esbuild, Next.js)', () => {
      const options = { module: 'esnext', moduleResolution: 'bundler' };
      assert.equal(typeCheck('bundler', 'module', options, TYPED_USE), '');
    });
    const CJS_USE = `
import { createServiceProvider, createMemoryStore, type MemoryStore } from 'samlkit';
const store = createMemoryStore();
export const sp = createServiceProvider({ tenants: store, state: store });
`;
    it('CommonJS project, module nodenext (TypeScript 5.8+ allows require of ESM)', () => {
      assert.equal(typeCheck('cjs-nodenext', 'commonjs', { module: 'nodenext' }, CJS_USE), '');
    });
    it('CommonJS project, module node20 (TypeScript 5.9+)', () => {
      assert.equal(typeCheck('cjs-node20', 'commonjs', { module: 'node20' }, CJS_USE), '');
    });
    it('CommonJS project, module node16 or node18: TS1479, as documented (use nodenext or node20)', () => {
      assert.match(typeCheck('cjs-node16', 'commonjs', { module: 'node16' }, CJS_USE), /TS1479/);
      assert.match(typeCheck('cjs-node18', 'commonjs', { module: 'node18' }, CJS_USE), /TS1479/);
    });
  });
});
