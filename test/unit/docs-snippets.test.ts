/**
 * Every code block of README.md and of every page under docs/ (found on disk: a new page is covered
 * without being listed) is checked, under the project's strict compiler options:
 *
 * - ```ts blocks are type-checked as modules of their own (`samlkit` and its subpaths resolved to
 *   src/) and then run. What a block leaves to the reader comes from `test/unit/docs-fixtures.ts`,
 *   named in `<!-- snippet-fixture: req, res, email -->` (real values: the test IdP stands in for the
 *   customer's, `res.redirect` to it brings its signed answer back as `req.body`). Other directives
 *   in the comments just above a fence: `<!-- snippet-prelude: … -->` (code put before the block),
 *   and `<!-- snippet: check-only: why -->` for a block that needs what a unit test has not (a Redis
 *   server, the Internet): it is type-checked only, and the reason is required.
 * - ```sh blocks: each command must be one this repository has. `npm run X` names a script of
 *   package.json; `samlkit …` / `npx samlkit …` commands are run, in order, in a temp directory
 *   (through `runCli`, the bin's own entry), and must exit 0.
 * - Other languages (`text`, `xml`, `json`, `http`) are shown, not run; a fence without one fails.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import type * as FixtureModule from './docs-fixtures.js';
import { read, ROOT } from './docs-render.js';

type Fixtures = typeof FixtureModule;

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly prelude: string;
  readonly mode: 'run' | 'check-only';
  readonly reason?: string;
}
type Snippet = Block;

const SHOWN_ONLY = new Set(['text', 'xml', 'json', 'http']);

/** README.md and every .md under docs/ (not the generated API reference). */
function markdownFiles(): string[] {
  const found: string[] = ['README.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(new URL(dir, ROOT)).sort()) {
      const path = `${dir}${name}`;
      if (path === 'docs/api') continue;
      if (statSync(new URL(path, ROOT)).isDirectory()) walk(`${path}/`);
      else if (name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs/');
  return found;
}

const FILES = markdownFiles();

/** The fenced blocks of a document, each with the directives in the comments just above it. */
function snippetsOf(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```(\S*)\s*$/.exec(lines[i] ?? '');
    if (fence === null) continue;
    const start = i;
    const indent = /^\s*/.exec(lines[i] ?? '')?.[0].length ?? 0;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]?.trim() !== '```'; i++) body.push((lines[i] ?? '').slice(indent));
    let prelude = '';
    let mode: Block['mode'] = 'run';
    let reason: string | undefined;
    // Directives: the HTML comments right above the fence (blank lines between are allowed).
    for (let j = start - 1; j >= 0; j--) {
      const line = lines[j]?.trim() ?? '';
      if (line === '') continue;
      const directive = /^<!-- snippet(-prelude|-fixture)?: (.*) -->$/.exec(line);
      if (directive === null) break;
      const value = directive[2] ?? '';
      if (directive[1] === '-prelude') prelude = `${value}\n${prelude}`;
      else if (directive[1] === '-fixture')
        prelude = `import { ${value} } from './docs-fixtures.js';\n${prelude}`;
      else if (value === 'run') mode = 'run';
      else if (value.startsWith('check-only:') && value.length > 'check-only:'.length + 3) {
        mode = 'check-only';
        reason = value.slice('check-only:'.length).trim();
      } else throw new Error(`${file}:${j + 1}: unknown directive ${line}`);
    }
    blocks.push({
      file,
      line: start + 1,
      lang: fence[1] ?? '',
      code: body.join('\n'),
      prelude,
      mode,
      ...(reason !== undefined && { reason }),
    });
  }
  return blocks;
}

const BLOCKS = FILES.flatMap((file) => snippetsOf(file, read(file)));
const SNIPPETS = BLOCKS.filter((block) => block.lang === 'ts');
const ENTRIES: Readonly<Record<string, string>> = {
  samlkit: 'src/index.ts',
  'samlkit/fetch': 'src/fetch.ts',
  'samlkit/testing': 'src/testing/index.ts',
  'samlkit/redis': 'src/redis.ts',
  'samlkit/postgres': 'src/postgres.ts',
  'samlkit/scim': 'src/scim.ts',
  'samlkit/passport': 'src/passport.ts',
};

/** Type-checks every snippet in one program; returns the diagnostics of each, by index. */
function typeCheck(snippets: readonly Snippet[]): string[][] {
  const root = fileURLToPath(ROOT);
  const parsed = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  assert.ok(parsed !== undefined);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    baseUrl: root,
    paths: Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, [path]])),
  };
  // Virtual files next to this test, so that relative resolution and node_modules work as for it.
  const names = snippets.map((_, index) => `${root}test/unit/__doc_snippet_${index}.ts`);
  const sources = new Map(
    snippets.map((snippet, index) => [
      names[index] ?? '',
      `${snippet.prelude}\n${snippet.code}\nexport {};\n`,
    ]),
  );
  const host = ts.createCompilerHost(options);
  const disk = ts.createCompilerHost(options);
  host.getSourceFile = (name, language, onError, create) => {
    const text = sources.get(name);
    return text === undefined
      ? disk.getSourceFile(name, language, onError, create)
      : ts.createSourceFile(name, text, language, true);
  };
  host.fileExists = (name) => sources.has(name) || disk.fileExists(name);
  host.readFile = (name) => sources.get(name) ?? disk.readFile(name);
  const program = ts.createProgram(names, options, host);
  return names.map((name, index) => {
    const file = program.getSourceFile(name);
    assert.ok(file !== undefined, name);
    const snippet = snippets[index];
    const offset = (snippet?.prelude.split('\n').length ?? 1) - 1;
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(
      (diagnostic) => {
        const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        const where = line < offset ? 'prelude' : `line ${line - offset + 1}`;
        return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      },
    );
  });
}

