/**
 * decodePostedResponse: the SAMLResponse field of the HTTP-POST binding form to XML text, with strict base64, size
 * caps before and after decoding, and strict UTF-8.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  decodePostedResponse,
  MAX_RESPONSE_BYTES,
} from '../../src/response/decode.js';
import { expectCodeSync } from '../helpers/expect.js';

const XML = '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0"/>';
const B64 = Buffer.from(XML).toString('base64');

const base64Of = (bytes: readonly number[]): string => Buffer.from(bytes).toString('base64');

describe('decodePostedResponse', () => {
  it('decodes the base64 SAMLResponse field to the XML text', () => {
    assert.equal(
      decodePostedResponse({ SAMLResponse: B64, RelayState: 'x' }, DEFAULT_MAX_RESPONSE_BYTES),
      XML,
    );
  });

  it('decodes multi-byte UTF-8', () => {
    const text = '<r>kchen七味@shichimitogarashi.org 😀 é</r>';
    const decoded = decodePostedResponse({ SAMLResponse: Buffer.from(text).toString('base64') }, 1024);
    assert.equal(decoded, text);
  });

  it('the default and maximum caps are 256 KiB and 4 MiB', () => {
    assert.equal(DEFAULT_MAX_RESPONSE_BYTES, 256 * 1024);
    assert.equal(MAX_RESPONSE_BYTES, 4 * 1024 * 1024);
  });

  describe('missing field (INVALID_ENCODING)', () => {
    for (const [name, form] of [
      ['no form', undefined],
      ['a null form', null],
      ['a string form', B64],
      ['a number form', 42],
      ['an empty form', {}],
      ['SAMLResponse in another case', { samlresponse: B64 }],
      ['RelayState only', { RelayState: B64 }],
    ] as const) {
      it(name, () => {
        expectCodeSync(() => decodePostedResponse(form, DEFAULT_MAX_RESPONSE_BYTES), 'INVALID_ENCODING');
      });
    }
  });

  describe('non-string field (INVALID_ENCODING)', () => {
    for (const [name, value] of [
      ['a number', 42],
      ['null', null],
      ['a repeated form field (array)', [B64, B64]],
      ['a one-element array', [B64]],
      ['an object', { value: B64 }],
      ['a Buffer', Buffer.from(XML)],
      ['a boxed String', Object(B64) as object],
    ] as const) {
      it(name, () => {
        expectCodeSync(
          () => decodePostedResponse({ SAMLResponse: value }, DEFAULT_MAX_RESPONSE_BYTES),
          'INVALID_ENCODING',
        );
      });
    }
  });

  it('an empty field (INVALID_ENCODING)', () => {
    expectCodeSync(
      () => decodePostedResponse({ SAMLResponse: '' }, DEFAULT_MAX_RESPONSE_BYTES),
      'INVALID_ENCODING',
    );
  });

  it('a field of white space only is empty once unwrapped, and refused like an empty one (INVALID_ENCODING)', () => {
    expectCodeSync(
      () => decodePostedResponse({ SAMLResponse: ' \r\n\t ' }, DEFAULT_MAX_RESPONSE_BYTES),
      'INVALID_ENCODING',
    );
  });

  it('a SAMLResponse inherited from the prototype is ignored (INVALID_ENCODING)', () => {
    const inherited: unknown = Object.create({ SAMLResponse: B64 });
    expectCodeSync(() => decodePostedResponse(inherited, DEFAULT_MAX_RESPONSE_BYTES), 'INVALID_ENCODING');
    const nullPrototype: unknown = Object.assign(Object.create(null), { SAMLResponse: B64 });
    assert.equal(decodePostedResponse(nullPrototype, DEFAULT_MAX_RESPONSE_BYTES), XML);
  });

  describe('invalid base64 (INVALID_ENCODING)', () => {
    for (const [name, value] of [
      ['characters outside the alphabet', '!!!!'],
      ['a length that is not a multiple of 4', B64.slice(0, -1)],
      ['missing padding', 'YQ'],
      ['too much padding', 'YQ==='],
      ['padding in the middle (two concatenated chunks)', 'YQ==YQ=='],
      ['base64url alphabet', Buffer.from([0xfb, 0xff, 0xfe]).toString('base64url')],
      ['a data: URL prefix', `data:application/xml;base64,${B64}`],
      ['URL-encoded base64 (%2B)', 'PHI%2BPC9yPg=='],
      ['URL-encoded padding (%3D)', 'PHI+PC9yPg%3D%3D'],
      ['a form-feed inside', `${B64.slice(0, 4)}\f${B64.slice(4)}`],
      ['a non-breaking space inside', `${B64.slice(0, 4)}\u00a0${B64.slice(4)}`],
      ['unused bits set in the last group (not canonical, RFC 4648 §3.5)', 'YR=='],
      ['padding inside wrapped lines', 'YQ==\r\nYQ=='],
    ] as const) {
      it(name, () => {
        expectCodeSync(
          () => decodePostedResponse({ SAMLResponse: value }, DEFAULT_MAX_RESPONSE_BYTES),
          'INVALID_ENCODING',
        );
      });
    }
  });

  it('the URL-decoded form of %2B-encoded base64 decodes', () => {
    assert.equal(
      decodePostedResponse({ SAMLResponse: decodeURIComponent('PHI%2BPC9yPg==') }, 100),
      '<r></r>',
    );
  });

  it('accepts base64 wrapped at 76 columns with CRLF, LF, spaces and tabs', () => {
    const long = `<r>${'x'.repeat(500)}</r>`;
    const b64 = Buffer.from(long).toString('base64');
    const lines = b64.match(/.{1,76}/g) ?? [];
    for (const separator of ['\r\n', '\n', ' ', '\t', ' \r\n ']) {
      assert.equal(
        decodePostedResponse({ SAMLResponse: lines.join(separator) }, 1024),
        long,
        JSON.stringify(separator),
      );
    }
    assert.equal(decodePostedResponse({ SAMLResponse: `\r\n${b64}\r\n` }, 1024), long);
  });

  describe('size caps (SIZE_LIMIT)', () => {
    it('exactly maxBytes decoded bytes are accepted', () => {
      const text = 'x'.repeat(30);
      assert.equal(decodePostedResponse({ SAMLResponse: Buffer.from(text).toString('base64') }, 30), text);
    });

    it('one byte more than maxBytes after decoding is refused', () => {
      // 31 bytes → 44 base64 characters, under the 2 × 30 characters allowed before decoding.
      const field = Buffer.from('x'.repeat(31)).toString('base64');
      assert.ok(field.length <= 60);
      expectCodeSync(() => decodePostedResponse({ SAMLResponse: field }, 30), 'SIZE_LIMIT');
    });

    it('a field longer than 2 × maxBytes characters is refused before decoding (even if not base64)', () => {
      // Not base64 at all: only a check before decoding can answer SIZE_LIMIT rather than INVALID_ENCODING.
      expectCodeSync(() => decodePostedResponse({ SAMLResponse: '!'.repeat(61) }, 30), 'SIZE_LIMIT');
      expectCodeSync(() => decodePostedResponse({ SAMLResponse: ' '.repeat(61) }, 30), 'SIZE_LIMIT');
      expectCodeSync(
        () =>
          decodePostedResponse(
            { SAMLResponse: 'A'.repeat(DEFAULT_MAX_RESPONSE_BYTES * 2 + 1) },
            DEFAULT_MAX_RESPONSE_BYTES,
          ),
        'SIZE_LIMIT',
      );
    });

    it('a field of exactly 2 × maxBytes characters is judged on its decoded size', () => {
      expectCodeSync(() => decodePostedResponse({ SAMLResponse: '!'.repeat(60) }, 30), 'INVALID_ENCODING');
    });

    it('an oversized field at the default cap is refused before decoding', () => {
      expectCodeSync(
        () =>
          decodePostedResponse(
            { SAMLResponse: 'A'.repeat(MAX_RESPONSE_BYTES * 2 + 4) },
            DEFAULT_MAX_RESPONSE_BYTES,
          ),
        'SIZE_LIMIT',
      );
    });
  });

  describe('invalid UTF-8 (INVALID_ENCODING)', () => {
    for (const [name, bytes] of [
      ['a lone 0xFF byte', [0x3c, 0x72, 0xff, 0x3e]],
      ['a lone continuation byte', [0x3c, 0x72, 0x80, 0x3e]],
      ['an overlong encoding of "/"', [0x3c, 0xc0, 0xaf, 0x3e]],
      ['an encoded surrogate (CESU-8)', [0x3c, 0xed, 0xa0, 0x80, 0x3e]],
      ['a truncated sequence at the end', [0x3c, 0x72, 0x3e, 0xe2, 0x82]],
      ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
      ['Latin-1 é', [0x3c, 0x72, 0x3e, 0xe9, 0x3c, 0x2f, 0x72, 0x3e]],
      ['UTF-16LE with a BOM', [0xff, 0xfe, 0x3c, 0x00, 0x72, 0x00, 0x2f, 0x00, 0x3e, 0x00]],
    ] as const) {
      it(name, () => {
        expectCodeSync(
          () => decodePostedResponse({ SAMLResponse: base64Of(bytes) }, DEFAULT_MAX_RESPONSE_BYTES),
          'INVALID_ENCODING',
        );
      });
    }
  });
});
