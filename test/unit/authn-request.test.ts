import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { inflateRaw } from 'pako';
import { signatureOf, verifyEnvelopedSignature } from '../../src/crypto/signature.js';
import { parseCertificate, type TrustedKey } from '../../src/crypto/keys.js';
import { createAuthnRequest, MAX_RELAY_STATE_BYTES } from '../../src/request/authn-request.js';
import { POST_FORM_SCRIPT_HASH } from '../../src/request/bindings.js';
import type { TenantConfig } from '../../src/types.js';
import { parseXml } from '../../src/xml/parse.js';

const keys = new URL('../helpers/keys/', import.meta.url);
const spKey = readFileSync(new URL('rollover.key', keys), 'utf8');
const spCert = readFileSync(new URL('rollover.crt', keys), 'utf8');
const idpCert = readFileSync(new URL('idp.crt', keys), 'utf8');
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NOW = new Date('2027-01-15T12:00:00Z');

function tenant(overrides: Partial<TenantConfig> = {}, sp: Partial<TenantConfig['sp']> = {}): TenantConfig {
  return {
    id: 'acme',
    sp: {
      entityId: 'https://app.example.com/saml/acme',
      acsUrl: 'https://app.example.com/saml/acme/acs',
      ...sp,
    },
    idp: {
      entityId: 'https://idp.example.com',
      certificates: [idpCert],
      ssoUrl: 'https://idp.example.com/sso',
    },
    ...overrides,
  };
}
const signing = { signing: { privateKey: spKey, certificate: spCert } };

/** The query parameters of a Redirect URL, decoded, plus the raw query string. */
function redirectParts(url: string) {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const xml = new TextDecoder().decode(inflateRaw(Buffer.from(params.get('SAMLRequest') ?? '', 'base64')));
  return { parsed, params, xml, root: rootOf(xml) };
}

function rootOf(xml: string): Element {
  const root = new DOMParser().parseFromString(xml, 'application/xml').documentElement;
  assert.ok(root);
  return root;
}

function child(parent: Element, ns: string, name: string): Element | undefined {
  return Array.from(parent.childNodes).find(
    (node): node is Element =>
      node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === name,
  );
}

