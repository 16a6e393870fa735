/**
 * Whatever arrives in the form, verifyResponse rejects with a SamlError: never a TypeError, a
 * RangeError from a decoder, or a crash. Non-strings are never coerced (an array from a duplicated
 * form field, an object with a toString), and bytes must be strict base64 of strict UTF-8.
 */
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { buildResponse, signed } from '../helpers/idp.js';
import { expectCode, verifyForm, type Form } from '../helpers/expect.js';

const good = signed(buildResponse(), 'assertion');
const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64');
const GOOD64 = b64(good);
const post = (SAMLResponse: unknown): Promise<unknown> => verifyForm({ SAMLResponse });
const bytesWith = (raw: number[]): string => {
  const [head, tail] = good.split('alice@example.com</saml:NameID>') as [string, string];
  return b64(Buffer.concat([Buffer.from(head), Buffer.from(raw), Buffer.from(`</saml:NameID>${tail}`)]));
};

describe('the form is not what it should be', () => {
  it('form is null', async () => {
    await expectCode(verifyForm(null as unknown as Form), 'INVALID_ENCODING');
  });
  it('form is undefined', async () => {
    await expectCode(verifyForm(undefined as unknown as Form), 'INVALID_ENCODING');
  });
  it('form is the base64 string itself', async () => {
    await expectCode(verifyForm(GOOD64 as unknown as Form), 'INVALID_ENCODING');
  });
  it('SAMLResponse field missing', async () => {
    await expectCode(verifyForm({}), 'INVALID_ENCODING');
  });
  it('SAMLResponse is null', async () => {
    await expectCode(post(null), 'INVALID_ENCODING');
  });
  it('SAMLResponse is a number', async () => {
    await expectCode(post(12345), 'INVALID_ENCODING');
  });
  it('SAMLResponse is a boolean', async () => {
    await expectCode(post(true), 'INVALID_ENCODING');
  });
  it('SAMLResponse is an array (duplicated form field)', async () => {
    await expectCode(post([GOOD64, GOOD64]), 'INVALID_ENCODING');
  });
  it('SAMLResponse is a one-element array holding a valid response', async () => {
    await expectCode(post([GOOD64]), 'INVALID_ENCODING');
  });
  it('SAMLResponse is an object whose toString returns a valid response', async () => {
    await expectCode(post({ toString: () => GOOD64 }), 'INVALID_ENCODING');
  });
  it('SAMLResponse is a Buffer', async () => {
    await expectCode(post(Buffer.from(GOOD64)), 'INVALID_ENCODING');
  });
  // A polluted Object.prototype.SAMLResponse must not be read.
  it('SAMLResponse inherited from the prototype', async () => {
    await expectCode(verifyForm(Object.create({ SAMLResponse: GOOD64 }) as Form), 'INVALID_ENCODING');
  });
});

describe('the string is not base64', () => {
  it('empty string', async () => {
    await expectCode(post(''), 'INVALID_ENCODING');
  });
  it('whitespace only', async () => {
    await expectCode(post(' \r\n\t '), 'INVALID_ENCODING');
  });
  it('punctuation', async () => {
    await expectCode(post('!!!!'), 'INVALID_ENCODING');
  });
  it('bad padding', async () => {
    await expectCode(post('abc'), 'INVALID_ENCODING');
  });
  it('valid base64 with junk characters interspersed (lenient decoders skip them)', async () => {
    await expectCode(post(`${GOOD64.slice(0, 100)}!*${GOOD64.slice(100)}`), 'INVALID_ENCODING');
  });
  it('base64 with data after the padding', async () => {
    await expectCode(post(`${b64(`${good} `)}PGEvPg==`), 'INVALID_ENCODING');
  });
  it('base64url alphabet', async () => {
    await expectCode(post(Buffer.from(good).toString('base64url')), 'INVALID_ENCODING');
  });
  it('lone surrogate in the string', async () => {
    await expectCode(post(`${GOOD64.slice(0, 8)}\ud800${GOOD64.slice(8)}`), 'INVALID_ENCODING');
  });
  it('50 MB string', async () => {
    await expectCode(post('QUFB'.repeat(13 * 1024 * 1024)), 'SIZE_LIMIT');
  });
});

describe('the bytes are not UTF-8 XML', () => {
  it('random binary garbage', async () => {
    await expectCode(post(b64(crypto.randomBytes(4096))), 'INVALID_ENCODING');
  });
  it('invalid UTF-8 sequence in the NameID', async () => {
    await expectCode(post(bytesWith([0xc3, 0x28])), 'INVALID_ENCODING');
  });
  it('overlong UTF-8 encoding of "<"', async () => {
    await expectCode(post(bytesWith([0xc0, 0xbc])), 'INVALID_ENCODING');
  });
  it('UTF-8-encoded surrogate', async () => {
    await expectCode(post(bytesWith([0xed, 0xa0, 0x80])), 'INVALID_ENCODING');
  });
  it('UTF-16LE with a BOM', async () => {
    await expectCode(
      post(b64(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]))),
      'INVALID_ENCODING',
    );
  });
  it('UTF-16BE with a BOM', async () => {
    const le = Buffer.from(good, 'utf16le');
    await expectCode(
      post(b64(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]))),
      'INVALID_ENCODING',
    );
  });
  it('UTF-16LE without a BOM (valid UTF-8 full of NULs)', async () => {
    await expectCode(post(b64(Buffer.from(good, 'utf16le'))), 'MALFORMED_XML');
  });
  it('NUL bytes inside the document', async () => {
    await expectCode(post(bytesWith([0x00])), 'MALFORMED_XML');
  });
  it('plain text', async () => {
    await expectCode(post(b64('hello')), 'MALFORMED_XML');
  });
  it('JSON', async () => {
    await expectCode(post(b64('{"nameId":"admin@example.com"}')), 'MALFORMED_XML');
  });
  it('an HTML page', async () => {
    await expectCode(post(b64('<!doctype html><html><body>502 Bad Gateway</body></html>')), 'DTD_FORBIDDEN');
  });
  it('only an XML declaration', async () => {
    await expectCode(post(b64('<?xml version="1.0" encoding="UTF-8"?>')), 'MALFORMED_XML');
  });
  it('an empty samlp:Response element', async () => {
    await expectCode(
      post(
        b64(
          '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" IssueInstant="2027-01-15T12:00:00Z"/>',
        ),
      ),
      'MALFORMED_XML',
    );
  });
});
