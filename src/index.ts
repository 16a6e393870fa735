/**
 * samlkit: a strict, secure-by-default SAML 2.0 Service Provider for multi-tenant products.
 *
 * @module
 */
export { verifyResponse } from './response/verify.js';
export { defineTenant, validateTenantConfig, type Tenant, type TenantProblem } from './tenant/define.js';
export { SamlError, type SamlErrorCode, type SamlErrorDetails } from './errors.js';
export type {
  AttributeNames,
  EmailSource,
  IdentityProviderConfig,
  ReplayCache,
  ResponseForm,
  SamlProfile,
  ServiceProviderConfig,
  SigningPolicy,
  TenantConfig,
  VerifyChecks,
} from './types.js';
