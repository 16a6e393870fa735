// Verifies a real Entra ID (Azure AD) SAML Response bundled in fixtures/ and prints the profile.
// Run with `npm run example`. The response dates from 2023, so the clock is set to that moment.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineTenant, createMemoryStore, verifyResponse, SamlError } from 'samlkit';

const fixture = fileURLToPath(
  new URL('../fixtures/real/azure/waisaml2-2023-signed-assertion', import.meta.url),
);

const tenant = defineTenant({
  id: 'herpdev',
  sp: {
    entityId: 'https://loopback.ja-sore.de:3443/',
    acsUrl: 'https://loopback.ja-sore.de:3443/auth/page/saml2/login',
  },
  idp: {
    entityId: 'https://sts.windows.net/b0a63ade-3ec7-4d8b-991f-87eb4336274a/',
    certificates: [readFileSync(`${fixture}.pem`, 'utf8')],
  },
  emailDomains: ['herpdev.onmicrosoft.com'],
});

const form = { SAMLResponse: readFileSync(`${fixture}.xml`).toString('base64') };

try {
  const profile = await verifyResponse(tenant, form, {
    inResponseTo: 'id23dffd06a31f7ad10975c9c893bf8668',
    now: () => new Date('2023-05-09T16:00:00Z'),
    replayCache: createMemoryStore({ now: () => new Date('2023-05-09T16:00:00Z') }),
  });
  console.log('Verified a real Entra ID response. Profile:');
  console.log(profile);
} catch (error) {
  if (error instanceof SamlError) console.error(`${error.code}: ${error.message}\nhint: ${error.hint}`);
  throw error;
}