let runs = 0;
const FIXTURES = pathToFileURL(fileURLToPath(new URL('test/unit/docs-fixtures.ts', ROOT))).href;

/**
 * Runs a snippet as an ES module: `samlkit` imports point at src/ (this process runs under tsx), its
 * fixtures are a fresh instance of docs-fixtures.ts. Returns what it printed with console.log and
 * the module's exports (a block that starts a server exports it, for the test to stop).
 */
async function run(
  snippet: Snippet,
  index: number,
): Promise<{ printed: string[]; exports: Record<string, unknown> }> {
  // The run number makes each run a module of its own (imports of the same text are cached).
  runs++;
  const { outputText } = ts.transpileModule(`${snippet.prelude}\n${snippet.code}\nexport {};\n// ${runs}\n`, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const code = outputText
    .replace(/from '(samlkit(?:\/\w+)?)'/g, (whole, name: string) => {
      const path = ENTRIES[name];
      return path === undefined ? whole : `from '${pathToFileURL(fileURLToPath(new URL(path, ROOT))).href}'`;
    })
    .replace(/from '\.\/docs-fixtures\.js'/g, `from '${FIXTURES}?snippet=${index}-${runs}'`)
    // Bare packages (express, redis…) resolve from the repository, as for a file saved in it.
    .replace(/from '([a-z@][^':]*)'/g, (whole, name: string) =>
      name.startsWith('node:') ? whole : `from '${import.meta.resolve(name)}'`,
    );
  const printed: string[] = [];
  const log = console.log;
  console.log = (...values: unknown[]) => {
    printed.push(format(...values));
  };
  try {
    const exports = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as Record<
      string,
      unknown
    >;
    return { printed, exports };
  } finally {
    console.log = log;
  }
}

/** A CLI run in a directory: files are read and written there, nothing goes to the network. */
function dirIo(dir: string, output: string[]): CliIo {
  return {
    stdin: () => Promise.resolve(''),
    stdout: (text) => output.push(text),
    stderr: (text) => output.push(text),
    readFile: (path) => readFile(resolve(dir, path), 'utf8'),
    writeFile: (path, data, options) =>
      writeFile(resolve(dir, path), data, { flag: 'wx', mode: options?.mode ?? 0o644 }),
    now: () => new Date(),
    fetchIdpMetadata: () => Promise.reject(new Error('no network in the docs test')),
  };
}

