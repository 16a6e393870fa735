/**
 * SimpleSAMLphp (Debian's 1.19, PHP, xmlseclibs: no code shared with samlkit) imports our SP
 * metadata the way its IdP does when an admin adds us, and checks the metadata signature.
 * Skipped when php or SimpleSAMLphp is missing, except in CI (CI=true), where that fails.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildSpMetadata } from '../../src/metadata/sp.js';
import type { TenantConfig } from '../../src/types.js';
import { KEYS } from '../helpers/constants.js';

const INSTALL = 'bash .ci/install-system-deps.sh (simplesamlphp, php8.2-cli, php8.2-xml)';
const available =
  spawnSync('php', ['--version']).status === 0 && existsSync('/usr/share/simplesamlphp/lib/_autoload.php');
const skip = available || process.env.CI === 'true' ? false : `SimpleSAMLphp not installed: ${INSTALL}`;
const PARSER = fileURLToPath(new URL('php/parse-sp-metadata.php', import.meta.url));

interface ParsedSp {
  entityId: string;
  acs: { Binding: string; Location: string; index: number; isDefault: boolean }[];
  slo: { Binding: string; Location: string }[] | null;
  keys: { signing: boolean; encryption: boolean }[];
  nameIdFormat: string | null;
  authnRequestsSigned: boolean | null;
  wantAssertionsSigned: boolean | null;
  signatureValid: boolean | null;
}

const tenant: TenantConfig = {
  id: 'acme',
  sp: {
    entityId: 'https://app.example.com/saml/acme',
    acsUrl: 'https://app.example.com/saml/acme/acs',
    signing: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    nextSigning: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
  },
  idp: { entityId: 'https://idp.example.com/', certificates: [KEYS.attacker.cert] },
};

describe('SP metadata, imported by SimpleSAMLphp', { skip }, () => {
  let dir = '';
  const path = (name: string): string => join(dir, name);
  const parse = (xml: string, cert?: string): ParsedSp[] => {
    writeFileSync(path('metadata.xml'), xml);
    const args = [PARSER, path('metadata.xml'), ...(cert === undefined ? [] : [cert])];
    return JSON.parse(execFileSync('php', args, { encoding: 'utf8' })) as ParsedSp[];
  };

  before(() => {
    assert.ok(available, `SimpleSAMLphp is required when CI=true: ${INSTALL}`);
    dir = mkdtempSync(join(tmpdir(), 'samlkit-ssp-'));
    writeFileSync(path('sp.crt'), KEYS.idp.cert);
    writeFileSync(path('other.crt'), KEYS.attacker.cert);
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reads the entity, ACS, SLO, both rollover keys, NameID format and signing flags', () => {
    const xml = buildSpMetadata(tenant, { validDays: 7, sloUrl: 'https://app.example.com/saml/acme/slo' });
    const [sp, ...more] = parse(xml);
    assert.equal(more.length, 0);
    assert.ok(sp);
    assert.equal(sp.entityId, 'https://app.example.com/saml/acme');
    assert.deepEqual(sp.acs, [
      {
        Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        Location: 'https://app.example.com/saml/acme/acs',
        index: 0,
        isDefault: true,
      },
    ]);
    assert.deepEqual(sp.slo, [
      {
        Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
        Location: 'https://app.example.com/saml/acme/slo',
      },
      {
        Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        Location: 'https://app.example.com/saml/acme/slo',
      },
    ]);
    assert.deepEqual(sp.keys, [
      { signing: true, encryption: false },
      { signing: true, encryption: false },
    ]);
    assert.equal(sp.nameIdFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.equal(sp.authnRequestsSigned, true);
    assert.equal(sp.wantAssertionsSigned, true);
  });

  it('validates the metadata signature with our certificate, and not once changed or with another', () => {
    const xml = buildSpMetadata(tenant, { sign: true, validDays: 7 });
    assert.equal(parse(xml, path('sp.crt'))[0]?.signatureValid, true);
    assert.equal(parse(xml, path('other.crt'))[0]?.signatureValid, false);
    const changed = xml.replace('saml/acme/acs', 'saml/evil/acs');
    assert.equal(parse(changed, path('sp.crt'))[0]?.signatureValid, false);
  });
});
