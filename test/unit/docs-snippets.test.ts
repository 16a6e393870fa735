/**
 * The TypeScript in the guides compiles against the real API, under the project's strict compiler
 * options: every ```ts block of docs/getting-started.md, docs/concepts.md and docs/idp/*.md is
 * type-checked as a module of its own, with `samlkit` and its subpaths resolved to src/. A block may
 * be preceded by `<!-- snippet-prelude: … -->` (declarations of what the page leaves to the reader,
 * such as `declare const certificatePem: string;`), `<!-- snippet: skip -->`, or
 * `<!-- snippet: run -->`, which also runs it: the first login of getting-started.md must succeed.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { read, ROOT } from './docs-render.js';

interface Snippet {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly prelude: string;
  readonly mode: 'check' | 'run' | 'skip';
}

const FILES = [
  'docs/getting-started.md',
  'docs/concepts.md',
  'docs/directory-sync.md',
  ...readdirSync(new URL('docs/idp/', ROOT))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/idp/${name}`),
];

/** The ```ts blocks of a document, each with the directives in the comments just above it. */
function snippetsOf(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```ts') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]?.trim() !== '```'; i++) body.push(lines[i] ?? '');
    let prelude = '';
    let mode: Snippet['mode'] = 'check';
    // Directives: the HTML comments right above the fence (blank lines between are allowed).
    for (let j = start - 1; j >= 0; j--) {
      const line = lines[j]?.trim() ?? '';
      if (line === '') continue;
      const directive = /^<!-- snippet(-prelude)?: (.*) -->$/.exec(line);
      if (directive === null) break;
      if (directive[1] === '-prelude') prelude = `${directive[2] ?? ''}\n${prelude}`;
      else if (directive[2] === 'run' || directive[2] === 'skip') mode = directive[2];
      else throw new Error(`${file}:${j + 1}: unknown directive ${line}`);
    }
    snippets.push({ file, line: start + 1, code: body.join('\n'), prelude, mode });
  }
  return snippets;
}

const SNIPPETS = FILES.flatMap((file) => snippetsOf(file, read(file)));
const ENTRIES: Readonly<Record<string, string>> = {
  samlkit: 'src/index.ts',
  'samlkit/fetch': 'src/fetch.ts',
  'samlkit/testing': 'src/testing/index.ts',
  'samlkit/redis': 'src/redis.ts',
  'samlkit/postgres': 'src/postgres.ts',
  'samlkit/scim': 'src/scim.ts',
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

/** Runs a snippet as an ES module, `samlkit` imports pointing at src/ (this process runs under tsx). */
async function run(snippet: Snippet): Promise<string[]> {
  const { outputText } = ts.transpileModule(`${snippet.prelude}\n${snippet.code}\nexport {};\n`, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const code = outputText.replace(/from '(samlkit(?:\/\w+)?)'/g, (whole, name: string) => {
    const path = ENTRIES[name];
    return path === undefined ? whole : `from '${pathToFileURL(fileURLToPath(new URL(path, ROOT))).href}'`;
  });
  const printed: string[] = [];
  const log = console.log;
  console.log = (...values: unknown[]) => {
    printed.push(
      values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(' '),
    );
  };
  try {
    await import(`data:text/javascript,${encodeURIComponent(code)}`);
  } finally {
    console.log = log;
  }
  return printed;
}

describe('TypeScript in the guides', () => {
  it('finds the snippets, and at least one to run', () => {
    assert.ok(SNIPPETS.length >= 10, `only ${SNIPPETS.length} snippets found`);
    assert.ok(SNIPPETS.some((snippet) => snippet.mode === 'run'));
    assert.ok(FILES.includes('docs/idp/entra-id.md'));
  });

  it('every snippet type-checks under the strict project options', () => {
    const checked = SNIPPETS.filter((snippet) => snippet.mode !== 'skip');
    const results = typeCheck(checked);
    const failures = checked.flatMap((snippet, index) =>
      (results[index] ?? []).map((message) => `${snippet.file}:${snippet.line}: ${message}`),
    );
    assert.deepEqual(failures, [], 'snippets that do not compile');
  });

  it('the type check catches a wrong snippet', () => {
    const [result] = typeCheck([
      {
        file: 'x.md',
        line: 1,
        prelude: '',
        code: "import { verifyResponse } from 'samlkit';\nconst n: number = verifyResponse;",
        mode: 'check',
      },
    ]);
    assert.equal(result?.length, 1, JSON.stringify(result));
  });

  it('the first login of getting-started.md succeeds as written', async () => {
    const runnable = SNIPPETS.filter((snippet) => snippet.mode === 'run');
    assert.equal(runnable.length, 1);
    const [snippet] = runnable;
    assert.ok(snippet !== undefined);
    const printed = await run(snippet);
    assert.deepEqual(printed, ['acme ada@acme.com ["admin"] /projects']);
  });
});