const SCRIPTS = Object.keys(
  (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
);

/** Shell words, with '…' and "…" quoting (enough for the docs' commands). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/**
 * Checks one ```sh block; runs its samlkit commands in a temp directory. Returns the problems.
 * Commands of other tools are allowed when they are the ones a reader of these docs runs.
 */
async function checkShell(block: Block): Promise<string[]> {
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'samlkit-docs-sh-'));
  try {
    const commands = block.code
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter((line) => line !== '')
      .flatMap((line) => line.split('&&').map((part) => part.trim()));
    for (const command of commands) {
      const [tool = '', ...args] = words(command);
      const where = `${block.file}:${block.line}: ${command}`;
      if (tool === 'npm') {
        const [sub = '', script] = args;
        if (sub === 'run') {
          if (script === undefined || !SCRIPTS.includes(script))
            problems.push(`${where}: no such npm script`);
        } else if (sub === 'test') {
          if (!SCRIPTS.includes('test')) problems.push(`${where}: no test script`);
        } else if (!['ci', 'install', 'pack'].includes(sub))
          problems.push(`${where}: unexpected npm command`);
      } else if (tool === 'samlkit' || (tool === 'npx' && args[0] === 'samlkit')) {
        const argv = tool === 'npx' ? args.slice(1) : args;
        const output: string[] = [];
        const code = await runCli(argv, dirIo(dir, output));
        if (code !== 0) problems.push(`${where}: exit ${code}: ${output.join('').slice(0, 500)}`);
      } else if (!['git', 'cd', 'node', 'curl', 'tar'].includes(tool)) {
        problems.push(`${where}: unknown command ${tool}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => {
        done(port);
      });
    });
    probe.on('error', fail);
  });
}

/**
 * Signs in through the web app of getting-started.md §3 as a browser would: the login page's form,
 * the redirect to the (test) IdP, its auto-posting form to the ACS URL, then the session cookie.
 * Returns the email the app says is signed in.
 */
async function signInThrough(base: string): Promise<string> {
  const loginPage = await (await fetch(`${base}/login`)).text();
  assert.match(loginPage, /action="\/login\/sso"/);
  const start = await fetch(`${base}/login/sso?email=ada%40acme.com&next=%2F`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  // The browser keeps the login cookie and sends it with the IdP's post (same site here).
  const loginCookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const idpPage = await (await fetch(start.headers.get('location') ?? '')).text();
  const field = (name: string): string =>
    (new RegExp(`name="${name}" value="([^"]*)"`).exec(idpPage)?.[1] ?? '').replace(
      /&#(\d+);/g,
      (_, code: string) => String.fromCharCode(Number(code)),
    );
  const action = /action="([^"]+)"/.exec(idpPage)?.[1] ?? '';
  assert.equal(action, `${base}/saml/acs`);
  const acs = await fetch(action, {
    method: 'POST',
    body: new URLSearchParams({ SAMLResponse: field('SAMLResponse'), RelayState: field('RelayState') }),
    headers: { cookie: loginCookie },
    redirect: 'manual',
  });
  assert.equal(acs.status, 302, await acs.text());
  const cookie = (acs.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const home = await (
    await fetch(`${base}${acs.headers.get('location') ?? '/'}`, { headers: { cookie } })
  ).text();
  const user = JSON.parse(
    home
      .replace(/^Signed in: /, '')
      .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))),
  ) as {
    email: string;
    roles: string[];
  };
  assert.deepEqual(user.roles, ['admin']);
  return user.email;
}

