/**
 * Comment / CDATA / PI text splitting (the 2018 family, CVE-2017-11427 and friends): exclusive c14n
 * drops comments and turns CDATA into text, so the attacker can split a signed value after signing
 * without breaking the signature. A verifier reading `firstChild` instead of the full `textContent`
 * sees the truncated value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document, Element, Node } from '@xmldom/xmldom';
import { buildResponse, DEFAULT_ATTRIBUTES, IDP_ENTITY_ID, NS, signed, tenant } from '../helpers/idp.js';
import { expectCode, verify, type TenantConfig } from '../helpers/expect.js';
import { edit, one, text } from '../helpers/mutate.js';

/** Splits the text of `el` after `at` characters with `make(doc)` (a comment, CDATA or PI). */
function splitAfter(el: Element, at: string, make: (doc: Document) => Node): void {
  const v = el.textContent ?? '';
  const i = v.indexOf(at);
  if (i < 0) throw new Error(`"${at}" not in "${v}"`);
  text(el, v.slice(0, i + at.length));
  el.appendChild(make(el.ownerDocument!));
  el.appendChild(el.ownerDocument!.createTextNode(v.slice(i + at.length)));
}
const comment = (doc: Document): Node => doc.createComment('');

function withoutDomains(): TenantConfig {
  const t: { -readonly [K in keyof TenantConfig]: TenantConfig[K] } = { ...tenant() };
  delete t.emailDomains;
  return t;
}

const attackerNameId = signed(buildResponse({ nameId: 'alice@example.com.evil.com' }));
const split = (xml: string, local: string, at: string, make = comment, index = 0): string =>
  edit(xml, (doc) => {
    splitAfter(one(doc, NS.saml, local, index), at, make);
  });

describe('comment / CDATA / PI text splitting', () => {
  it('2018 comment injection: alice@example.com<!---->.evil.com must not pass as example.com', async () => {
    await expectCode(
      verify(split(attackerNameId, 'NameID', 'alice@example.com')),
      'EMAIL_DOMAIN_NOT_ALLOWED',
    );
  });

  it('2018 comment injection without a domain allow-list: profile holds the full signed NameID', async () => {
    const profile = await verify(split(attackerNameId, 'NameID', 'alice@example.com'), {
      tenant: withoutDomains(),
    });
    assert.equal(profile.nameId, 'alice@example.com.evil.com');
    assert.equal(profile.email, 'alice@example.com.evil.com');
  });

  it('several comments: alice@example.com<!--a-->.evil<!--b-->.com', async () => {
    const xml = edit(attackerNameId, (doc) => {
      const n = one(doc, NS.saml, 'NameID');
      splitAfter(n, 'alice@example.com', (d) => d.createComment('a'));
      splitAfter(n, '.evil', (d) => d.createComment('b'));
    });
    await expectCode(verify(xml), 'EMAIL_DOMAIN_NOT_ALLOWED');
  });

  it('empty CDATA section injected into the NameID after signing', async () => {
    const xml = split(attackerNameId, 'NameID', 'alice@example.com', (d) => d.createCDATASection(''));
    await expectCode(verify(xml), 'EMAIL_DOMAIN_NOT_ALLOWED');
  });

  it('processing instruction injected into the NameID after signing', async () => {
    const xml = split(attackerNameId, 'NameID', 'alice@example.com', (d) =>
      d.createProcessingInstruction('x', 'y'),
    );
    await expectCode(verify(xml), 'MALFORMED_XML');
  });

  it('comment injection in the email attribute (email from attribute)', async () => {
    const xml = signed(
      buildResponse({ attributes: { ...DEFAULT_ATTRIBUTES, email: ['alice@example.com.evil.com'] } }),
    );
    const t = tenant({ email: { from: 'attribute', name: 'email' } });
    await expectCode(
      verify(split(xml, 'AttributeValue', 'alice@example.com'), { tenant: t }),
      'EMAIL_DOMAIN_NOT_ALLOWED',
    );
  });

  it('CDATA injection in the email attribute (email from attribute)', async () => {
    const xml = signed(
      buildResponse({ attributes: { ...DEFAULT_ATTRIBUTES, email: ['alice@example.com.evil.com'] } }),
    );
    const t = tenant({ email: { from: 'attribute', name: 'email' } });
    const attacked = split(xml, 'AttributeValue', 'alice@example.com', (d) => d.createCDATASection(''));
    await expectCode(verify(attacked, { tenant: t }), 'EMAIL_DOMAIN_NOT_ALLOWED');
  });

  it('comment injection in a group value: admins<!---->-readonly stays admins-readonly', async () => {
    const xml = signed(buildResponse({ attributes: { ...DEFAULT_ATTRIBUTES, groups: ['admins-readonly'] } }));
    const profile = await verify(split(xml, 'AttributeValue', 'admins', comment, 3));
    assert.deepEqual(profile.groups, ['admins-readonly']);
    assert.deepEqual(profile.attributes.groups, ['admins-readonly']);
  });

  it('comment injection in the Audience (another SP whose entity ID extends ours)', async () => {
    const xml = signed(buildResponse({ audience: 'https://sp.example.com/saml/metadata.evil.example' }));
    await expectCode(
      verify(split(xml, 'Audience', 'https://sp.example.com/saml/metadata')),
      'AUDIENCE_MISMATCH',
    );
  });

  it('comment injection in the assertion Issuer', async () => {
    const xml = signed(buildResponse({ issuer: `${IDP_ENTITY_ID}.evil.example`, responseIssuer: null }));
    await expectCode(verify(split(xml, 'Issuer', IDP_ENTITY_ID)), 'ISSUER_MISMATCH');
  });

  it('comment inside a genuine NameID is read through (alice@exam<!---->ple.com)', async () => {
    const xml = signed(buildResponse());
    const profile = await verify(split(xml, 'NameID', 'alice@exam'));
    assert.equal(profile.nameId, 'alice@example.com');
  });
});
