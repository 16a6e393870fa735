/**
 * samlkit: a strict, secure-by-default SAML 2.0 Service Provider for multi-tenant products.
 *
 * @module
 */
export { verifyResponse } from './response/verify.js';
export {
  decodeResponse,
  type DecodedResponse,
  type DecodeResponseOptions,
  type UnverifiedResponseHints,
} from './response/read.js';
export {
  explainResponse,
  type CheckResult,
  type ExplainChecks,
  type ExplainOptions,
  type ResponseReport,
} from './response/explain.js';
export { CHECKS as RESPONSE_CHECKS, type CheckName } from './response/trace.js';
export {
  createAuthnRequest,
  MAX_RELAY_STATE_BYTES,
  type AuthnRequestOptions,
  type PostAuthnRequest,
  type RedirectAuthnRequest,
} from './request/authn-request.js';
export { POST_FORM_SCRIPT_HASH, type PostForm } from './request/bindings.js';
export {
  buildSpMetadata,
  type SpContact,
  type SpMetadataCommonOptions,
  type SpMetadataOptions,
  type SpOrganization,
} from './metadata/sp.js';
export { generateSpKeyPair, type SpKeyPairOptions } from './crypto/keygen.js';
export {
  DEFAULT_MAX_METADATA_BYTES,
  parseIdpMetadata,
  type IdpMetadata,
  type IdpSigningCertificate,
  type ParseIdpMetadataOptions,
} from './metadata/idp.js';
export {
  defineTenant,
  validateTenantConfig,
  type Tenant,
  type TenantDraft,
  type TenantValidationOptions,
} from './tenant/define.js';
export { IDP_PRESETS } from './idp/products.js';
export type { IdpPreset } from './idp/product.js';
export { GROUPS_OVERAGE_CLAIM } from './idp/azure.js';
export { mapRoles, type MappedRoles } from './tenant/roles.js';
export {
  setupInstructions,
  type SetupField,
  type SetupInstructions,
  type SetupOptions,
} from './idp/setup.js';
export type { SetupClaim, SetupReturnField } from './idp/product.js';
export {
  DEFAULT_MAX_PENDING_REQUESTS,
  DEFAULT_MAX_REPLAY_ENTRIES,
  createMemoryStore,
  type MemoryStore,
  type MemoryStoreOptions,
} from './store/memory.js';
export { sealTenantSecrets, type SealingKey, type SealingOptions } from './store/encrypted.js';
export type { PendingRequest, StateStore, TenantStore } from './store/types.js';
export { sameSiteStep, type SameSiteStepOptions } from './service/browser-binding.js';
export { type PublicSpKey, type PublicTenantConfig } from './service/public-tenant.js';
export {
  createServiceProvider,
  type FinishLoginOptions,
  type LoginMethods,
  type LoginResult,
  type LoginTarget,
  type ServiceProvider,
  type ServiceProviderOptions,
  type StartedLogin,
  type StartLoginOptions,
} from './service/provider.js';
export type { TenantProblem } from './tenant/validate.js';
export {
  createDomainOwnership,
  createTxtLookup,
  DOMAIN_VERIFICATION_LABEL,
  DOMAIN_VERIFICATION_PREFIX,
  domainVerificationRecord,
  isPublicEmailDomain,
  type DomainClaim,
  type DomainClaimView,
  type DomainOwnership,
  type DomainOwnershipOptions,
  type DomainVerification,
  type DomainVerificationRecord,
  type PublicEmailDomains,
  type ReverificationReport,
  type TxtLookup,
  type TxtLookupOptions,
} from './domains.js';
export { SamlError, type SamlErrorCode, type SamlErrorDetails } from './errors.js';
export type {
  AttributeNames,
  BindingUrls,
  Clock,
  EmailSource,
  IdentityProviderConfig,
  IdpPresetName,
  ReplayCache,
  ResponseForm,
  RoleMapping,
  SamlProfile,
  ServiceProviderConfig,
  SigningPolicy,
  SpKeyPair,
  TenantConfig,
  VerifyChecks,
} from './types.js';
export { skipReplayCheck } from './types.js';
// Single Logout (SAML profiles §4.4): messages, verification, the session store and the service steps.
export {
  createLogoutRequest,
  createLogoutResponse,
  LOGOUT_REQUEST_LIFETIME_SECONDS,
  type LogoutMessage,
  type LogoutMessageOptions,
  type LogoutResponseOptions,
  type LogoutSubject,
  type PostLogoutMessage,
  type RedirectLogoutMessage,
} from './logout/create.js';
export { DEFAULT_MAX_LOGOUT_BYTES, MAX_LOGOUT_BYTES, type LogoutMessageInput } from './logout/decode.js';
export {
  MAX_LOGOUT_MESSAGE_AGE_SECONDS,
  verifyLogoutRequest,
  verifyLogoutResponse,
  type LogoutRequestChecks,
  type LogoutResponseChecks,
  type VerifiedLogoutRequest,
  type VerifiedLogoutResponse,
} from './logout/verify.js';
export { DEFAULT_MAX_SESSIONS } from './store/memory.js';
export type { SamlSession, SessionStore } from './store/types.js';
export type {
  FinishedLogout,
  HandledLogoutRequest,
  LogoutServiceOptions,
  LogoutRouting,
  LogoutSteps,
  RecordSessionOptions,
  StartedLogout,
  StartLogoutOptions,
} from './service/logout.js';
// Policies and lifecycle (issue #18): authentication context, role precedence, provisioning, events.
export { groupRoleConvention, type MapRolesOptions } from './tenant/roles.js';
export { MFA_CLASS_REFS, MFA_METHODS } from './idp/authn-context.js';
export { MAX_AUTHN_AGE_SECONDS } from './response/authn-context.js';
export type { AuthnContextRequirement, OrganizationMembership, RoleRule } from './types.js';
export type { LoginConnection } from './service/organizations.js';
export type {
  PolicyServiceOptions,
  ProvisionedUser,
  ProvisioningDecision,
  ProvisioningHook,
  ProvisioningInput,
} from './service/policies.js';
export type {
  CertificateExpiringEvent,
  ConfigurationChangedEvent,
  DomainVerifiedEvent,
  EventHandler,
  LoginFailedEvent,
  LoginSucceededEvent,
  SamlEvent,
  SamlEventShape,
} from './service/events.js';
// The admin's setup flow (issue #17): staged IdP configuration, test connection, lock-out guard,
// setup links, certificate check. See docs/admin-setup.md.
export type { SetupStore } from './store/types.js';
export type {
  AdminSsoLogin,
  DraftTest,
  IdpSettings,
  ReplacedSettings,
  SetupDraft,
  SsoToggles,
  TenantSetup,
} from './store/setup-record.js';
export {
  createTenantSetup,
  type FinishTestOptions,
  type SavedDraft,
  type SetupStatus,
  type StartedTest,
  type StartTestOptions,
  type TenantSetupFlow,
  type TenantSetupOptions,
  type TestResult,
} from './setup/flow.js';
export {
  readCertificates,
  readIdpInput,
  type IdpInput,
  type ReadCertificates,
  type MetadataFetcher,
  type ReadIdpInput,
  type SetupProblem,
} from './setup/input.js';
export {
  createLockoutGuard,
  type LockoutGuard,
  type LockoutGuardOptions,
  type RequireSsoChange,
  type SetupImpact,
} from './setup/guard.js';
export {
  consumeSetupLink,
  createSetupLink,
  type ConsumeSetupLinkOptions,
  type CreateSetupLinkOptions,
  type SetupLink,
  type UsedSetupLink,
} from './setup/links.js';
export {
  certificateStatus,
  checkIdpCertificates,
  type CertificateStatus,
  type CheckIdpCertificatesOptions,
  type TenantCertificateReport,
} from './setup/certificates.js';