describe('code in README.md and docs/', () => {
  it('finds every page and block, and every fence says its language', () => {
    assert.ok(FILES.includes('README.md') && FILES.includes('docs/idp/entra-id.md'));
    assert.ok(SNIPPETS.length >= 20, `only ${SNIPPETS.length} snippets found`);
    const unknown = BLOCKS.filter(
      (block) => block.lang !== 'ts' && block.lang !== 'sh' && !SHOWN_ONLY.has(block.lang),
    );
    assert.deepEqual(
      unknown.map((block) => `${block.file}:${block.line}: \`\`\`${block.lang}`),
      [],
      'fences without a known language',
    );
  });

  it('every ```ts block type-checks under the strict project options', () => {
    const results = typeCheck(SNIPPETS);
    const failures = SNIPPETS.flatMap((snippet, index) =>
      (results[index] ?? []).map((message) => `${snippet.file}:${snippet.line}: ${message}`),
    );
    assert.deepEqual(failures, [], 'snippets that do not compile');
  });

  it('the type check catches a wrong snippet', () => {
    const [result] = typeCheck([
      {
        file: 'x.md',
        line: 1,
        lang: 'ts',
        prelude: '',
        code: "import { verifyResponse } from 'samlkit';\nconst n: number = verifyResponse;",
        mode: 'run',
      },
    ]);
    assert.equal(result?.length, 1, JSON.stringify(result));
  });

  it('only blocks that need a server or the Internet are check-only, each saying why', () => {
    const checkOnly = SNIPPETS.filter((snippet) => snippet.mode === 'check-only');
    for (const snippet of checkOnly)
      assert.ok((snippet.reason ?? '').length > 3, `${snippet.file}:${snippet.line}`);
    assert.ok(
      checkOnly.length <= SNIPPETS.length / 4,
      `${checkOnly.length} of ${SNIPPETS.length} check-only`,
    );
  });

  SNIPPETS.forEach((snippet, index) => {
    if (snippet.mode === 'check-only') return;
    it(`runs ${snippet.file}:${snippet.line}`, async () => {
      const starts = /\bexport const server\b/.test(snippet.code);
      if (starts) process.env.PORT = String(await freePort());
      const { printed, exports } = await run(snippet, index);
      if (starts) {
        const server = exports.server as Server;
        try {
          if (!server.listening) await once(server, 'listening');
          assert.equal(await signInThrough(`http://localhost:${process.env.PORT}`), 'ada@acme.com');
        } finally {
          delete process.env.PORT;
          server.closeAllConnections();
          await new Promise((done) => server.close(done));
        }
      }
      if (snippet.prelude.includes('docs-fixtures')) {
        // A block that catches a SamlError answers 401/400: as written, with the test IdP, none may.
        const { sent } = (await import(`${FIXTURES}?snippet=${index}-${runs}`)) as Fixtures;
        assert.ok(
          sent.status < 400,
          `${snippet.file}:${snippet.line}: answered ${sent.status} ${String(sent.body)}`,
        );
      }
      const server = exports.server;
      if (typeof server === 'object' && server !== null && 'close' in server) {
        await new Promise((done) => {
          (server as { close(callback: () => void): void }).close(() => {
            done(null);
          });
        });
      }
      // A block that says what it prints (`// prints: …` after its console.log) must print it.
      for (const [, expected = ''] of snippet.code.matchAll(/console\.log\(.*\); \/\/ (.+)$/gm)) {
        if (!printed.includes(expected.trim()) && /^[\w@[' .,\]/-]+$/.test(expected))
          assert.fail(
            `${snippet.file}:${snippet.line}: printed ${JSON.stringify(printed)}, the page says ${expected}`,
          );
      }
    });
  });

  it('the first login of getting-started.md prints what the page says', async () => {
    const index = SNIPPETS.findIndex(
      (snippet) => snippet.file === 'docs/getting-started.md' && snippet.code.includes('finishLogin(form, {'),
    );
    const snippet = SNIPPETS[index];
    assert.ok(snippet !== undefined);
    const { printed } = await run(snippet, index);
    assert.deepEqual(printed, ["acme ada@acme.com [ 'admin' ] /projects true"]);
  });

  for (const block of BLOCKS.filter((entry) => entry.lang === 'sh')) {
    it(`shell commands of ${block.file}:${block.line} exist (samlkit ones run)`, async () => {
      assert.deepEqual(await checkShell(block), []);
    });
  }

  it('the shell check catches a missing script and a failing samlkit command', async () => {
    const problems = await checkShell({
      file: 'x.md',
      line: 1,
      lang: 'sh',
      code: 'npm run no-such-script\nnpx samlkit metadata sp --tenant missing.json',
      prelude: '',
      mode: 'run',
    });
    assert.equal(problems.length, 2, problems.join('\n'));
  });
});
