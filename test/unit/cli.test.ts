/**
 * The `samlkit` CLI, run in-process with a fake I/O (and once as a real process): inspect on every real
 * fixture and on every encoding an admin may paste, verify naming the failed check of each attack, metadata,
 * keygen, setup, and the usage errors.
 */
import type { Clock } from '../../src/types.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import type { fetchIdpMetadata } from '../../src/fetch.js';
import {
  buildSpMetadata,
  createAuthnRequest,
  defineTenant,
  explainResponse,
  parseIdpMetadata,
  type SpKeyPair,
  type TenantConfig,
} from '../../src/index.js';
import { CHECKS, type CheckName } from '../../src/response/trace.js';
import { ENTRA } from '../helpers/entra-fixture.js';
import {
  ALG,
  buildResponse,
  KEYS,
  NOW,
  NS,
  REQUEST_ID,
  signed,
  signXml,
  tenant as testTenant,
  toForm,
} from '../helpers/idp.js';
import { assertionOf, edit, evilTwin, one, setNameId, text } from '../helpers/mutate.js';
import { categoryOf, checksFor, FIXTURES, loadManifest, tenantFor } from '../fixtures/manifest.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fixturePath = (file: string): string => fileURLToPath(new URL(file, FIXTURES));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly written: ReadonlyMap<string, { readonly data: string; readonly mode: number | undefined }>;
}

interface FakeIoOptions {
  readonly stdin?: string;
  /** Files by name; other paths are read from disk. */
  readonly files?: Readonly<Record<string, string>>;
  readonly now?: Clock;
  readonly fetchIdpMetadata?: typeof fetchIdpMetadata;
}

/** Runs `samlkit …argv` in-process with a fake I/O. */
async function cli(argv: readonly string[], options: FakeIoOptions = {}): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const written = new Map<string, { data: string; mode: number | undefined }>();
  const io: CliIo = {
    stdin: () => Promise.resolve(options.stdin ?? ''),
    stdout: (s) => stdout.push(s),
    stderr: (s) => stderr.push(s),
    readFile: (path) => Promise.resolve().then(() => options.files?.[path] ?? readFileSync(path, 'utf8')),
    writeFile: (path, data, o) => {
      if (written.has(path)) return Promise.reject(new Error(`EEXIST: ${path} exists`));
      written.set(path, { data, mode: o?.mode });
      return Promise.resolve();
    },
    now: options.now ?? ((): Date => NOW),
    ...(options.fetchIdpMetadata !== undefined && { fetchIdpMetadata: options.fetchIdpMetadata }),
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.join(''), stderr: stderr.join(''), written };
}

const b64 = (xml: string | Buffer): string => Buffer.from(xml).toString('base64');
const entraXml = ENTRA.xml.toString('utf8');
const ENTRA_ISSUER = ENTRA.tenant.idp.entityId;

/** Every response and metadata file under fixtures/real, as paths relative to it. */
function fixtureFiles(): string[] {
  const root = fileURLToPath(FIXTURES);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(root, dir.name))
        .filter((name) => name.endsWith('.xml') || name.endsWith('.b64'))
        .map((name) => `${dir.name}/${name}`),
    )
    .sort();
}

