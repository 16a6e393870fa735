/**
 * The admin's setup flow, headless: a tenant's IdP settings are staged as a draft, validated,
 * tested by an SP-initiated login of the admin alone, and promoted atomically; the settings a
 * promotion replaced can be restored. See docs/admin-setup.md.
 *
 * @module
 */
import type { Clock } from '../types.js';
import { currentTime } from '../internal/time.js';
import { randomBytes } from 'node:crypto';
import { fail } from '../internal/fail.js';
import {
  createAuthnRequest,
  type PostAuthnRequest,
  type RedirectAuthnRequest,
} from '../request/authn-request.js';
import { explainResponse, type ResponseReport } from '../response/explain.js';
import { decodeResponse } from '../response/read.js';
import { isSameBrowser, newBrowserSecret } from '../service/browser-binding.js';
import {
  idpFingerprint,
  idpSettingsOf,
  withIdpSettings,
  type IdpSettings,
  type SetupDraft,
  type TenantSetup,
} from '../store/setup-record.js';
import type { SetupStore, StateStore, TenantStore } from '../store/types.js';
import { defineOrFail, validateTenantConfig } from '../tenant/define.js';
import type { TenantConfig } from '../types.js';
import { readIdpInput, type IdpInput, type MetadataFetcher, type SetupProblem } from './input.js';
import { emitter, type EventHandler } from '../service/events.js';
import { fieldOf, sameText } from '../internal/form.js';

/** Options of {@link createTenantSetup}. */
export interface TenantSetupOptions {
  /** The tenants (as the service provider reads them). */
  readonly tenants: TenantStore;
  /** The staged configurations: the same store as `tenants` (MemoryStore, Redis, PostgreSQL). */
  readonly setup: SetupStore;
  /** Pending test logins and the replay cache: the service provider's state store. */
  readonly state: StateStore;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
  /**
   * Downloads metadata for the "metadata URL" input: `fetchIdpMetadata` of `samlkit/fetch`
   * (HTTPS only, public addresses only: the URL comes from a tenant's admin, so SSRF matters).
   * Without it, metadata URLs are refused with a hint to paste the XML.
   */
  readonly fetchMetadata?: MetadataFetcher;
  /** How long a started test connection may take at the IdP, in seconds. Default 600. */
  readonly testTtlSeconds?: number;
  /**
   * Receives `saml.tenant.configuration_changed` when the live configuration changes (the same
   * handler as the service provider's `onEvent`). A handler that throws changes nothing here.
   */
  readonly onEvent?: EventHandler;
}

/** What {@link TenantSetupFlow.status} reports. */
export interface SetupStatus {
  /** The tenant's live configuration. */
  readonly live: TenantConfig;
  /** The stored setup record: draft, test result, previous settings, admin login. */
  readonly record: TenantSetup;
  /** The draft's problems against the live configuration as it is now (`[]` without a draft). */
  readonly draftProblems: readonly SetupProblem[];
  /** The draft's current revision passed its test connection: it may be promoted. */
  readonly canPromote: boolean;
  /** An admin signed in with SSO through the live IdP settings (the require-SSO guard's condition). */
  readonly adminSsoVerified: boolean;
}

/** What {@link TenantSetupFlow.saveDraft} did. */
export interface SavedDraft {
  /** The saved draft; absent when a problem with `severity: 'error'` kept it from being saved. */
  readonly draft?: SetupDraft;
  /** Every problem of the input and of the configuration it would make, each with path and hint. */
  readonly problems: readonly SetupProblem[];
}

/** A started test connection: send the browser to the IdP like a login, and set the cookie. */
export type StartedTest = (RedirectAuthnRequest | PostAuthnRequest) & {
  /** Binds the test to this browser: set it as the login cookie, as for `startLogin`. */
  readonly browserSecret: string;
};

/** The outcome of a test connection. */
export interface TestResult {
  /** The tenant whose draft was tested. */
  readonly tenantId: string;
  /** The draft revision tested. */
  readonly revision: string;
  /** Every check of `explainResponse` (pass / fail / skipped, expected and received, hints). */
  readonly report: ResponseReport;
  /** The draft now counts as tested (until it changes). */
  readonly passed: boolean;
}

/** Options of {@link TenantSetupFlow.startTest}. */
export interface StartTestOptions {
  /** `'post'` for an IdP that offers only the POST binding. Default `'redirect'`. */
  readonly binding?: 'redirect' | 'post';
}

