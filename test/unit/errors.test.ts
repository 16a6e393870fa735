/**
 * SamlError: its fields, personal data kept out of enumeration (JSON logs) but readable, and the cause chain.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { defineTenant, SamlError, verifyResponse } from '../../src/index.js';
import { ENTRA } from '../helpers/entra-fixture.js';

const EMAIL = 'alice@example.com';

describe('SamlError', () => {
  it('carries code, hint, expected, received, tenantId and message, and is an Error named SamlError', () => {
    const error = new SamlError('AUDIENCE_MISMATCH', 'The assertion is not addressed to this application', {
      hint: 'Set the audience in the IdP.',
      expected: 'https://sp.example.com/',
      received: 'https://other.example.com/',
      tenantId: 'acme',
    });
    assert.ok(error instanceof Error);
    assert.ok(error instanceof SamlError);
    assert.equal(error.name, 'SamlError');
    assert.equal(error.code, 'AUDIENCE_MISMATCH');
    assert.equal(error.message, 'The assertion is not addressed to this application');
    assert.equal(error.hint, 'Set the audience in the IdP.');
    assert.equal(error.expected, 'https://sp.example.com/');
    assert.equal(error.received, 'https://other.example.com/');
    assert.equal(error.tenantId, 'acme');
    assert.match(String(error), /^SamlError: The assertion is not addressed/);
    assert.match(error.stack ?? '', /SamlError/);
  });

  it('keeps a list of expected values', () => {
    const error = new SamlError('KEY_UNTRUSTED', 'untrusted', { hint: 'h', expected: ['AA:BB', 'CC:DD'] });
    assert.deepEqual(error.expected, ['AA:BB', 'CC:DD']);
  });

  it('leaves optional fields undefined when not given', () => {
    const error = new SamlError('MALFORMED_XML', 'bad', { hint: 'h' });
    assert.equal(error.expected, undefined);
    assert.equal(error.received, undefined);
    assert.equal(error.tenantId, undefined);
    assert.equal(error.cause, undefined);
    assert.ok(!('cause' in error), 'no cause property without a cause');
    assert.deepEqual(JSON.parse(JSON.stringify(error)), {
      name: 'SamlError',
      code: 'MALFORMED_XML',
      hint: 'h',
    });
  });

  it('non-personal received values are enumerable and appear in JSON', () => {
    const error = new SamlError('ISSUER_MISMATCH', 'bad issuer', {
      hint: 'h',
      received: 'https://idp.example/',
    });
    assert.ok(Object.keys(error).includes('received'));
    assert.ok(JSON.stringify(error).includes('https://idp.example/'));
  });

  it('personal received values stay out of Object.keys, JSON.stringify and util.inspect, but are readable', () => {
    const error = new SamlError('NAMEID_NOT_EMAIL', 'not an email', {
      hint: 'h',
      received: EMAIL,
      receivedIsPersonal: true,
      tenantId: 'acme',
    });
    assert.equal(error.received, EMAIL);
    assert.ok(!Object.keys(error).includes('received'));
    assert.ok(!JSON.stringify(error).includes(EMAIL), JSON.stringify(error));
    assert.ok(!JSON.stringify(Object.fromEntries(Object.entries(error))).includes(EMAIL));
    assert.ok(!inspect(error).includes(EMAIL), inspect(error));
    assert.equal(Object.getOwnPropertyDescriptor(error, 'received')?.enumerable, false);
    // The tenant id is not personal and still logged.
    assert.ok(JSON.stringify(error).includes('acme'));
  });

  it('received cannot be overwritten', () => {
    const error = new SamlError('NAMEID_NOT_EMAIL', 'x', {
      hint: 'h',
      received: EMAIL,
      receivedIsPersonal: true,
    });
    assert.throws(() => {
      (error as { received?: string }).received = 'other';
    }, TypeError);
    assert.equal(error.received, EMAIL);
  });

  it('keeps the cause (standard Error cause), including non-Error causes', () => {
    const cause = new Error('redis: connection refused');
    const error = new SamlError('STORE_UNAVAILABLE', 'store failed', { hint: 'h', cause });
    assert.equal(error.cause, cause);
    assert.ok(inspect(error).includes('redis: connection refused'));
    const odd = new SamlError('STORE_UNAVAILABLE', 'store failed', { hint: 'h', cause: 'timeout' });
    assert.equal(odd.cause, 'timeout');
  });
});

describe('SamlError from verifyResponse', () => {
  const NAME_ID = ENTRA.nameId;
  const tenant = defineTenant({ ...ENTRA.tenant, emailDomains: ['example.com'] });
  const form = { SAMLResponse: ENTRA.xml.toString('base64') };
  const checks = ENTRA.checks;

  it('a rejected user’s address is readable on the error but absent from its JSON and inspection', async () => {
    await assert.rejects(verifyResponse(tenant, form, checks), (error: unknown) => {
      assert.ok(error instanceof SamlError, String(error));
      assert.equal(error.code, 'EMAIL_DOMAIN_NOT_ALLOWED');
      assert.equal(error.received, NAME_ID);
      assert.equal(error.tenantId, 'azure');
      assert.deepEqual(error.expected, ['example.com']);
      for (const text of [JSON.stringify(error), inspect(error), error.message, error.hint]) {
        assert.ok(!text.includes('fumieval'), `personal data leaked into: ${text}`);
      }
      return true;
    });
  });

  it('a failing replay cache becomes STORE_UNAVAILABLE with the store error as cause', async () => {
    const open = defineTenant({ ...tenant, emailDomains: [] });
    const cause = new Error('ECONNREFUSED');
    const replayCache = {
      remember: (): Promise<boolean> => Promise.reject(cause),
    };
    await assert.rejects(verifyResponse(open, form, { ...checks, replayCache }), (error: unknown) => {
      assert.ok(error instanceof SamlError, String(error));
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.equal(error.cause, cause);
      return true;
    });
  });
});
