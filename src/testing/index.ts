/**
 * `samlkit/testing`: tools for testing an app's SAML integration and its store adapters. Not for
 * production code paths: the test IdP mints assertions with a key anyone holding it can use.
 *
 * @module
 */
export {
  type ConformanceCase,
  type StoreFactory,
  type StoreFactoryOptions,
  type TenantStoreConformanceOptions,
} from './conformance/shared.js';
export { sessionStoreConformance } from './conformance/sessions.js';
export { stateStoreConformance } from './conformance/state.js';
export { tenantStoreConformance } from './conformance/tenant.js';
export { setupStoreConformance } from './conformance/setup.js';
export {
  createTestIdp,
  MAX_AUTHN_REQUEST_BYTES,
  type RespondInput,
  type TestIdp,
  type TestIdpLogoutAnswer,
  type TestIdpLogoutRequest,
  type TestIdpOptions,
  type TestIdpResponse,
} from './idp.js';
export type { RespondOverrides, TestIdpStatus, TestIdpUser } from './idp-response.js';
export { directoryStoreConformance } from './conformance/directory.js';
