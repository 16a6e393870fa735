/**
 * What the code blocks of the documentation leave to the reader, as real values, so that each block
 * runs as written (test/unit/docs-snippets.test.ts). A block names what it takes with
 * `<!-- snippet-fixture: req, res, email -->`; each block gets a fresh instance of this module.
 *
 * The customer's IdP is the test IdP of `samlkit/testing` (Entra ID-shaped, entity ID
 * `https://sts.windows.net/00000000-0000-0000-0000-000000000000/`), and the tenant is `acme` with
 * the URLs every guide uses. `res.redirect(url)` to the IdP plays the browser and the IdP: the
 * signed response it answers with becomes `req.body`, so a block that starts a login and then
 * finishes it with `req.body` completes a real login.
 */
import express from 'express';
import {
  createAuthnRequest,
  createDomainOwnership,
  createServiceProvider,
  defineTenant,
  createMemoryStore,
  type PostAuthnRequest,
  type ReplayCache,
  type ResponseForm,
  type TenantConfig,
} from '../../src/index.js';
import { createMemoryDirectoryStore } from '../../src/scim.js';
import { createTestIdp } from '../../src/testing/index.js';
import { KEYS } from '../helpers/constants.js';

export const idpEntityId = 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/';
export const ssoUrl = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/saml2';
export const idp = await createTestIdp({
  preset: 'azure',
  entityId: idpEntityId,
  ssoUrl,
  key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
});
/** The IdP's signing certificate, as its console or metadata gives it. */
export const pem = idp.certificate;
export const certificatePem = pem;
export const pemFromEntraId = pem;
export const idpCertPem = pem;
export const certificate = pem;
export const uploadedXml = idp.metadata();
export const chosenEntityId = idpEntityId;

