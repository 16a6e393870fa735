/**
 * Sizes and deflate bombs: every stage is capped (form field, decoded bytes, tree depth, node and
 * attribute counts), and the caller cannot lift the cap past 4 MiB. Deep trees must not blow the
 * stack: the result is a SamlError, never a RangeError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { buildResponse, signed } from '../helpers/idp.js';
import { expectCode, verify, verifyForm } from '../helpers/expect.js';

const good = signed(buildResponse(), 'assertion');
const withExtension = (markup: string): string =>
  good.replace('<samlp:Status>', `<samlp:Extensions>${markup}</samlp:Extensions><samlp:Status>`);
const BIG = { checks: { maxResponseBytes: 4 * 1024 * 1024 } };

describe('sizes', () => {
  it('10 MB SAMLResponse form field', async () => {
    await expectCode(verifyForm({ SAMLResponse: 'A'.repeat(10 * 1024 * 1024) }), 'SIZE_LIMIT');
  });

  it('valid base64 hidden after 10 MB of whitespace', async () => {
    const b64 = Buffer.from(good).toString('base64');
    await expectCode(verifyForm({ SAMLResponse: ' '.repeat(10 * 1024 * 1024) + b64 }), 'SIZE_LIMIT');
  });

  it('decoded response larger than checks.maxResponseBytes', async () => {
    await expectCode(verify(good, { checks: { maxResponseBytes: 2000 } }), 'SIZE_LIMIT');
  });

  it('300 KiB response against the default 256 KiB cap', async () => {
    await expectCode(
      verify(withExtension(`<x:Pad xmlns:x="urn:x">${'p'.repeat(300 * 1024)}</x:Pad>`)),
      'SIZE_LIMIT',
    );
  });

  it('caller cannot lift the cap past 4 MiB (1 GiB is refused as a programming error)', async () => {
    await assert.rejects(verify(good, { checks: { maxResponseBytes: 1024 * 1024 * 1024 } }), TypeError);
  });

  it('5 MiB response at the 4 MiB maximum cap', async () => {
    const xml = withExtension(`<x:Pad xmlns:x="urn:x">${'p'.repeat(5 * 1024 * 1024)}</x:Pad>`);
    await expectCode(verify(xml, BIG), 'SIZE_LIMIT');
  });

  it('deeply nested elements (5 000 levels)', async () => {
    const n = 5000;
    await expectCode(
      verify(withExtension(`<d xmlns="urn:x">${'<d>'.repeat(n)}${'</d>'.repeat(n + 1)}`), BIG),
      'SIZE_LIMIT',
    );
  });

  it('very deeply nested elements (200 000 levels) do not overflow the stack', async () => {
    const n = 200_000;
    await expectCode(
      verify(withExtension(`<d xmlns="urn:x">${'<d>'.repeat(n)}${'</d>'.repeat(n + 1)}`), BIG),
      'SIZE_LIMIT',
    );
  });

  it('5 000 attributes on one element', async () => {
    const attrs = Array.from({ length: 5000 }, (_, i) => `a${i}="1"`).join(' ');
    await expectCode(verify(withExtension(`<x:E xmlns:x="urn:x" ${attrs}/>`), BIG), 'SIZE_LIMIT');
  });

  it('200 000 sibling elements', async () => {
    await expectCode(
      verify(withExtension(`<x:E xmlns:x="urn:x">${'<x:n/>'.repeat(200_000)}</x:E>`), BIG),
      'SIZE_LIMIT',
    );
  });

  it('50 000 group values (node count inside the signed assertion)', async () => {
    const xml = signed(
      buildResponse({ attributes: { groups: Array.from({ length: 50_000 }, (_, i) => `g${i}`) } }),
    );
    await expectCode(verify(xml, BIG), 'SIZE_LIMIT');
  });

  it('deflate bomb posted as SAMLResponse is not inflated', async () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(50 * 1024 * 1024, 0x3c));
    await expectCode(verifyForm({ SAMLResponse: bomb.toString('base64') }), 'INVALID_ENCODING');
  });
});
