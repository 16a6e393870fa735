/** explainResponse: the report of each check, on real and broken responses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTenant, explainResponse, type ResponseReport } from '../../src/index.js';
import { CHECKS } from '../../src/response/trace.js';
import { ENTRA } from '../helpers/entra-fixture.js';
import {
  buildResponse,
  KEYS,
  NOW,
  REQUEST_ID,
  signed,
  tenant as testTenant,
  toForm,
} from '../helpers/idp.js';

const form = { SAMLResponse: ENTRA.xml.toString('base64') };
const statusOf = (report: ResponseReport, name: string) =>
  report.checks.find((check) => check.name === name)?.status;

describe('explainResponse', () => {
  it('reports every check in order, passed or not applicable, for a real Entra ID response', async () => {
    const report = await explainResponse(defineTenant(ENTRA.tenant), form, ENTRA.checks);
    assert.equal(report.accepted, true);
    assert.deepEqual(
      report.checks.map((check) => check.name),
      CHECKS.map(([name]) => name),
    );
    assert.equal(statusOf(report, 'response-signature'), 'skipped', 'Entra signs the assertion only');
    assert.equal(statusOf(report, 'assertion-signature'), 'pass');
    assert.equal(statusOf(report, 'replay'), 'skipped', 'no replay cache given');
    const signature = report.checks.find((check) => check.name === 'assertion-signature');
    assert.match(
      signature?.note ?? '',
      /rsa-sha256 over a sha256 digest, verified with the pinned key [0-9A-F:]{95}/,
    );
    const validity = report.checks.find((check) => check.name === 'validity');
    assert.match(validity?.note ?? '', /NotOnOrAfter 2724 s from now/);
  });

  it('redacts the NameID and email unless asked', async () => {
    const redacted = await explainResponse(ENTRA.tenant, form, ENTRA.checks);
    assert.equal(redacted.profile?.email, 'f***@herpdev.onmicrosoft.com');
    assert.equal(
      redacted.checks.find((check) => check.name === 'subject')?.received,
      'f***@herpdev.onmicrosoft.com',
    );
    assert.ok(!JSON.stringify(redacted).includes(ENTRA.nameId));
    const clear = await explainResponse(ENTRA.tenant, form, ENTRA.checks, { showPersonalData: true });
    assert.equal(clear.profile?.email, ENTRA.nameId);
  });

  it('names the failed check, with hint, expected and received, and skips the rest', async () => {
    const other = {
      ...ENTRA.tenant,
      sp: { ...ENTRA.tenant.sp, entityId: 'https://app.example.com/saml/acme' },
    };
    const report = await explainResponse(other, form, ENTRA.checks);
    assert.equal(report.accepted, false);
    assert.equal(report.error?.code, 'AUDIENCE_MISMATCH');
    const audience = report.checks.find((check) => check.name === 'audience');
    assert.equal(audience?.status, 'fail');
    assert.equal(audience.expected, 'https://app.example.com/saml/acme');
    assert.equal(audience.received, 'https://loopback.ja-sore.de:3443/');
    assert.match(audience.hint ?? '', /Identifier \(Entity ID\)/);
    const after = report.checks.slice(report.checks.indexOf(audience) + 1);
    assert.ok(after.every((check) => check.status === 'skipped'));
  });

  it('shows the fingerprints of the signing key and of the pinned ones for KEY_UNTRUSTED', async () => {
    const xml = signed(buildResponse(), 'assertion', KEYS.attacker);
    const report = await explainResponse(testTenant(), toForm(xml), {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
    });
    assert.equal(report.error?.code, 'KEY_UNTRUSTED');
    const failed = report.checks.find((check) => check.status === 'fail');
    assert.equal(failed?.name, 'assertion-signature');
    assert.match(failed.received ?? '', /^[0-9A-F:]{95}$/);
    assert.ok(Array.isArray(failed.expected));
  });

  it('never throws for garbage input', async () => {
    for (const SAMLResponse of [
      undefined,
      '',
      '%%%',
      'PHg+',
      Buffer.from('<!DOCTYPE x><x/>').toString('base64'),
    ]) {
      const report = await explainResponse(ENTRA.tenant, { SAMLResponse }, ENTRA.checks);
      assert.equal(report.accepted, false);
      assert.equal(report.checks.filter((check) => check.status === 'fail').length, 1);
    }
  });
});