/** Options of {@link TenantSetupFlow.finishTest}: values that came with the request. */
export interface FinishTestOptions {
  /** The login cookie's value (`StartedTest.browserSecret`). */
  readonly browserSecret: unknown;
  /** The app's identifier of the signed-in admin who runs the test (recorded with the result). */
  readonly by: string;
  /** The tenant named by a per-tenant ACS URL; the test must be that tenant's. */
  readonly tenantId?: unknown;
}

/** The setup flow of every tenant; made by {@link createTenantSetup}. */
export interface TenantSetupFlow {
  /** The live configuration, the setup record and what may happen next. @throws SamlError `TENANT_NOT_FOUND`. */
  status(tenantId: string): Promise<SetupStatus>;
  /**
   * Reads what the admin entered (`readIdpInput`), checks the configuration it would make
   * (`validateTenantConfig`), and saves it as the tenant's draft unless a problem is an error. A
   * saved draft replaces the previous one and is untested.
   */
  saveDraft(tenantId: string, input: IdpInput): Promise<SavedDraft>;
  /** Drops the draft; `false` when there was none. */
  discardDraft(tenantId: string): Promise<boolean>;
  /**
   * Starts the test connection: an SP-initiated login against the draft (SAML profiles §4.1.3),
   * for the admin's browser only. The draft is never used for anyone else's login: the pending
   * test is kept where `finishLogin` does not look, and only {@link finishTest} reads it.
   *
   * @throws SamlError `SETUP_STEP_REFUSED` without a draft; `TENANT_NOT_FOUND`.
   */
  startTest(tenantId: string, options?: StartTestOptions): Promise<StartedTest>;
  /** Whether a posted ACS form answers a test connection (its RelayState says so): route it to {@link finishTest}. */
  isTestResponse(form: unknown): boolean;
  /**
   * Finishes the test connection at the ACS: the response must answer a test this browser started
   * for this tenant's current draft revision; then every check runs against the draft and the
   * checklist comes back. A passed test is recorded with the draft (and as the admin's SSO login
   * through those settings); any change of the draft makes it untested again.
   *
   * @throws SamlError `SETUP_TEST_INVALID` when the response belongs to no such test, and the
   *   decoding errors of `decodeResponse` (`INVALID_ENCODING`, `MALFORMED_XML`, `SIZE_LIMIT`, …)
   *   when the form holds no readable response at all; every other problem of the response is in
   *   the report, not thrown.
   */
  finishTest(form: unknown, options: FinishTestOptions): Promise<TestResult>;
  /**
   * Makes the draft live, atomically: only the revision that passed its test. Keeps the replaced
   * settings for {@link restore}.
   *
   * @throws SamlError `SETUP_STEP_REFUSED` when there is no draft or its current revision did not pass.
   */
  promote(tenantId: string): Promise<void>;
  /**
   * Puts back the IdP settings the last promotion replaced (restoring again undoes it).
   *
   * @throws SamlError `SETUP_STEP_REFUSED` when none are kept.
   */
  restore(tenantId: string): Promise<void>;
  /**
   * Records a successful SSO login of an admin of the tenant through its live IdP settings: call
   * it after `finishLogin` for users with the admin role. The require-SSO guard asks for one.
   */
  recordAdminLogin(tenantId: string, by: string): Promise<void>;
}

/** The RelayState of a test connection starts with this (bindings §3.4.3 allows 80 bytes). */
const TEST_RELAY_PREFIX = 'setup-test.';
/** Pending tests are kept under request IDs `finishLogin` never looks up (it looks up InResponseTo). */
const TEST_KEY_PREFIX = 'setup-test:';

/**
 * Creates the headless setup flow: staged IdP configuration (draft, validate, test, promote,
 * restore) for every tenant of the stores given.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const setup = createTenantSetup({ tenants: store, setup: store, state: store });
 * const { problems } = await setup.saveDraft('acme', { kind: 'metadataXml', xml: form.xml });
 * const test = await setup.startTest('acme'); // redirect the admin to test.url
 * // at the ACS: if (setup.isTestResponse(form)) result = await setup.finishTest(form, { browserSecret, by });
 * await setup.promote('acme');
 * ```
 * @see SAML 2.0 profiles §4.1 (Web Browser SSO): the test is an SP-initiated login.
 */
