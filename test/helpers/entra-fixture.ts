/**
 * The real Entra ID response many tests start from (fixtures/real/azure/waisaml2-2023-signed-assertion):
 * assertion signed with RSA-SHA256, Response unsigned; its tenant, form and checks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TenantConfig } from '../../src/index.js';
import { skipReplayCheck } from '../../src/index.js';

const base = new URL('../../fixtures/real/azure/waisaml2-2023-signed-assertion', import.meta.url);

export const ENTRA = {
  xml: readFileSync(`${fileURLToPath(base)}.xml`),
  nameId: 'fumieval@herpdev.onmicrosoft.com',
  tenant: {
    id: 'azure',
    sp: {
      entityId: 'https://loopback.ja-sore.de:3443/',
      acsUrl: 'https://loopback.ja-sore.de:3443/auth/page/saml2/login',
    },
    idp: {
      entityId: 'https://sts.windows.net/b0a63ade-3ec7-4d8b-991f-87eb4336274a/',
      certificates: [readFileSync(`${fileURLToPath(base)}.pem`, 'utf8')],
    },
  } satisfies TenantConfig,
  checks: {
    inResponseTo: 'id23dffd06a31f7ad10975c9c893bf8668',
    now: () => new Date('2023-05-09T16:00:00Z'),
    replayCache: skipReplayCheck,
  },
} as const;
