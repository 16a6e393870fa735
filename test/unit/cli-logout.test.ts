/** `samlkit inspect` on Single Logout messages: both kinds, both bindings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { createLogoutRequest, createLogoutResponse } from '../../src/index.js';
import { NOW, spTenant } from '../helpers/logout.js';

async function inspect(stdin: string): Promise<string> {
  const out: string[] = [];
  const io: CliIo = {
    stdin: () => Promise.resolve(stdin),
    stdout: (s) => out.push(s),
    stderr: (s) => out.push(s),
    readFile: () => Promise.reject(new Error('no files')),
    writeFile: () => Promise.reject(new Error('no files')),
    now: () => NOW,
  };
  assert.equal(await runCli(['inspect', '-'], io), 0, out.join(''));
  return out.join('');
}

describe('samlkit inspect: logout messages', () => {
  it('a signed HTTP-Redirect LogoutRequest URL: NameID, SessionIndex, what it asks, the query signature', async () => {
    const subject = {
      nameId: 'alice@example.com',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      spNameQualifier: 'https://sp.example.com/saml/acme',
      sessionIndex: '_s1',
    };
    const request = createLogoutRequest(spTenant(), subject, { relayState: 'rs', now: () => NOW });
    assert.equal(request.binding, 'redirect');
    const text = await inspect(request.url);
    assert.match(text, /^LogoutRequest \(SAML 2\.0 protocol\)\n/);
    assert.match(text, /Signed\s+the whole message, by the query signature\n/);
    assert.match(text, /Logout\s+request: end 1 session \(SessionIndex\) of the NameID below\n/);
    // Personal data is redacted unless asked for (--show-personal-data).
    assert.match(text, /NameID\s+a\*\*\*@example\.com\n/);
    assert.match(text, /SPNameQualifier\s+https:\/\/sp\.example\.com\/saml\/acme\n/);
    assert.match(text, /SessionIndex\s+_s1\n/);
    assert.match(text, /NotOnOrAfter\s+2027-01-15T12:05:00\.000Z \(in 5 minutes\)/);
    assert.match(text, /docs\/logout\.md/);
  });

  it('a posted partial LogoutResponse: InResponseTo, status, the enveloped signature', async () => {
    const response = createLogoutResponse(spTenant(), {
      inResponseTo: '_lr1',
      binding: 'post',
      status: 'partial',
      now: () => NOW,
    });
    assert.equal(response.binding, 'post');
    const body = `SAMLResponse=${encodeURIComponent(response.fields.SAMLResponse ?? '')}`;
    const text = await inspect(body);
    assert.match(text, /^LogoutResponse \(SAML 2\.0 protocol\)\n/);
    assert.match(text, /Logout\s+response to _lr1, partial: some sessions may remain\n/);
    assert.match(
      text,
      /Status\s+urn:oasis:names:tc:SAML:2\.0:status:Success \/ urn:oasis:names:tc:SAML:2\.0:status:PartialLogout/,
    );
    assert.match(text, /Signed\s+LogoutResponse/);
  });
});