export function createTenantSetup(options: TenantSetupOptions): TenantSetupFlow {
  const { tenants, setup, state } = options;
  if (typeof options.setup !== 'object' || typeof options.setup.promoteDraft !== 'function')
    throw new TypeError(
      'options.setup must be a SetupStore (MemoryStore, createRedisStore, createPostgresStore)',
    );
  const now = (): Date => currentTime(options.now, 'options.now');
  const emit = emitter(options.onEvent, 'options.onEvent');
  const changed = (tenantId: string): void => {
    emit({
      name: 'saml.tenant.configuration_changed',
      time: now(),
      attributes: { 'saml.tenant.id': tenantId, 'saml.configuration.fields': ['idp'] },
    });
  };
  const ttl = options.testTtlSeconds ?? 600;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600)
    throw new TypeError('options.testTtlSeconds must be a whole number from 1 to 3600');

  async function live(tenantId: string): Promise<TenantConfig> {
    const config = await tenants.get(tenantId);
    if (config === undefined) {
      fail('TENANT_NOT_FOUND', 'No tenant has this ID', {
        hint: 'Check the tenant ID of the setup page.',
      });
    }
    return config;
  }

  async function record(tenantId: string): Promise<TenantSetup> {
    const found = await setup.getSetup(tenantId);
    if (found === undefined) {
      fail('TENANT_NOT_FOUND', 'No tenant has this ID', { hint: 'Check the tenant ID of the setup page.' });
    }
    return found;
  }

  /** The problems of `settings` as part of the live configuration, in the admin's words. */
  function problemsOf(config: TenantConfig, settings: IdpSettings): SetupProblem[] {
    return validateTenantConfig(withIdpSettings(config, settings), { now }).map((problem) => ({
      path: problem.path,
      message: problem.message,
      hint: hintFor(problem.path),
      severity: problem.severity,
    }));
  }

  return {
    async status(tenantId) {
      const config = await live(tenantId);
      const found = await record(tenantId);
      const draftProblems = found.draft === undefined ? [] : problemsOf(config, found.draft.settings);
      return {
        live: config,
        record: found,
        draftProblems,
        canPromote: found.draft?.test?.passed === true,
        adminSsoVerified: found.adminLogin?.idp === idpFingerprint(idpSettingsOf(config)),
      };
    },

    async saveDraft(tenantId, input) {
      const config = await live(tenantId);
      const read = await readIdpInput(input, {
        now,
        ...(options.fetchMetadata !== undefined && { fetchMetadata: options.fetchMetadata }),
      });
      if (read.settings === undefined) return { problems: read.problems };
      // A product chosen once stays chosen when the next input names none; for the same product, its
      // claim settings (email source, attribute names) stay too: an admin who enters the IdP again
      // to add a certificate must not change where emails and groups are read from.
      const preset = read.settings.preset ?? config.preset;
      const settings: IdpSettings = {
        ...(preset === config.preset && idpSettingsOf(config)),
        ...read.settings,
        ...(preset !== undefined && { preset }),
      };
      const problems = [...read.problems, ...problemsOf(config, settings)];
      if (problems.some((problem) => problem.severity === 'error')) return { problems };
      const draft: SetupDraft = {
        revision: randomBytes(12).toString('base64url'),
        savedAt: now().toISOString(),
        settings,
        ...(read.metadataUrl !== undefined && { metadataUrl: read.metadataUrl }),
      };
      if (!(await setup.saveDraft(tenantId, draft))) {
        fail('TENANT_NOT_FOUND', 'No tenant has this ID', { hint: 'Check the tenant ID of the setup page.' });
      }
      return { draft, problems };
    },

    discardDraft: (tenantId) => setup.discardDraft(tenantId),

    async startTest(tenantId, testOptions = {}) {
      const config = await live(tenantId);
      const { draft } = await record(tenantId);
      if (draft === undefined)
        refused('There is no draft to test', 'Save the IdP settings as a draft first.', tenantId);
      // The draft as it would be live, enabled for this one login even while SAML is still off.
      const tenant = defineOrFail({ ...withIdpSettings(config, draft.settings), enabled: true });
      const relayState = `${TEST_RELAY_PREFIX}${draft.revision}.${randomBytes(12).toString('base64url')}`;
      const browser = newBrowserSecret();
      const time = now();
      const request = createAuthnRequest(tenant, {
        relayState,
        now: () => time,
        binding: testOptions.binding ?? 'redirect',
      });
      await state.saveRequest(
        {
          tenantId,
          requestId: `${TEST_KEY_PREFIX}${request.id}`,
          relayState,
          browserBinding: browser.binding,
        },
        new Date(time.getTime() + ttl * 1000),
      );
      return { ...request, browserSecret: browser.secret };
    },

    isTestResponse(form) {
      const relayState = fieldOf(form, 'RelayState');
      return typeof relayState === 'string' && relayState.startsWith(TEST_RELAY_PREFIX);
    },

    async finishTest(form, finishOptions) {
      if (typeof finishOptions.by !== 'string' || finishOptions.by === '')
        throw new TypeError('options.by must name the admin who runs the test');
      const decoded = decodeResponse(form);
      const inResponseTo = decoded.unverified.inResponseTo;
      const relayState = fieldOf(form, 'RelayState');
      if (inResponseTo === undefined || typeof relayState !== 'string') invalidTest();
      const key = `${TEST_KEY_PREFIX}${inResponseTo}`;
      const pending = await state.findRequest(key);
      if (pending === undefined) invalidTest();
      const { tenantId } = pending;
      if (finishOptions.tenantId !== undefined && finishOptions.tenantId !== tenantId) invalidTest(tenantId);
      if (!sameText(relayState, pending.relayState)) invalidTest(tenantId);
      if (!isSameBrowser(finishOptions.browserSecret, pending.browserBinding)) invalidTest(tenantId);
      if ((await state.consumeRequest(tenantId, key)) === undefined) invalidTest(tenantId);
      const revision = relayState.slice(TEST_RELAY_PREFIX.length).split('.')[0] ?? '';
      const config = await live(tenantId);
      const { draft } = await record(tenantId);
      if (draft?.revision !== revision) invalidTest(tenantId, 'The draft changed after the test started.');
      const tenant = defineOrFail({ ...withIdpSettings(config, draft.settings), enabled: true });
      const report = await explainResponse(tenant, decoded, {
        inResponseTo,
        now,
        replayCache: state,
      });
      const at = now().toISOString();
      const passed = report.accepted;
      await setup.recordDraftTest(tenantId, revision, {
        passed,
        at,
        by: finishOptions.by,
        ...(report.error !== undefined && { code: report.error.code }),
      });
      // The passed test counts as an admin's SSO login once its settings go live (promoteDraft).
      return { tenantId, revision, report, passed };
    },

    async promote(tenantId) {
      await live(tenantId);
      const { draft } = await record(tenantId);
      if (draft === undefined)
        refused(
          'There is no draft to promote',
          'Save the IdP settings as a draft, test it, then promote it.',
          tenantId,
        );
      if (draft.test?.passed !== true || !(await setup.promoteDraft(tenantId, draft.revision, now())))
        refused(
          'The draft has not passed its test connection',
          'Run Test connection on this draft until every check passes; a changed draft must be tested again.',
          tenantId,
        );
      changed(tenantId);
    },

    async restore(tenantId) {
      await live(tenantId);
      if (!(await setup.restorePrevious(tenantId, now())))
        refused(
          'There are no earlier IdP settings to restore',
          'Restore is possible after a draft was promoted.',
          tenantId,
        );
      changed(tenantId);
    },

    async recordAdminLogin(tenantId, by) {
      if (typeof by !== 'string' || by === '') throw new TypeError('by must name the admin');
      const config = await live(tenantId);
      await setup.recordAdminLogin(tenantId, {
        by,
        at: now().toISOString(),
        idp: idpFingerprint(idpSettingsOf(config)),
      });
    },
  };
}

/** A hint per configuration path, for problems `validateTenantConfig` finds in a draft. */
function hintFor(path: string): string {
  if (path.startsWith('idp.certificates'))
    return 'Paste the IdP\u2019s current signing certificate (or its metadata, which holds it).';
  if (path.startsWith('idp.ssoUrl'))
    return 'Copy the IdP\u2019s SAML sign-on URL (an https:// address) from its console or metadata.';
  if (path.startsWith('idp.entityId'))
    return 'Copy the IdP\u2019s entity ID (Issuer) exactly as its console shows it.';
  if (path.startsWith('idp')) return 'Check the IdP values against the IdP\u2019s console or metadata.';
  return 'Ask the application\u2019s operator: this part of the configuration is not set on this page.';
}

function refused(message: string, hint: string, tenantId: string): never {
  fail('SETUP_STEP_REFUSED', message, { hint, tenantId });
}

function invalidTest(tenantId?: string, why?: string): never {
  fail('SETUP_TEST_INVALID', why ?? 'The response answers no test connection of this browser', {
    hint: 'Start the test connection again from the setup page, in the same browser, and finish it within ten minutes.',
    ...(tenantId !== undefined && { tenantId }),
  });
}

/** A field of the posted form, own properties only. */