describe('createAuthnRequest: HTTP-Redirect binding (default)', () => {
  it('builds the request the Web Browser SSO profile asks for', () => {
    const request = createAuthnRequest(tenant(), { now: () => NOW });
    assert.equal(request.binding, 'redirect');
    const { parsed, params, root } = redirectParts(request.url);
    assert.equal(`${parsed.origin}${parsed.pathname}`, 'https://idp.example.com/sso');
    assert.deepEqual([...params.keys()], ['SAMLRequest']);
    assert.equal(root.namespaceURI, PROTOCOL);
    assert.equal(root.localName, 'AuthnRequest');
    assert.equal(root.getAttribute('ID'), request.id);
    assert.equal(root.getAttribute('Version'), '2.0');
    assert.equal(root.getAttribute('IssueInstant'), '2027-01-15T12:00:00.000Z');
    assert.equal(root.getAttribute('Destination'), 'https://idp.example.com/sso');
    assert.equal(root.getAttribute('AssertionConsumerServiceURL'), 'https://app.example.com/saml/acme/acs');
    assert.equal(root.getAttribute('ProtocolBinding'), 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    assert.equal(root.hasAttribute('ForceAuthn'), false);
    assert.equal(root.hasAttribute('IsPassive'), false);
    assert.equal(child(root, ASSERTION, 'Issuer')?.textContent, 'https://app.example.com/saml/acme');
    const policy = child(root, PROTOCOL, 'NameIDPolicy');
    assert.ok(policy);
    assert.equal(policy.getAttribute('Format'), 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.equal(policy.getAttribute('AllowCreate'), 'true');
    assert.equal(child(root, PROTOCOL, 'RequestedAuthnContext'), undefined);
  });

  it('gives every request a fresh, unguessable NCName ID', () => {
    const ids = new Set(Array.from({ length: 200 }, () => createAuthnRequest(tenant()).id));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.match(id, /^_[0-9a-f]{40}$/);
  });

  it('sets every option', () => {
    const request = createAuthnRequest(tenant(), {
      relayState: 'h_123',
      forceAuthn: true,
      isPassive: true,
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      allowCreate: false,
      requestedAuthnContext: {
        classes: ['urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract', 'urn:x:mfa'],
        comparison: 'minimum',
      },
    });
    const { params, root } = redirectParts(request.url);
    assert.equal(params.get('RelayState'), 'h_123');
    assert.equal(root.getAttribute('ForceAuthn'), 'true');
    assert.equal(root.getAttribute('IsPassive'), 'true');
    const policy = child(root, PROTOCOL, 'NameIDPolicy');
    assert.ok(policy);
    assert.equal(policy.getAttribute('Format'), 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    assert.equal(policy.getAttribute('AllowCreate'), 'false');
    const context = child(root, PROTOCOL, 'RequestedAuthnContext');
    assert.ok(context);
    assert.equal(context.getAttribute('Comparison'), 'minimum');
    const classes = Array.from(context.getElementsByTagNameNS(ASSERTION, 'AuthnContextClassRef'));
    assert.deepEqual(
      classes.map((c) => c.textContent),
      ['urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract', 'urn:x:mfa'],
    );
  });

  it('keeps an SSO URL that already has a query (Google: ?idpid=…)', () => {
    const t = tenant({
      idp: { ...tenant().idp, ssoUrl: 'https://accounts.google.com/o/saml2/idp?idpid=C01aa60hc' },
    });
    const { params } = redirectParts(createAuthnRequest(t).url);
    assert.equal(params.get('idpid'), 'C01aa60hc');
    assert.ok(params.get('SAMLRequest'));
  });

  it('prefers the per-binding SSO URL from metadata', () => {
    const t = tenant({
      idp: {
        ...tenant().idp,
        ssoUrls: { redirect: 'https://idp.example.com/redirect', post: 'https://idp.example.com/post' },
      },
    });
    assert.ok(createAuthnRequest(t).url.startsWith('https://idp.example.com/redirect?'));
    assert.equal(createAuthnRequest(t, { binding: 'post' }).action, 'https://idp.example.com/post');
  });

  it('signs the exact query bytes SAMLRequest&RelayState&SigAlg (bindings §3.4.4.1), no XML signature', () => {
    const request = createAuthnRequest(tenant({}, signing), { relayState: 'r/1 2' });
    const query = request.url.slice(request.url.indexOf('?') + 1);
    const [signed, signature] = query.split('&Signature=');
    assert.ok(signed?.startsWith('SAMLRequest='));
    assert.match(
      signed ?? '',
      /&RelayState=r%2F1%202&SigAlg=http%3A%2F%2Fwww\.w3\.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256$/,
    );
    const valid = verifySignature(
      'sha256',
      Buffer.from(signed ?? '', 'utf8'),
      createPublicKey(spCert),
      Buffer.from(decodeURIComponent(signature ?? ''), 'base64'),
    );
    assert.equal(valid, true);
    const { root } = redirectParts(request.url);
    assert.equal(root.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature').length, 0);
  });
});

describe('createAuthnRequest: HTTP-POST binding', () => {
  it('returns the form action, fields and a self-submitting page with a no-JS button', () => {
    const request = createAuthnRequest(tenant(), { binding: 'post', relayState: 'h_1' });
    assert.equal(request.binding, 'post');
    assert.equal(request.action, 'https://idp.example.com/sso');
    assert.equal(request.fields.RelayState, 'h_1');
    const root = rootOf(Buffer.from(request.fields.SAMLRequest, 'base64').toString('utf8'));
    assert.equal(root.getAttribute('ID'), request.id);
    assert.match(request.html, /<form method="post" action="https:\/\/idp\.example\.com\/sso">/);
    assert.match(request.html, /<button type="submit">Continue<\/button>/);
    assert.match(request.html, /<noscript>/);
    assert.match(request.html, /<script>document\.forms\[0\]\.submit\(\);<\/script>/);
  });

  it('publishes the hash of its only script for a strict CSP, and takes a nonce', () => {
    const script =
      /<script[^>]*>([^<]*)<\/script>/.exec(createAuthnRequest(tenant(), { binding: 'post' }).html)?.[1] ??
      '';
    assert.equal(POST_FORM_SCRIPT_HASH, `'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    const html = createAuthnRequest(tenant(), { binding: 'post', cspNonce: 'n"once' }).html;
    assert.match(html, /<script nonce="n&quot;once">/);
  });

  it('escapes what it puts into the page', () => {
    const t = tenant({ idp: { ...tenant().idp, ssoUrl: 'https://idp.example.com/sso?a=1&b="2"<x>' } });
    const { html } = createAuthnRequest(t, { binding: 'post', relayState: `"><script>alert('x')</script>` });
    assert.match(html, /action="https:\/\/idp\.example\.com\/sso\?a=1&amp;b=&quot;2&quot;&lt;x&gt;"/);
    assert.match(html, /value="&quot;&gt;&lt;script&gt;alert\(&#39;x&#39;\)&lt;\/script&gt;"/);
    assert.equal(html.match(/<script/g)?.length, 1);
  });

  it('carries an enveloped XML signature after the Issuer, verifiable with the SP certificate', () => {
    const request = createAuthnRequest(tenant({}, signing), { binding: 'post' });
    const parsed = parseXml(Buffer.from(request.fields.SAMLRequest, 'base64').toString('utf8'));
    const signature = signatureOf(parsed.root, 'acme');
    assert.ok(signature);
    assert.equal((signature.previousSibling as Element | null)?.localName, 'Issuer');
    const key = parseCertificate(spCert, { allowRsa1024: false }) as TrustedKey;
    const policy = { keys: [key], allowSha1: false, tenantId: 'acme' };
    assert.doesNotThrow(() => verifyEnvelopedSignature(parsed.root, signature, parsed.ids, policy));
  });
});

describe('createAuthnRequest: argument mistakes are TypeErrors', () => {
  it(`refuses a RelayState over ${MAX_RELAY_STATE_BYTES} bytes (bindings §3.4.3), counting UTF-8 bytes`, () => {
    assert.doesNotThrow(() => createAuthnRequest(tenant(), { relayState: 'x'.repeat(80) }));
    assert.throws(() => createAuthnRequest(tenant(), { relayState: 'x'.repeat(81) }), TypeError);
    assert.throws(() => createAuthnRequest(tenant(), { relayState: 'é'.repeat(41) }), /80 bytes/);
  });

  it('refuses an empty RelayState, a tenant without SSO URL, and an unknown binding', () => {
    assert.throws(() => createAuthnRequest(tenant(), { relayState: '' }), TypeError);
    const noSso = tenant({ idp: { entityId: 'https://idp.example.com', certificates: [idpCert] } });
    assert.throws(() => createAuthnRequest(noSso), /no IdP SSO URL/);
    assert.throws(() => createAuthnRequest(tenant(), { binding: 'artifact' as 'post' }), TypeError);
  });

  it('refuses to send an unsigned request to an IdP that wants signed ones', () => {
    const t = tenant({ idp: { ...tenant().idp, wantAuthnRequestsSigned: true } });
    assert.throws(() => createAuthnRequest(t), /wants signed AuthnRequests/);
    assert.doesNotThrow(() => createAuthnRequest({ ...t, sp: { ...t.sp, ...signing } }));
  });

  it('refuses an empty list of requested authentication context classes', () => {
    assert.throws(() => createAuthnRequest(tenant(), { requestedAuthnContext: { classes: [] } }), TypeError);
  });
});