/** Our side of the tenant, as in every guide. */
export const spUrls = {
  entityId: 'https://app.example.com/saml/acme',
  acsUrl: 'https://app.example.com/saml/acs',
};
export const config: TenantConfig = {
  id: 'acme',
  preset: 'azure',
  sp: spUrls,
  idp: { entityId: idpEntityId, ssoUrl, certificates: [pem] },
  emailDomains: ['acme.com'],
  roles: { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' },
};
export const tenant = defineTenant(config);
export const tenants = createMemoryStore();
await tenants.put(config);
// The guides' tenant has proven it owns acme.com (docs/domains.md), so the domain routes users.
await createDomainOwnership({ tenants }).verifyByOperator('acme', 'acme.com', { by: 'docs' });
export const store = tenants;
/** The tenants' SCIM directory (docs/directory-sync.md). */
export const directory = createMemoryDirectoryStore();

/** The user who signs in: what they typed on the login page, and where they were going. */
export const email = 'ada@acme.com';
export const next = '/projects';
const user = { email, firstName: 'Ada', lastName: 'Lovelace', groups: ['admins'] };

/** A login started by the service, and the IdP's answer to it. */
const service = createServiceProvider({ tenants, state: tenants });
/** The service over `tenants`. */
export const sp = service;
const started = await service.startLogin({ tenantId: 'acme' });
/** The login cookie of that login (`StartedLogin.browserSecret`). */
export const browserSecret = started.browserSecret;
const startedQuery = new URL(started.url).searchParams;
export const form: ResponseForm = idp.respond({
  SAMLRequest: startedQuery.get('SAMLRequest') ?? '',
  RelayState: startedQuery.get('RelayState') ?? '',
  user,
});

/** A request sent by hand (createAuthnRequest), for the blocks that verify by hand. */
const byHand = createAuthnRequest(tenant);
export const requestId = byHand.id;
export const pendingRequestId = byHand.id;
/** The same, with the HTTP-POST binding. */
export const request: PostAuthnRequest = createAuthnRequest(tenant, { binding: 'post' });

const seen = new Set<string>();
export const replayCache: ReplayCache = {
  remember: (tenantId, assertionId) => {
    const key = `${tenantId}\u0000${assertionId}`;
    const first = !seen.has(key);
    seen.add(key);
    return Promise.resolve(first);
  },
};

/** What an Express handler receives: the IdP's answer to the last redirect, or to `requestId`. */
export const req: {
  body: ResponseForm;
  query: Record<string, string>;
  params: Record<string, string>;
  /** The cookies the browser sends back: what `res.cookie` set (one browser plays every request). */
  cookies: Record<string, string | undefined>;
} = {
  body: idp.respond({ SAMLRequest: new URL(byHand.url).searchParams.get('SAMLRequest') ?? '', user }),
  query: { email, next },
  params: { tenant: 'acme' },
  cookies: {},
};

/** What the blocks sent to the browser, for the test to look at. */
export const sent: { status: number; location?: string; body?: unknown; headers: Record<string, string> } = {
  status: 200,
  headers: {},
};
/** The part of Express's `res` the blocks use. */
export interface FakeResponse {
  redirect(url: string): void;
  cookie(name: string, value: string, options?: Record<string, unknown>): FakeResponse;
  status(code: number): FakeResponse;
  send(body: unknown): FakeResponse;
  json(body: unknown): FakeResponse;
  type(value: string): FakeResponse;
  setHeader(name: string, value: string): FakeResponse;
  sendStatus(code: number): FakeResponse;
}
export const res: FakeResponse = {
  redirect(url: string): void {
    sent.status = 302;
    sent.location = url;
    // The browser follows the redirect to the IdP; the user signs in; the IdP posts its answer back.
    if (url.startsWith(ssoUrl)) {
      const query = new URL(url).searchParams;
      req.body = idp.respond({
        SAMLRequest: query.get('SAMLRequest') ?? '',
        RelayState: query.get('RelayState') ?? '',
        user,
      });
    }
  },
  cookie(name: string, value: string): FakeResponse {
    req.cookies[name] = value;
    return res;
  },
  status(code: number): FakeResponse {
    sent.status = code;
    return res;
  },
  send(body: unknown): FakeResponse {
    sent.body = body;
    return res;
  },
  json(body: unknown): FakeResponse {
    sent.body = body;
    return res;
  },
  type(value: string): FakeResponse {
    sent.headers['content-type'] = value;
    return res;
  },
  setHeader(name: string, value: string): FakeResponse {
    sent.headers[name.toLowerCase()] = value;
    return res;
  },
  sendStatus(code: number): FakeResponse {
    sent.status = code;
    return res;
  },
};

/** An Express app whose routes the blocks register (nothing listens). */
export const app = express();

/** Your logger and session, as the blocks use them. */
export const logged: unknown[] = [];
export const log = {
  warn: (value: unknown, message?: string): void => {
    logged.push([value, message]);
  },
  info: (value: unknown, message?: string): void => {
    logged.push([value, message]);
  },
};
export const signedIn: unknown[] = [];
export const session = {
  signIn: (value: unknown): void => {
    signedIn.push(value);
  },
};

/** The pending-login table of the "by hand" flow (starting-a-login.md): fetch-and-delete. */
const pendingRows = new Map<string, { tenantId: string; requestId: string; returnTo: string }>();
export const pending = {
  save: (handle: string, row: { tenantId: string; requestId: string; returnTo: string }): Promise<void> => {
    pendingRows.set(handle, row);
    return Promise.resolve();
  },
  take: (handle: string | undefined): Promise<{ tenantId: string; requestId: string; returnTo: string }> => {
    const row = handle === undefined ? undefined : pendingRows.get(handle);
    if (handle === undefined || row === undefined) return Promise.reject(new Error('no such login'));
    pendingRows.delete(handle);
    return Promise.resolve(row);
  },
};

/** Your Microsoft Graph call (docs/idp/entra-id.md). */
export function groupIdsFromGraph(objectId: string): Promise<string[]> {
  return Promise.resolve(objectId === '' ? [] : ['admins']);
}

/** Your mailer. */
export const mails: { to: string; subject: string; body: string }[] = [];
export function sendMail(to: string, subject: string, body: string): Promise<void> {
  mails.push({ to, subject, body });
  return Promise.resolve();
}