describe('samlkit inspect', () => {
  const manifest = loadManifest();
  const metadataManifest = JSON.parse(readFileSync(new URL('metadata/MANIFEST.json', FIXTURES), 'utf8')) as {
    file: string;
    entity_ids: string[];
  }[];

  it('shows every real fixture (XML, base64 and metadata) and names its issuer', async () => {
    const files = fixtureFiles();
    assert.ok(files.length > 50, `only ${files.length} fixture files found`);
    for (const file of files) {
      const response = manifest.find((entry) => entry.file === file.replace(/\.b64$/, '.xml'));
      const metadata = metadataManifest.find((entry) => entry.file === file);
      const issuers = response !== undefined ? [response.issuer] : (metadata?.entity_ids ?? []);
      assert.ok(issuers.length > 0, `${file} is in neither manifest`);
      const run = await cli(['inspect', fixturePath(file)]);
      assert.equal(run.code, 0, `${file}: ${run.stderr}`);
      for (const issuer of issuers) assert.ok(run.stdout.includes(issuer), `${file} does not name ${issuer}`);
      assert.match(run.stdout, file.endsWith('.b64') ? /Encoding\s+base64\n/ : /Encoding\s+XML\n/);
      assert.match(run.stdout, /Nothing above is verified/);
    }
  });

  it('summarises a response: IDs, times relative to now, status, subject, signature and certificate', async () => {
    const run = await cli(['inspect', '-'], { stdin: entraXml, now: () => new Date('2026-05-09T16:45:24Z') });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Response \(SAML 2\.0 protocol\)\n/);
    assert.match(run.stdout, /ID\s+_c082940d-31cf-40a2-a581-2a7af122e7e5\n/);
    assert.match(run.stdout, /InResponseTo\s+id23dffd06a31f7ad10975c9c893bf8668\n/);
    assert.match(run.stdout, /Status\s+urn:oasis:names:tc:SAML:2\.0:status:Success\n/);
    assert.match(run.stdout, /NotOnOrAfter\s+2023-05-09T16:45:24\.198Z \(3 years ago\)/);
    // Personal data redacted, as by `verify`; --show-personal-data shows it.
    assert.match(run.stdout, /NameID\s+f\*\*\*@herpdev\.onmicrosoft\.com\n\s+Format\s+\S+emailAddress/);
    assert.ok(!run.stdout.includes(ENTRA.nameId));
    assert.match(run.stdout, /Audience\s+https:\/\/loopback\.ja-sore\.de:3443\/\n/);
    assert.match(run.stdout, /identity\/claims\/displayname: f\*\*\*\n/);
    const shown = await cli(['inspect', '--show-personal-data', '-'], {
      stdin: entraXml,
      now: () => new Date('2026-05-09T16:45:24Z'),
    });
    assert.match(shown.stdout, new RegExp(`NameID\\s+${ENTRA.nameId}\\n\\s+Format\\s+\\S+emailAddress`));
    assert.match(shown.stdout, /identity\/claims\/displayname: fumieval\n/);
    assert.match(
      run.stdout,
      /Signed\s+Assertion _7dd71b79-0320-4c6b-b524-72f6993d8100 \(rsa-sha256, sha256\)/,
    );
    assert.match(run.stdout, /SignatureMethod\s+http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha256\n/);
    assert.match(run.stdout, /Reference\s+#_7dd71b79-0320-4c6b-b524-72f6993d8100 → its parent\n/);
    const fingerprint = new X509Certificate(ENTRA.tenant.idp.certificates[0]!).fingerprint256;
    assert.match(run.stdout, /Certificates in the document \(1; not trusted, for information\)/);
    assert.ok(run.stdout.includes(`SHA-256 ${fingerprint}\n`));
    assert.match(run.stdout, /Expiry\s+expired 2025-10-24T04:37:32Z \(6 months ago\)/);
  });

  it('points out a signature whose reference is not its parent (the XSW fixture)', async () => {
    const run = await cli(['inspect', fixturePath('okta/passportwsfed-2013-xsw-attack.xml')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /Reference\s+#id8132302868541019755414121 → Assertion id8132302868541019755414121, not its parent/,
    );
    assert.match(
      run.stdout,
      /Assertion id8132302868541019755414121, inside Response > Assertion > Signature/,
    );
    assert.match(run.stdout, /SHA-1: refused unless the tenant sets allowSha1/);
  });

  describe('an AuthnRequest from createAuthnRequest', () => {
    const spTenant: TenantConfig = {
      ...ENTRA.tenant,
      idp: { ...ENTRA.tenant.idp, ssoUrl: 'https://login.example.com/saml2' },
    };
    const request = createAuthnRequest(spTenant, { relayState: 'r-42', now: () => NOW });
    const samlRequest = new URL(request.url).searchParams.get('SAMLRequest')!;

    const expectAuthnRequest = (run: Run): void => {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^AuthnRequest \(SAML 2\.0 protocol\)\n/);
      assert.match(run.stdout, new RegExp(`ID\\s+${request.id}\\n`));
      assert.match(run.stdout, /Destination\s+https:\/\/login\.example\.com\/saml2\n/);
      assert.match(
        run.stdout,
        /AssertionConsumerServiceURL\s+https:\/\/loopback\.ja-sore\.de:3443\/auth\/page\/saml2\/login\n/,
      );
      assert.match(run.stdout, /Issuer\s+https:\/\/loopback\.ja-sore\.de:3443\/\n/);
      assert.match(run.stdout, /IssueInstant\s+2027-01-15T12:00:00\.000Z \(now\)/);
    };

    it('decodes the SAMLRequest value of the Redirect URL (raw DEFLATE + base64)', async () => {
      const run = await cli(['inspect'], { stdin: samlRequest });
      expectAuthnRequest(run);
      assert.match(run.stdout, /Encoding\s+base64 of raw DEFLATE \(HTTP-Redirect binding\)\n/);
    });

    it('decodes the value URL-encoded, and the whole URL with its RelayState', async () => {
      const encoded = await cli(['inspect'], { stdin: encodeURIComponent(samlRequest) });
      expectAuthnRequest(encoded);
      assert.match(encoded.stdout, /Encoding\s+URL-encoded base64 of raw DEFLATE/);
      const whole = await cli(['inspect'], { stdin: `${request.url}\n` });
      expectAuthnRequest(whole);
      assert.match(whole.stdout, /Encoding\s+URL query parameter SAMLRequest, base64 of raw DEFLATE/);
      assert.match(whole.stdout, /RelayState\s+r-42\n/);
    });

    it('shows the query-string signature of a signed Redirect request, and the POST binding', async () => {
      const signing: SpKeyPair = { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert };
      const signedRequest = createAuthnRequest(
        { ...spTenant, sp: { ...spTenant.sp, signing } },
        { now: () => NOW },
      );
      const run = await cli(['inspect'], { stdin: signedRequest.url });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /SigAlg\s+http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha256\n/);
      assert.match(run.stdout, /Signature\s+in the query string \(not verified\)/);

      const post = createAuthnRequest(spTenant, { binding: 'post', now: () => NOW });
      const body = `SAMLRequest=${encodeURIComponent(post.fields.SAMLRequest)}`;
      const posted = await cli(['inspect'], { stdin: body });
      assert.equal(posted.code, 0, posted.stderr);
      assert.match(posted.stdout, /Encoding\s+form field SAMLRequest, base64\n/);
      assert.match(posted.stdout, new RegExp(`ID\\s+${post.id}\\n`));
    });
  });

  it('decodes a whole form body, URL-encoded or with + left as is', async () => {
    for (const value of [encodeURIComponent(b64(ENTRA.xml)), b64(ENTRA.xml)]) {
      assert.ok(value.includes('+') || value.includes('%2B'));
      const run = await cli(['inspect'], { stdin: `SAMLResponse=${value}&RelayState=abc%20def` });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Encoding\s+form field SAMLResponse, base64\n/);
      assert.match(run.stdout, /RelayState\s+abc def\n/);
      assert.ok(run.stdout.includes(ENTRA_ISSUER));
    }
  });

  it('--xml pretty prints the decoded document', async () => {
    assert.equal(entraXml.trim().split('\n').length, 1, 'the fixture is one line');
    const run = await cli(['inspect', '--xml'], { stdin: b64(ENTRA.xml) });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.ok(lines.length > 40, `${lines.length} lines`);
    assert.match(lines[0]!, /^<samlp:Response /);
    assert.ok(
      lines.includes(
        '  <Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/b0a63ade-3ec7-4d8b-991f-87eb4336274a/</Issuer>',
      ),
    );
    assert.ok(
      lines.some((line) =>
        /^ {6}<NameID Format="[^"]+">fumieval@herpdev\.onmicrosoft\.com<\/NameID>$/.test(line),
      ),
    );
    const reparsed = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(run.stdout, 'application/xml');
    assert.equal(reparsed.documentElement?.localName, 'Response');
    assert.equal(reparsed.getElementsByTagNameNS(NS.saml, 'NameID')[0]?.textContent, ENTRA.nameId);
  });

  it('refuses a DOCTYPE, as XML and as base64, with exit 2', async () => {
    const doctype = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>';
    for (const stdin of [doctype, b64(doctype)]) {
      const run = await cli(['inspect'], { stdin });
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(
        run.stderr,
        /^samlkit inspect: DTD_FORBIDDEN: The document contains a DOCTYPE declaration/,
      );
    }
  });

  it('refuses a deflate bomb with exit 2, stopping at the 4 MiB cap', async () => {
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 100_000);
    const run = await cli(['inspect'], { stdin: encodeURIComponent(b64(bomb)) });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /inflates to more than 4194304 bytes \(a deflate bomb\?\); refused/);
  });

  it('explains input it cannot read, with exit 2', async () => {
    const cases: [string | undefined, string, RegExp][] = [
      [undefined, '', /the input is empty/],
      [undefined, 'not a saml message!', /not a SAML message: expected XML, base64/],
      [undefined, b64('hello, not deflate'), /decodes from base64, but to neither XML nor raw DEFLATE/],
      [undefined, '<a><b></a>', /not well-formed XML/],
      [undefined, 'RelayState=x&foo=bar', /the input is not a SAML message/],
      [undefined, 'https://idp.example.com/sso?x=1', /the URL has no SAMLRequest or SAMLResponse parameter/],
      [undefined, 'x'.repeat(4 * 1024 * 1024 + 1), /larger than 4194304 characters/],
      [fixturePath('no/such/file.xml'), '', /cannot read .*no such file/i],
    ];
    for (const [file, stdin, message] of cases) {
      const run = await cli(file === undefined ? ['inspect'] : ['inspect', file], { stdin });
      assert.equal(run.code, 2, `${stdin.slice(0, 40)}: ${run.stdout}`);
      assert.match(run.stderr, message);
    }
    const deep = `${'<a>'.repeat(60)}${'</a>'.repeat(60)}`;
    const run = await cli(['inspect'], { stdin: deep });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /SIZE_LIMIT: The document has more than 48 levels of nesting/);
  });
});

