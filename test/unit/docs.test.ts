/**
 * The documentation agrees with the code: every SamlErrorCode has a row in docs/errors.md and no row
 * names a code that does not exist; the generated parts of the IdP guides and of docs/concepts.md
 * are what `test/unit/docs-render.ts` renders from `setupInstructions` and the verifier's checks;
 * every console field `setupInstructions` can name appears in that IdP's guide; every code a
 * document names exists; relative links and the test files the documents cite exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as samlkit from '../../src/index.js';
import * as fetchEntry from '../../src/fetch.js';
import * as postgresEntry from '../../src/postgres.js';
import * as redisEntry from '../../src/redis.js';
import * as testingEntry from '../../src/testing/index.js';
import { IDP_PRESETS } from '../../src/idp/products.js';
import type { IdpPresetName } from '../../src/types.js';
import {
  allToIdpFields,
  errorCodesInDoc,
  errorCodesInSource,
  GUIDE_FILES,
  normalise,
  read,
  regionOf,
  regions,
  ROOT,
  variants,
} from './docs-render.js';

const SOURCE_CODES = errorCodesInSource(read('src/errors.ts'));
const DOC_CODES = errorCodesInDoc(read('docs/errors.md'));
const REGENERATE = 'run `node --import tsx test/unit/docs-render.ts --write`';

/** Every Markdown file of the documentation, and the README that links into it. */
function documents(): string[] {
  const list = (dir: string): string[] =>
    readdirSync(new URL(dir, ROOT), { withFileTypes: true }).flatMap((entry) => {
      if (entry.isDirectory()) return entry.name === 'api' ? [] : list(`${dir}${entry.name}/`);
      return entry.name.endsWith('.md') ? [`${dir}${entry.name}`] : [];
    });
  return ['README.md', ...list('docs/')];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading = ''] of withoutCode.matchAll(/^#{1,6} +(.+)$/gm)) {
    anchors.add(
      heading
        .toLowerCase()
        .replace(/[`*_]/g, '')
        .replace(/[^\p{L}\p{N} -]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

describe('docs/errors.md', () => {
  it('reads a plausible union out of src/errors.ts', () => {
    assert.ok(SOURCE_CODES.length >= 30, `only ${SOURCE_CODES.length} codes parsed`);
    assert.ok(SOURCE_CODES.includes('AUDIENCE_MISMATCH'));
    assert.equal(new Set(SOURCE_CODES).size, SOURCE_CODES.length, 'a code is listed twice in the union');
  });

  it('has a row for every SamlErrorCode', () => {
    const missing = SOURCE_CODES.filter((code) => !DOC_CODES.includes(code));
    assert.deepEqual(missing, [], `docs/errors.md lacks a row for ${missing.join(', ')}`);
  });

  it('lists no code that does not exist, and none twice', () => {
    const unknown = DOC_CODES.filter((code) => !SOURCE_CODES.includes(code));
    assert.deepEqual(
      unknown,
      [],
      `docs/errors.md lists codes that are not in SamlErrorCode: ${unknown.join(', ')}`,
    );
    assert.equal(new Set(DOC_CODES).size, DOC_CODES.length, 'docs/errors.md lists a code twice');
  });

  it('the parsers notice a missing or an extra code', () => {
    const source =
      "export type SamlErrorCode =\n  /** a; b */\n  | 'A_B'\n  | 'C_D';\nexport type X = 'E_F';\n";
    assert.deepEqual(errorCodesInSource(source), ['A_B', 'C_D']);
    assert.deepEqual(errorCodesInDoc('| code | x |\n| --- | --- |\n| `A_B` | y |\n'), ['A_B']);
  });
});

describe('generated parts of the documentation', () => {
  for (const region of regions()) {
    it(`${region.file}: "${region.name}" is what the code renders`, () => {
      const document = read(region.file);
      const content = regionOf(document, region.name);
      assert.ok(content !== undefined, `${region.file} lacks the markers of "${region.name}"; ${REGENERATE}`);
      assert.deepEqual(
        normalise(content),
        normalise(region.render()),
        `${region.file} "${region.name}" is out of date; ${REGENERATE}`,
      );
    });
  }
});

describe('IdP guides (docs/idp/)', () => {
  const presets = Object.keys(IDP_PRESETS).filter((name) => name !== 'generic') as IdpPresetName[];

  it('every preset but generic has a guide, and the index links each', () => {
    const index = read('docs/idp/README.md');
    for (const preset of presets) {
      const file = GUIDE_FILES[preset];
      assert.ok(file !== undefined, `no guide for ${preset}`);
      assert.ok(existsSync(new URL(file, ROOT)), `${file} is missing`);
      assert.ok(
        index.includes(`(${file.replace('docs/idp/', '')})`),
        `docs/idp/README.md does not link ${file}`,
      );
    }
  });

  for (const preset of presets) {
    const file = GUIDE_FILES[preset] ?? '';
    it(`${file} names every field setupInstructions(tenant, '${preset}') can name, both ways`, () => {
      const guide = read(file);
      const missing = [...allToIdpFields(preset)].filter((field) => !guide.includes(field));
      assert.deepEqual(missing, [], `fields we enter in the console, missing from ${file}`);
      const setup = variants(preset)[0]?.setup;
      assert.ok(setup !== undefined);
      const back = setup.fromIdp.filter(
        (row) => !guide.includes(row.field) || !guide.includes(row.tenantPath),
      );
      assert.deepEqual(back, [], `fields copied back into the tenant, missing from ${file}`);
      const claims = setup.claims.filter((row) => !guide.includes(row.claim));
      assert.deepEqual(claims, [], `claims missing from ${file}`);
    });

    it(`${file} says which tenant settings match the IdP and what its likely errors mean`, () => {
      const guide = read(file);
      assert.ok(guide.includes(`preset: '${preset}'`), `${file} has no tenant with preset '${preset}'`);
      for (const heading of ['## Tenant settings', '## Groups', '## Most likely errors']) {
        assert.ok(guide.includes(heading), `${file} lacks "${heading}"`);
      }
      const errors = guide.slice(guide.indexOf('## Most likely errors'));
      const codes = [...errors.matchAll(/^\|\s*`([A-Z0-9_]+)`/gm)];
      assert.ok(codes.length >= 3, `${file} explains ${codes.length} errors, expected at least 3`);
    });
  }
});

describe('every document', () => {
  const exported = new Set(
    [samlkit, fetchEntry, postgresEntry, redisEntry, testingEntry].flatMap((entry) => Object.keys(entry)),
  );

  it('names only error codes that exist', () => {
    const wrong: string[] = [];
    for (const file of documents()) {
      const text = read(file);
      for (const [, token = ''] of text.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) {
        if (!SOURCE_CODES.includes(token) && !exported.has(token)) wrong.push(`${file}: ${token}`);
      }
    }
    assert.deepEqual(wrong, [], 'unknown codes (a typo, or a renamed code)');
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of documents()) {
      const text = read(file).replace(/^```[\s\S]*?^```/gm, '');
      const base = new URL(file, ROOT);
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const url = path === '' ? base : new URL(path, base);
        if (!existsSync(url)) {
          broken.push(`${file}: ${target}`);
          continue;
        }
        if (anchor !== undefined && url.pathname.endsWith('.md')) {
          const anchors = anchorsOf(read(fileURLToPath(url).slice(fileURLToPath(ROOT).length)));
          if (!anchors.has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, [], 'broken links');
  });

  it('cites only test files that exist', () => {
    const missing: string[] = [];
    for (const file of documents()) {
      for (const [, path = ''] of read(file).matchAll(/`(test\/[\w./-]+\.ts)`/g)) {
        if (!existsSync(new URL(path, ROOT))) missing.push(`${file}: ${path}`);
      }
    }
    assert.deepEqual(missing, [], 'cited tests that do not exist');
  });
});

describe('docs/troubleshooting.md', () => {
  it('names every SamlErrorCode (symptom → cause → fix), and only codes that exist', () => {
    const page = read('docs/troubleshooting.md');
    const named = new Set([...page.matchAll(/`([A-Z][A-Z0-9_]{3,})`/g)].map((match) => match[1]));
    const missing = SOURCE_CODES.filter((code) => !named.has(code));
    assert.deepEqual(missing, [], `docs/troubleshooting.md does not mention ${missing.join(', ')}`);
    const unknown = [...named].filter((code) => code !== undefined && !SOURCE_CODES.includes(code));
    assert.deepEqual(unknown, []);
  });
});
