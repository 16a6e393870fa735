/**
 * Duplicate and malformed IDs: xml-crypto resolves `ID`, `Id` and `id` in any namespace, so a second
 * element carrying the signed ID could be the one that gets digested or read. Every ID-like attribute
 * in the document must be a unique NCName. Edits go to unsigned places of an assertion-signed
 * Response, so the signature stays valid.
 */
import { describe, it } from 'node:test';
import { buildResponse, signed } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';

const good = signed(buildResponse(), 'assertion');
const withExtension = (markup: string): string =>
  good.replace('<samlp:Status>', `<samlp:Extensions>${markup}</samlp:Extensions><samlp:Status>`);
const responseId = (id: string): string => good.replace('ID="_resp1"', `ID="${id}"`);

describe('duplicate and malformed IDs', () => {
  it('Response carries the same ID as the signed assertion', async () => {
    await expectCode(verify(responseId('_assert1')), 'DUPLICATE_ID');
  });

  it("element in Extensions carrying the signed assertion's ID", async () => {
    await expectCode(verify(withExtension('<x:E xmlns:x="urn:x" ID="_assert1">evil</x:E>')), 'DUPLICATE_ID');
  });

  it('second element with the signed ID as "Id"', async () => {
    await expectCode(verify(withExtension('<x:E xmlns:x="urn:x" Id="_assert1"/>')), 'DUPLICATE_ID');
  });

  it('second element with the signed ID as "id"', async () => {
    await expectCode(verify(withExtension('<x:E xmlns:x="urn:x" id="_assert1"/>')), 'DUPLICATE_ID');
  });

  it('second element with the signed ID as wsu:Id', async () => {
    const wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
    await expectCode(
      verify(withExtension(`<x:E xmlns:x="urn:x" xmlns:wsu="${wsu}" wsu:Id="_assert1"/>`)),
      'DUPLICATE_ID',
    );
  });

  it('second element with the signed ID in a foreign namespace (evil:ID)', async () => {
    await expectCode(verify(withExtension('<x:E xmlns:x="urn:x" x:ID="_assert1"/>')), 'DUPLICATE_ID');
  });

  it('second element with the signed ID as xml:id', async () => {
    await expectCode(verify(withExtension('<x:E xmlns:x="urn:x" xml:id="_assert1"/>')), 'DUPLICATE_ID');
  });

  it('KeyInfo of the signature carrying the signed ID', async () => {
    await expectCode(verify(good.replace('<ds:KeyInfo>', '<ds:KeyInfo Id="_assert1">')), 'DUPLICATE_ID');
  });

  it('assertion ID with XPointer-like syntax, signed by the IdP', async () => {
    await expectCode(verify(signed(buildResponse({ assertionId: '_a(1)' }))), 'DUPLICATE_ID');
  });

  it('Response ID containing a colon', async () => {
    await expectCode(verify(responseId('_a:b')), 'DUPLICATE_ID');
  });

  it('empty Response ID', async () => {
    await expectCode(verify(responseId('')), 'DUPLICATE_ID');
  });

  it('Response ID with trailing whitespace', async () => {
    await expectCode(verify(responseId('_resp1 ')), 'DUPLICATE_ID');
  });

  it('Response ID built for XPath injection', async () => {
    await expectCode(verify(responseId("_x' or '1'='1")), 'DUPLICATE_ID');
  });
});