describe('samlkit verify', () => {
  const tenantFile = { 'tenant.json': JSON.stringify(testTenant()) };
  const title = (name: CheckName): string => CHECKS.find(([check]) => check === name)![1];

  const withComment = edit(signed(buildResponse({ nameId: 'alice@example.com.evil.com' })), (doc) => {
    const nameId = one(doc, NS.saml, 'NameID');
    text(nameId, 'alice@example.com');
    nameId.appendChild(doc.createComment(''));
    nameId.appendChild(doc.createTextNode('.evil.com'));
  });
  const secondAssertion = edit(signed(buildResponse()), (doc) => {
    const original = assertionOf(doc);
    const evil = evilTwin(original, '_evil');
    setNameId(evil, 'admin@example.com');
    original.parentNode!.insertBefore(evil, original);
  });
  const ATTACKS: readonly {
    readonly attack: string;
    readonly xml: string;
    readonly check: CheckName;
    readonly code: string;
    readonly idpInitiated?: true;
  }[] = [
    {
      attack: 'wrong audience',
      xml: signed(buildResponse({ audience: 'https://evil.example.com/sp' })),
      check: 'audience',
      code: 'AUDIENCE_MISMATCH',
    },
    {
      attack: 'expired',
      xml: signed(buildResponse({ notBefore: -7200, notOnOrAfter: -3600, scdNotOnOrAfter: -3600 })),
      check: 'subject-confirmation',
      code: 'EXPIRED',
    },
    {
      attack: 'XSW: a second, unsigned assertion',
      xml: secondAssertion,
      check: 'assertion',
      code: 'MULTIPLE_ASSERTIONS',
    },
    {
      attack: 'comment injected into the NameID (emailDomains)',
      xml: withComment,
      check: 'email-domain',
      code: 'EMAIL_DOMAIN_NOT_ALLOWED',
    },
    {
      attack: "signed with the attacker's key",
      xml: signed(buildResponse(), 'assertion', KEYS.attacker),
      check: 'assertion-signature',
      code: 'KEY_UNTRUSTED',
    },
    {
      attack: 'RSA-SHA1 / SHA-1',
      xml: signXml(buildResponse(), {
        ref: 'assertion',
        signatureAlgorithm: ALG.rsaSha1,
        digestAlgorithm: ALG.sha1,
      }),
      check: 'assertion-signature',
      code: 'ALGORITHM_FORBIDDEN',
    },
    {
      attack: 'DOCTYPE',
      xml: `<!DOCTYPE r [<!ENTITY x "y">]>${signed(buildResponse())}`,
      check: 'parse',
      code: 'DTD_FORBIDDEN',
    },
    { attack: 'unsigned', xml: buildResponse(), check: 'signature-policy', code: 'SIGNATURE_MISSING' },
    {
      attack: 'NameID changed after signing',
      xml: edit(signed(buildResponse()), (doc) => {
        setNameId(assertionOf(doc), 'admin@example.com');
      }),
      check: 'assertion-signature',
      code: 'SIGNATURE_INVALID',
    },
    {
      attack: 'wrong recipient',
      xml: signed(buildResponse({ recipient: 'https://evil.example.com/acs' })),
      check: 'subject-confirmation',
      code: 'RECIPIENT_MISMATCH',
    },
    {
      attack: 'IdP-initiated, which the tenant does not allow',
      xml: signed(buildResponse({ inResponseTo: null })),
      check: 'in-response-to',
      code: 'UNSOLICITED_RESPONSE',
      idpInitiated: true,
    },
  ];

  for (const { attack, xml, check, code, idpInitiated } of ATTACKS) {
    it(`rejects and explains: ${attack} → ${code} at "${check}"`, async () => {
      const argv = ['verify', '--tenant', 'tenant.json', '--now', NOW.toISOString()];
      if (idpInitiated !== true) argv.push('--in-response-to', REQUEST_ID);
      const run = await cli(argv, { stdin: b64(xml), files: tenantFile });
      assert.equal(run.code, 1, run.stderr);
      assert.ok(run.stdout.includes(`✘ ${title(check)}\n`), run.stdout);
      assert.match(run.stdout, new RegExp(`\\n {4}error +${code}: `));
      assert.ok(run.stdout.endsWith(`Not accepted: ${code} at "${title(check)}".\n`), run.stdout);
      assert.equal(run.stdout.split('\n✘ ').length, 2, 'exactly one failed check');
      if (idpInitiated === true)
        assert.match(run.stdout, /Request\s+IdP-initiated: no --in-response-to given/);
      // The checks after the failed one did not run.
      const after = CHECKS.slice(CHECKS.findIndex(([name]) => name === check) + 1);
      for (const [, later] of after) assert.ok(run.stdout.includes(`– ${later}\n`), later);
      // The CLI agrees with the library.
      const report = await explainResponse(
        testTenant(),
        toForm(xml),
        idpInitiated === true ? { now: () => NOW } : { now: () => NOW, inResponseTo: REQUEST_ID },
      );
      assert.equal(report.error?.code, code);
      assert.equal(report.checks.find((c) => c.status === 'fail')?.name, check);
    });
  }

  it('accepts the real fixtures with the tenant from the manifest and --now (exit 0)', async () => {
    const positives = loadManifest().filter((entry) => categoryOf(entry) === 'positive');
    assert.ok(positives.length >= 20, `${positives.length} positive fixtures`);
    for (const entry of positives) {
      const checks = checksFor(entry);
      const argv = [
        'verify',
        '--tenant',
        't.json',
        '--now',
        checks.now().toISOString(),
        fixturePath(entry.file),
      ];
      if (checks.inResponseTo !== undefined) argv.push('--in-response-to', checks.inResponseTo);
      const run = await cli(argv, { files: { 't.json': JSON.stringify(tenantFor(entry)) } });
      assert.equal(run.code, 0, `${entry.file}:\n${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /\nAccepted\.\n/);
      assert.ok(!run.stdout.includes('\n✘ '));
    }
  });

  it('reads the whole form body, and redacts personal data unless asked', async () => {
    const argv = ['verify', '--tenant', 'entra.json', '--now', ENTRA.checks.now().toISOString()];
    argv.push('--in-response-to', ENTRA.checks.inResponseTo);
    const files = { 'entra.json': JSON.stringify(ENTRA.tenant) };
    const stdin = `SAMLResponse=${encodeURIComponent(b64(ENTRA.xml))}&RelayState=xyz`;
    const redacted = await cli(argv, { stdin, files });
    assert.equal(redacted.code, 0, redacted.stderr);
    assert.match(redacted.stdout, /NameID\s+f\*\*\*@herpdev\.onmicrosoft\.com/);
    assert.ok(!redacted.stdout.includes(ENTRA.nameId));
    const clear = await cli([...argv, '--show-personal-data'], { stdin, files });
    assert.equal(clear.code, 0);
    assert.ok(clear.stdout.includes(`NameID        ${ENTRA.nameId} (`), clear.stdout);
    assert.equal(redacted.stderr, '', 'the certificate is judged at --now, when it was valid');
  });

  it('--json prints exactly the report of explainResponse', async () => {
    const files = { 'entra.json': JSON.stringify(ENTRA.tenant) };
    const base = ['verify', '--json', '--tenant', 'entra.json', '--now', ENTRA.checks.now().toISOString()];
    for (const [argv, checks] of [
      [[...base, '--in-response-to', ENTRA.checks.inResponseTo], ENTRA.checks],
      [base, { now: ENTRA.checks.now }],
    ] as const) {
      const run = await cli(argv, { stdin: entraXml, files });
      const report = await explainResponse(ENTRA.tenant, { SAMLResponse: b64(ENTRA.xml) }, checks);
      assert.equal(run.code, report.accepted ? 0 : 1);
      assert.deepEqual(JSON.parse(run.stdout), JSON.parse(JSON.stringify(report)));
    }
  });

  it('refuses a SAMLRequest, a bad tenant and bad arguments with exit 2', async () => {
    const files = {
      'tenant.json': JSON.stringify(testTenant()),
      'bad.json': '{"id": "x"',
      'empty.json': '{}',
    };
    const request = createAuthnRequest(
      { ...testTenant(), idp: { ...testTenant().idp, ssoUrl: 'https://idp.example.com/sso' } },
      { now: () => NOW },
    );
    const cases: [string[], string, RegExp][] = [
      [['verify', '--tenant', 'tenant.json'], request.url, /the input is a SAMLRequest/],
      [['verify', '--tenant', 'bad.json'], b64(buildResponse()), /tenant file bad\.json is not valid JSON/],
      [
        ['verify', '--tenant', 'empty.json'],
        b64(buildResponse()),
        /empty\.json: Invalid tenant configuration:\n {2}id: /,
      ],
      [['verify', '--tenant', 'missing.json'], '', /cannot read missing\.json/],
      [['verify'], '', /--tenant tenant\.json is required\nRun "samlkit verify --help" for usage\./],
      [['verify', '--tenant', 'tenant.json', '--now', 'yesterday'], '', /--now must be an ISO 8601 time/],
      [['verify', '--tenant', 'tenant.json', 'a', 'b'], '', /unexpected argument: b/],
    ];
    for (const [argv, stdin, message] of cases) {
      const run = await cli(argv, { stdin, files });
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, message);
    }
  });
});

describe('samlkit metadata', () => {
  const entraMetadata = fixturePath('metadata/azure-entra-federationmetadata-b20a2822.xml');
  const sp = {
    entityId: 'https://app.example.com/saml/acme',
    acsUrl: 'https://app.example.com/saml/acme/acs',
  };

  it('sp: prints well-formed SP metadata, signed and with validUntil on request', async () => {
    const signing: SpKeyPair = { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert };
    const files = { 't.json': JSON.stringify({ ...testTenant(), sp: { ...testTenant().sp, signing } }) };
    const run = await cli(['metadata', 'sp', '--tenant', 't.json', '--sign', '--valid-days', '7'], { files });
    assert.equal(run.code, 0, run.stderr);
    const document = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(run.stdout, 'application/xml');
    const root = document.documentElement!;
    assert.equal(root.localName, 'EntityDescriptor');
    assert.equal(root.getAttribute('entityID'), testTenant().sp.entityId);
    assert.equal(root.getAttribute('validUntil'), '2027-01-22T12:00:00Z');
    assert.equal(document.getElementsByTagNameNS(NS.ds, 'Signature').length, 1);

    const unsignedTenant = { 't.json': JSON.stringify(testTenant()) };
    const plain = await cli(['metadata', 'sp', '--tenant', 't.json'], { files: unsignedTenant });
    assert.equal(plain.code, 0);
    assert.equal(
      plain.stdout.replace(/ ID="[^"]+"/, ''),
      `${buildSpMetadata(testTenant(), { now: () => NOW })}\n`.replace(/ ID="[^"]+"/, ''),
    );
    const noKey = await cli(['metadata', 'sp', '--tenant', 't.json', '--sign'], { files: unsignedTenant });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /options\.sign needs a signing key/);
  });

  it('idp: prints an idp object defineTenant accepts, and the certificates with expiry on stderr', async () => {
    const run = await cli(['metadata', 'idp', entraMetadata]);
    assert.equal(run.code, 0, run.stderr);
    const idp = JSON.parse(run.stdout) as TenantConfig['idp'];
    assert.equal(idp.entityId, 'https://sts.windows.net/b20a2822-5260-4ea7-b000-c17131389b33/');
    const tenant = defineTenant({ id: 'entra', sp, idp });
    assert.equal(
      tenant.idp.ssoUrl,
      'https://login.microsoftonline.com/b20a2822-5260-4ea7-b000-c17131389b33/saml2',
    );
    const [certificate] = parseIdpMetadata(readFileSync(entraMetadata, 'utf8'), {
      now: () => NOW,
    }).signingCertificates;
    assert.ok(certificate !== undefined);
    assert.ok(
      run.stderr.includes(`SHA-256 ${certificate.fingerprint}  expired 2024-03-03T09:55:43Z`),
      run.stderr,
    );
    assert.match(run.stderr, /warning: certificate [0-9A-F:]{95} has expired/);

    const soon = await cli(['metadata', 'idp', '--now', '2024-02-20T00:00:00Z', entraMetadata]);
    assert.equal(soon.code, 0);
    assert.match(soon.stderr, /expires 2024-03-03T09:55:43Z \(in 12 days\)/);
    assert.match(soon.stderr, /warning: certificate [0-9A-F:]{95} expires within 30 days/);
    const fresh = await cli(['metadata', 'idp', '--now', '2023-01-01T00:00:00Z', entraMetadata]);
    assert.ok(!fresh.stderr.includes('warning'));
  });

  it('idp: picks one entity of several with --entity-id', async () => {
    const file = fixturePath('metadata/testshib-idp-and-sp.xml');
    const run = await cli([
      'metadata',
      'idp',
      '--entity-id',
      'https://idp.testshib.org/idp/shibboleth',
      file,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      (JSON.parse(run.stdout) as { entityId: string }).entityId,
      'https://idp.testshib.org/idp/shibboleth',
    );
  });

  it('idp: fetches a URL with fetchIdpMetadata and passes the opt-in flags', async () => {
    const seen: unknown[] = [];
    const xml = readFileSync(entraMetadata, 'utf8');
    const fake: typeof fetchIdpMetadata = (url, options) => {
      seen.push([String(url), { ...options, now: options?.now?.() }]);
      const metadata = parseIdpMetadata(xml, options);
      return Promise.resolve({ status: 'updated', metadata, expiringCertificates: [] });
    };
    const argv = [
      'metadata',
      'idp',
      'http://127.0.0.1:8080/metadata.xml',
      '--allow-http',
      '--allow-private-addresses',
    ];
    const run = await cli(argv, { fetchIdpMetadata: fake });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(seen, [
      ['http://127.0.0.1:8080/metadata.xml', { now: NOW, allowHttp: true, allowPrivateAddresses: true }],
    ]);
    assert.ok(JSON.parse(run.stdout));
  });

  it('idp: a document that is not IdP metadata fails with exit 1 and the error code', async () => {
    const run = await cli(['metadata', 'idp', '-'], { stdin: entraXml });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^samlkit metadata idp: METADATA_INVALID: /);
  });

  it('refuses bad arguments with exit 2', async () => {
    for (const [argv, message] of [
      [['metadata'], /say which metadata: sp or idp/],
      [['metadata', 'foo'], /unknown metadata kind "foo"/],
      [['metadata', 'idp'], /give the metadata as a file/],
      [['metadata', 'idp', entraMetadata, '--allow-http'], /apply to URLs only/],
      [['metadata', 'sp'], /--tenant tenant\.json is required/],
      [
        ['metadata', 'sp', '--tenant', 'x.json', '--valid-days', '0'],
        /--valid-days must be a whole number from 1/,
      ],
    ] as const) {
      const run = await cli(argv);
      assert.equal(run.code, 2, argv.join(' '));
      assert.match(run.stderr, message);
    }
  });
});

describe('samlkit keygen', () => {
  let pair: SpKeyPair;
  before(async () => {
    const run = await cli(['keygen', '--cn', 'app.example.com', '--days', '30']);
    assert.equal(run.code, 0, run.stderr);
    pair = JSON.parse(run.stdout) as SpKeyPair;
  });

  it('prints a key pair that works as sp.signing', () => {
    assert.deepEqual(Object.keys(pair), ['privateKey', 'certificate']);
    const certificate = new X509Certificate(pair.certificate);
    assert.equal(certificate.subject, 'CN=app.example.com');
    assert.equal(Date.parse(certificate.validTo) - NOW.getTime(), 30 * 86_400_000);
    const tenant = defineTenant({ ...testTenant(), sp: { ...testTenant().sp, signing: pair } });
    const metadata = buildSpMetadata(tenant, { sign: true, now: () => NOW });
    assert.ok(metadata.includes(certificate.raw.toString('base64')));
  });

  it('--out writes PREFIX.key with mode 0600 and PREFIX.crt, never overwriting', async () => {
    const run = await cli(['keygen', '--cn', 'app.example.com', '--out', 'keys/sp']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([...run.written.keys()], ['keys/sp.key', 'keys/sp.crt']);
    assert.equal(run.written.get('keys/sp.key')?.mode, 0o600);
    assert.match(run.written.get('keys/sp.key')?.data ?? '', /^-----BEGIN PRIVATE KEY-----/);
    assert.match(run.written.get('keys/sp.crt')?.data ?? '', /^-----BEGIN CERTIFICATE-----/);
    assert.match(run.stdout, /Wrote keys\/sp\.key \(private key, mode 0600/);
  });

  it('refuses bad arguments with exit 2', async () => {
    for (const [argv, message] of [
      [['keygen'], /--cn NAME is required/],
      [['keygen', '--cn', ''], /commonName must be a non-empty string/],
      [['keygen', '--cn', 'x', '--days', '-1'], /Option '--days' argument is ambiguous|--days must be/],
      [['keygen', '--cn', 'x', '--key-size', '1024'], /--key-size must be a whole number from 2048 to 8192/],
      [['keygen', '--cn', 'x', '--bits', '2048'], /^samlkit keygen: unknown option --bits\n/],
    ] as const) {
      const run = await cli(argv);
      assert.equal(run.code, 2, argv.join(' '));
      assert.match(run.stderr, message);
    }
  });
});

describe('samlkit setup', () => {
  const draft = {
    id: 'acme',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
  };
  const files = { 'draft.json': JSON.stringify(draft) };

  it('prints the Okta instructions with the ACS URL for a draft tenant without idp', async () => {
    const run = await cli(['setup', '--tenant', 'draft.json', '--idp', 'okta'], { files });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Okta/);
    assert.ok(run.stdout.includes('Single sign-on URL: https://app.example.com/saml/acme/acs'), run.stdout);
    assert.ok(run.stdout.includes('Audience URI (SP Entity ID): https://app.example.com/saml/acme'));
  });

  it('--json prints the instructions as data', async () => {
    const run = await cli(['setup', '--tenant', 'draft.json', '--idp', 'azure', '--json'], { files });
    assert.equal(run.code, 0, run.stderr);
    const setup = JSON.parse(run.stdout) as { preset: string; toIdp: { field: string; value: string }[] };
    assert.equal(setup.preset, 'azure');
    assert.ok(setup.toIdp.some((field) => field.value === draft.sp.acsUrl));
  });

  it('refuses bad arguments and an invalid tenant with exit 2', async () => {
    const bad = { 'bad.json': JSON.stringify({ id: 'acme', sp: { entityId: 'x' } }), 'list.json': '[]' };
    for (const [argv, message] of [
      [
        ['setup', '--tenant', 'draft.json', '--idp', 'shibboleth'],
        /--idp must be one of azure, okta, google/,
      ],
      [['setup', '--tenant', 'bad.json'], /bad\.json: Invalid tenant configuration:\n\s+sp\./],
      [['setup', '--tenant', 'list.json'], /list\.json: a tenant must be a JSON object/],
      [['setup', '--tenant', 'draft.json', '--login-url', 'javascript:alert(1)'], /loginUrl/],
      [['setup', '--idp', 'okta'], /--tenant tenant\.json is required/],
    ] as const) {
      const run = await cli(argv, { files: { ...files, ...bad } });
      assert.equal(run.code, 2, argv.join(' '));
      assert.match(run.stderr, message);
    }
  });
});

describe('samlkit', () => {
  it('--help for the program and for each command', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^Usage: samlkit <command> \[options\]/);
    for (const command of ['inspect', 'verify', 'metadata', 'keygen', 'setup']) {
      assert.ok(top.stdout.includes(`\n  ${command} `), command);
      for (const argv of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const run = await cli(argv);
        assert.equal(run.code, 0, argv.join(' '));
        assert.match(run.stdout, new RegExp(`^Usage: samlkit ${command} `));
        assert.equal(run.stderr, '');
      }
    }
    const sp = await cli(['metadata', 'sp', '--help']);
    assert.match(sp.stdout, /^Usage: samlkit metadata sp /);
  });

  it('--version prints the package version', async () => {
    const run = await cli(['--version']);
    assert.equal(run.code, 0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    assert.equal(run.stdout, `${pkg.version}\n`);
  });

  it('no command, or an unknown one: usage on stderr, exit 2', async () => {
    const none = await cli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: samlkit <command>/);
    const unknown = await cli(['verfy']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^samlkit: unknown command "verfy"\n\nUsage: samlkit/);
    const option = await cli(['inspect', '--json']);
    assert.equal(option.code, 2);
    assert.match(
      option.stderr,
      /^samlkit inspect: unknown option --json\nRun "samlkit inspect --help" for usage\.\n$/,
    );
    // A typo gets the closest option, in a message with balanced quotes (no Node wording).
    for (const [argv, expected] of [
      [
        ['metadata', 'sp', '--tenat', 't.json'],
        'samlkit metadata sp: unknown option --tenat (did you mean --tenant?)\n',
      ],
      [['setup', '--tenant'], 'samlkit setup: --tenant needs a value\n'],
      [['metadata', 'sp', '--sign=yes'], 'samlkit metadata sp: --sign takes no value\n'],
    ] as const) {
      const typo = await cli(argv);
      assert.equal(typo.code, 2);
      assert.ok(typo.stderr.startsWith(expected), typo.stderr);
    }
  });

  describe('as a process (the bin)', () => {
    const built = join(ROOT, 'dist/cli/main.js');
    // `npm test` builds first; without a build, run the source through tsx.
    const command = existsSync(built) ? [built] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'samlkit-cli-'));
      writeFileSync(join(dir, 'entra.json'), JSON.stringify(ENTRA.tenant));
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const samlkit = (argv: readonly string[], input = '') =>
      spawnSync(process.execPath, [...command, ...argv], {
        cwd: dir,
        input,
        encoding: 'utf8',
        timeout: 30_000,
      });

    it('starts with a shebang', () => {
      assert.match(readFileSync(command.at(-1)!, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    });

    it('inspects standard input and verifies a file, with the exit codes', () => {
      const inspected = samlkit(['inspect', '-'], b64(ENTRA.xml));
      assert.equal(inspected.status, 0, inspected.stderr);
      assert.ok(inspected.stdout.includes(ENTRA_ISSUER));

      writeFileSync(join(dir, 'response.xml'), ENTRA.xml);
      const base = [
        'verify',
        '--tenant',
        'entra.json',
        '--now',
        ENTRA.checks.now().toISOString(),
        'response.xml',
      ];
      const accepted = samlkit([...base, '--in-response-to', ENTRA.checks.inResponseTo]);
      assert.equal(accepted.status, 0, accepted.stdout + accepted.stderr);
      assert.match(accepted.stdout, /\nAccepted\.\n/);
      const refused = samlkit(base);
      assert.equal(refused.status, 1);
      assert.match(refused.stdout, /Not accepted: UNSOLICITED_RESPONSE/);

      const missing = samlkit(['inspect', 'nope.xml']);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /^samlkit inspect: cannot read nope\.xml: ENOENT/);
    });

    it('keygen --out writes a private key only its owner can read', () => {
      const run = samlkit(['keygen', '--cn', 'app.example.com', '--out', 'sp']);
      assert.equal(run.status, 0, run.stderr);
      const key = join(dir, 'sp.key');
      if (process.platform !== 'win32') assert.equal(statSync(key).mode & 0o777, 0o600);
      assert.match(readFileSync(join(dir, 'sp.crt'), 'utf8'), /^-----BEGIN CERTIFICATE-----/);
      const again = samlkit(['keygen', '--cn', 'app.example.com', '--out', 'sp']);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /cannot write sp\.key: EEXIST/);
    });
  });
});

describe('samlkit init (issue #15)', () => {
  const metadata = fixturePath('metadata/azure-entra-federationmetadata-b20a2822.xml');
  const base = ['init', '--id', 'acme', '--base-url', 'https://app.example.com/', '--domain', 'acme.com'];

  it('writes a draft without IdP values, which setup and metadata sp take', async () => {
    const run = await cli([...base, '--idp', 'entra']);
    assert.equal(run.code, 0, run.stderr);
    const file = run.written.get('tenant.json');
    assert.ok(file !== undefined);
    assert.equal(file.mode, 0o644);
    assert.deepEqual(JSON.parse(file.data), {
      id: 'acme',
      preset: 'azure',
      sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
      emailDomains: ['acme.com'],
    });
    assert.match(run.stdout, /a draft: no IdP values yet/);
    const files = { 'tenant.json': file.data };
    const sp = await cli(['metadata', 'sp', '--tenant', 'tenant.json'], { files });
    assert.equal(sp.code, 0, sp.stderr);
    assert.match(sp.stdout, /entityID="https:\/\/app\.example\.com\/saml\/acme"/);
    assert.match(sp.stdout, /Location="https:\/\/app\.example\.com\/saml\/acs"/);
    const setup = await cli(['setup', '--tenant', 'tenant.json'], { files });
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stdout, /Entra/);
  });

  it('reads the IdP from its metadata file, and certificates and keys from PEM files', async () => {
    // The metadata's certificate expired in 2024: judged when it was current.
    const fromMetadata = await cli([...base, '--idp-metadata', metadata], {
      now: () => new Date('2023-06-01T00:00:00Z'),
    });
    assert.equal(fromMetadata.code, 0, fromMetadata.stderr);
    const tenant = JSON.parse(fromMetadata.written.get('tenant.json')?.data ?? '') as TenantConfig;
    assert.match(tenant.idp.entityId, /^https:\/\/sts\.windows\.net\//);
    assert.ok(tenant.idp.certificates.length > 0);

    const files = { 'idp.pem': KEYS.idp.cert, 'sp.key': KEYS.rollover.key, 'sp.crt': KEYS.rollover.cert };
    const fromPem = await cli(
      [
        ...base,
        ...['--idp-entity-id', 'https://idp.example.com', '--idp-cert', 'idp.pem'],
        ...['--idp-sso-url', 'https://idp.example.com/sso', '--sp-key', 'sp.key', '--sp-cert', 'sp.crt'],
        ...['--out', 'acme.json'],
      ],
      { files },
    );
    assert.equal(fromPem.code, 0, fromPem.stderr);
    const written = fromPem.written.get('acme.json');
    assert.ok(written !== undefined);
    assert.equal(written.mode, 0o600, 'it holds our private key');
    const config = JSON.parse(written.data) as TenantConfig;
    assert.deepEqual(config.idp, {
      entityId: 'https://idp.example.com',
      certificates: [`${KEYS.idp.cert.trim()}\n`],
      ssoUrl: 'https://idp.example.com/sso',
    });
    assert.equal(config.sp.signing?.privateKey.trim(), KEYS.rollover.key.trim());
    // What init writes, verify reads.
    const verify = await cli(['verify', '--tenant', 'acme.json', '-'], {
      files: { 'acme.json': written.data },
      stdin: '<x/>',
    });
    assert.doesNotMatch(verify.stderr, /acme\.json:/);
  });

  it('refuses what would not validate, a file that is no PEM, and mixed IdP options, writing nothing', async () => {
    for (const [argv, message] of [
      [['init', '--base-url', 'https://app.example.com'], /--id ID is required/],
      [['init', '--id', 'acme'], /give --base-url, or both --entity-id and --acs-url/],
      [[...base, '--idp', 'shibboleth'], /--idp must be one of azure, .* or entra/],
      [[...base, '--idp-cert', 'idp.pem'], /give --idp-entity-id and at least one --idp-cert/],
      [
        [...base, '--idp-entity-id', 'x', '--idp-cert', 'not-pem.txt'],
        /not-pem\.txt holds no PEM certificate/,
      ],
      [[...base, '--idp-metadata', metadata, '--idp-entity-id', 'x'], /--idp-metadata gives every IdP value/],
      [[...base, '--sp-key', 'sp.key'], /--sp-key and --sp-cert go together/],
      [
        ['init', '--id', 'acme', '--base-url', 'ftp://app.example.com'],
        /the tenant would not validate:\n\s+sp\./,
      ],
    ] as const) {
      const run = await cli(argv, { files: { 'idp.pem': KEYS.idp.cert, 'not-pem.txt': 'hello' } });
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.written.size, 0);
    }
  });
});

describe('CLI fixes of issue #15', () => {
  it('metadata sp takes a draft tenant (no idp yet) and still refuses an invalid one', async () => {
    const draft = {
      id: 'acme',
      sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
    };
    const run = await cli(['metadata', 'sp', '--tenant', 'draft.json'], {
      files: { 'draft.json': JSON.stringify(draft) },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^<\?xml|^<md:EntityDescriptor/);
    const bad = await cli(['metadata', 'sp', '--tenant', 'bad.json'], {
      files: { 'bad.json': JSON.stringify({ id: 'acme', sp: { entityId: 'x' } }) },
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.json: Invalid tenant configuration/);
  });

  it('setup --idp entra (and entra-id) means the azure preset', async () => {
    const files = {
      'draft.json': JSON.stringify({
        id: 'acme',
        sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
      }),
    };
    const azure = await cli(['setup', '--tenant', 'draft.json', '--idp', 'azure'], { files });
    for (const name of ['entra', 'entra-id', 'Entra']) {
      const run = await cli(['setup', '--tenant', 'draft.json', '--idp', name], { files });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, azure.stdout);
    }
  });

  it('inspect says verify decrypts an EncryptedAssertion (it does not claim samlkit cannot)', async () => {
    const xml = `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="_r" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/></xenc:EncryptedData></saml:EncryptedAssertion></samlp:Response>`;
    const run = await cli(['inspect', '-'], { stdin: xml });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /does not decrypt/);
    assert.match(run.stdout, /samlkit verify --tenant tenant\.json" decrypts and checks it/);
  });
});
