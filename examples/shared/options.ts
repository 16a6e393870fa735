import type { MetadataFetcher, SessionStore, SetupStore, StateStore, TenantStore } from 'samlkit';
import type { DirectoryStore } from 'samlkit/scim';
import type { TestIdp } from 'samlkit/testing';
import type { UsersTable } from './users.js';

/** What both example apps (Express and Fastify) are made from. */
export interface ExampleAppOptions {
  /** Where the app is served, e.g. `http://127.0.0.1:3000`: ACS and metadata URLs are built from it. */
  readonly baseUrl: string;
  readonly tenants: TenantStore;
  readonly state: StateStore;
  /** The SAML sessions behind the app's sessions, for Single Logout; without it, Sign out is local only. */
  readonly sessions?: SessionStore;
  /** When given, the app also serves this test IdP's sign-in pages under `/test-idp/`. */
  readonly testIdp?: TestIdp;
  /** When given, the app serves SCIM under `/scim/v2/:tenant` and a directory page per tenant. */
  readonly directory?: DirectoryStore;
  /** The users table logins are provisioned into. Default: a new, empty one. */
  readonly users?: UsersTable;
  /** Staged IdP settings of the SSO settings page. Default: `tenants`, when it is a SetupStore (all three stores are). */
  readonly setup?: SetupStore;
  /** Signs setup links (at least 32 bytes). Default: random at start, so links die with the process. */
  readonly setupSecret?: Uint8Array;
  /** Downloads metadata for the "Metadata URL" tab. Default: `fetchIdpMetadata` of `samlkit/fetch`. */
  readonly fetchMetadata?: MetadataFetcher;
}

/** Per-tenant SP URLs: the entity ID is the metadata URL, so an IdP can fetch what it names. */
export function tenantUrls(
  baseUrl: string,
  tenantId: string,
): { entityId: string; acsUrl: string; metadataUrl: string; sloUrl: string } {
  const base = `${baseUrl.replace(/\/+$/, '')}/saml/${encodeURIComponent(tenantId)}`;
  return {
    entityId: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    metadataUrl: `${base}/metadata`,
    sloUrl: `${base}/slo`,
  };
}
