/**
 * A tenant's staged IdP configuration, as the stores keep it: at most one draft (with the result of
 * its test connection), the IdP settings it replaced (to restore), the metadata URL of the live
 * settings, and the admin's last successful SSO login; and the switches an admin flips on the live
 * configuration (SAML on, require SSO, break-glass addresses). The changes are pure functions here,
 * so that MemoryStore, Redis and PostgreSQL apply exactly the same rules; each store only makes them
 * atomic.
 *
 * @module
 */
import { defineOrFail } from '../tenant/define.js';
import type { TenantConfig } from '../types.js';

/** The fields of a tenant configuration that the setup flow stages: the IdP side, nothing of ours. */
export const IDP_SETTING_FIELDS = ['idp', 'preset', 'email', 'attributeNames'] as const;

/**
 * The IdP side of a tenant's configuration: what an organisation's admin pastes in. The SP side
 * (our entity ID, ACS URL and private keys), domains and toggles are never part of a draft, so a
 * draft holds no secret and cannot move a tenant's keys.
 */
export type IdpSettings = Pick<TenantConfig, 'idp'> &
  Partial<Pick<TenantConfig, 'preset' | 'email' | 'attributeNames'>>;

/** The outcome of a draft's test connection. */
export interface DraftTest {
  /** `true` only when every check of `explainResponse` passed. */
  readonly passed: boolean;
  /** When the response was checked (ISO 8601). */
  readonly at: string;
  /** Who ran it: the app's identifier of the admin. */
  readonly by: string;
  /** The failed check's error code, when it failed. */
  readonly code?: string;
}

/** A staged change of the IdP settings. */
export interface SetupDraft {
  /** A fresh random value per save: a test result and a promotion name the revision they are for. */
  readonly revision: string;
  /** When it was saved (ISO 8601). */
  readonly savedAt: string;
  /** The IdP settings it would make live. */
  readonly settings: IdpSettings;
  /** The metadata URL the settings came from, when they did. */
  readonly metadataUrl?: string;
  /** The test connection of this revision; absent until one finished. */
  readonly test?: DraftTest;
}

/** The IdP settings a promotion replaced: what a restore puts back. */
export interface ReplacedSettings {
  /** The settings that were live. */
  readonly settings: IdpSettings;
  /** Their metadata URL, when they had one. */
  readonly metadataUrl?: string;
  /** When they were replaced (ISO 8601). */
  readonly replacedAt: string;
}

/** A successful SSO login of one of the tenant's admins, through the IdP settings then live or tested. */
export interface AdminSsoLogin {
  /** The app's identifier of the admin. */
  readonly by: string;
  /** When (ISO 8601). */
  readonly at: string;
  /** The fingerprint (issuer and certificates) of the IdP settings the login went through. */
  readonly idp: string;
}

/**
 * The switches of a live configuration that the tenant's admin flips. Fields left out keep their
 * value; the IdP settings, the SP side and the domains are never touched.
 */
export interface SsoToggles {
  /** SAML sign-in on or off (`TenantConfig.enabled`). */
  readonly enabled?: boolean;
  /** Members must sign in with SSO (`TenantConfig.requireSso`). */
  readonly requireSso?: boolean;
  /** The addresses that keep password login under require-SSO (`TenantConfig.breakGlassEmails`). */
  readonly breakGlassEmails?: readonly string[];
}

/** Everything the setup flow keeps for one tenant. Every field is optional: `{}` is a fresh tenant. */
export interface TenantSetup {
  /** The staged change, if any. */
  readonly draft?: SetupDraft;
  /** The settings the last promotion (or restore) replaced. */
  readonly previous?: ReplacedSettings;
  /** The metadata URL of the live settings, when they came from one (certificate refresh reads it). */
  readonly metadataUrl?: string;
  /** The last successful SSO login of an admin (the require-SSO guard asks for one). */
  readonly adminLogin?: AdminSsoLogin;
}

/** One change of a {@link TenantSetup}, as {@link applySetupChange} applies it. */
export type SetupChange =
  | { readonly kind: 'saveDraft'; readonly draft: SetupDraft; readonly onlyIfNone?: boolean }
  | { readonly kind: 'recordTest'; readonly revision: string; readonly test: DraftTest }
  | { readonly kind: 'discardDraft' }
  | { readonly kind: 'promote'; readonly revision: string; readonly at: string }
  | { readonly kind: 'restore'; readonly at: string }
  | { readonly kind: 'adminLogin'; readonly login: AdminSsoLogin }
  | { readonly kind: 'toggles'; readonly toggles: SsoToggles };

/** What a change makes: the new record, and the new live configuration when the change touches it. */
export interface SetupOutcome {
  readonly record: TenantSetup;
  readonly live?: TenantConfig;
}

/** The IdP side of a configuration. */
export function idpSettingsOf(config: TenantConfig): IdpSettings {
  const { idp, preset, email, attributeNames } = config;
  return {
    idp,
    ...(preset !== undefined && { preset }),
    ...(email !== undefined && { email }),
    ...(attributeNames !== undefined && { attributeNames }),
  };
}

/** `config` with its IdP side replaced by `settings` (fields absent there are removed). */
export function withIdpSettings(config: TenantConfig, settings: IdpSettings): TenantConfig {
  const rest = Object.fromEntries(
    Object.entries(config).filter(([field]) => !(IDP_SETTING_FIELDS as readonly string[]).includes(field)),
  ) as Omit<TenantConfig, 'idp'>;
  return { ...rest, ...idpSettingsOf(settings as TenantConfig) };
}

/**
 * A short, stable name of IdP settings: which issuer and which certificates are trusted. A recorded
 * admin login counts for the live settings only while they have the same fingerprint.
 */
export function idpFingerprint(settings: IdpSettings): string {
  const certificates = settings.idp.certificates.map((pem) => pem.replace(/-----[^-]+-----|\s+/g, '')).sort();
  return JSON.stringify([settings.idp.entityId, certificates]);
}

/**
 * Applies one change; `undefined` when it does not apply (no draft, another revision, an untested
 * draft, nothing to restore, require-SSO without an admin's SSO login through the live IdP
 * settings): the store then writes nothing and reports `false`.
 *
 * @throws SamlError `TENANT_CONFIG_INVALID` when the resulting live configuration does not validate.
 */
export function applySetupChange(
  record: TenantSetup,
  change: SetupChange,
  live: TenantConfig,
): SetupOutcome | undefined {
  const { draft, ...rest } = record;
  switch (change.kind) {
    case 'saveDraft':
      // A draft staged by the certificate check never replaces one an admin saved meanwhile.
      if (change.onlyIfNone === true && draft !== undefined) return undefined;
      return { record: { ...rest, draft: change.draft } };
    case 'recordTest':
      if (draft?.revision !== change.revision) return undefined;
      return { record: { ...record, draft: { ...draft, test: change.test } } };
    case 'discardDraft':
      return draft === undefined ? undefined : { record: rest };
    case 'promote': {
      // Only the revision the admin tested, and only when the test passed (never a stale one).
      if (draft?.revision !== change.revision || draft.test?.passed !== true) return undefined;
      const kept = withoutLive(rest);
      const { by, at } = draft.test;
      return {
        record: {
          ...kept,
          previous: replaced(live, record.metadataUrl, change.at),
          ...(draft.metadataUrl !== undefined && { metadataUrl: draft.metadataUrl }),
          // The passed test was an admin's SSO login through exactly these settings: it counts for
          // the lock-out guard from the moment they are live (and not before, nor for others).
          adminLogin: { by, at, idp: idpFingerprint(draft.settings) },
        },
        live: defineOrFail(withIdpSettings(live, draft.settings)),
      };
    }
    case 'restore': {
      const { previous } = record;
      if (previous === undefined) return undefined;
      const kept = withoutLive(record);
      return {
        record: {
          ...kept,
          previous: replaced(live, record.metadataUrl, change.at),
          ...(previous.metadataUrl !== undefined && { metadataUrl: previous.metadataUrl }),
        },
        live: defineOrFail(withIdpSettings(live, previous.settings)),
      };
    }
    case 'adminLogin':
      return { record: { ...record, adminLogin: change.login } };
    case 'toggles':
      // The lock-out guard's last rule, decided in the same atomic step as the write: require-SSO
      // needs an admin's SSO login through the IdP settings live *now*, so a promotion or restore
      // that lands between the guard's checks and this write cannot slip under it. The toggles are
      // applied to the stored configuration, never to a copy read earlier, so they cannot undo it.
      if (
        change.toggles.requireSso === true &&
        record.adminLogin?.idp !== idpFingerprint(idpSettingsOf(live))
      )
        return undefined;
      return { record, live: defineOrFail({ ...live, ...togglesOf(change.toggles) }) };
  }
}

/**
 * Only the three switches: nothing else a caller's object holds (an `idp`, say) reaches the live
 * configuration.
 */
function togglesOf({ enabled, requireSso, breakGlassEmails }: SsoToggles): SsoToggles {
  return {
    ...(enabled !== undefined && { enabled }),
    ...(requireSso !== undefined && { requireSso }),
    ...(breakGlassEmails !== undefined && { breakGlassEmails: [...breakGlassEmails] }),
  };
}

/** The record without what describes the live settings (their metadata URL, the replaced ones). */
function withoutLive(record: TenantSetup): TenantSetup {
  return {
    ...(record.draft !== undefined && { draft: record.draft }),
    ...(record.adminLogin !== undefined && { adminLogin: record.adminLogin }),
  };
}

function replaced(live: TenantConfig, metadataUrl: string | undefined, at: string): ReplacedSettings {
  return {
    settings: idpSettingsOf(live),
    ...(metadataUrl !== undefined && { metadataUrl }),
    replacedAt: at,
  };
}

/** A stored record, read back: anything that is not an object is corrupt. */
export function setupFromJson(value: unknown): TenantSetup | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** Checks the arguments of the store methods (the calling developer's mistakes are TypeErrors). */
export function checkSetupChange(tenantId: unknown, change: SetupChange): void {
  if (typeof tenantId !== 'string') throw new TypeError('tenantId must be a string');
  const check = (value: unknown, name: string): void => {
    if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  };
  switch (change.kind) {
    case 'saveDraft':
      check(change.draft.revision, 'draft.revision');
      check(change.draft.savedAt, 'draft.savedAt');
      if (typeof change.draft.settings !== 'object' || typeof change.draft.settings.idp !== 'object')
        throw new TypeError('draft.settings must hold the IdP settings (idp)');
      break;
    case 'recordTest':
      check(change.revision, 'revision');
      check(change.test.by, 'test.by');
      break;
    case 'promote':
      check(change.revision, 'revision');
      break;
    case 'adminLogin':
      check(change.login.by, 'login.by');
      check(change.login.idp, 'login.idp');
      break;
    case 'toggles': {
      const given: unknown = change.toggles;
      if (typeof given !== 'object' || given === null) throw new TypeError('toggles must be an object');
      const { enabled, requireSso, breakGlassEmails } = change.toggles;
      for (const [name, value] of [
        ['enabled', enabled],
        ['requireSso', requireSso],
      ] as const) {
        if (value !== undefined && typeof value !== 'boolean')
          throw new TypeError(`toggles.${name} must be a boolean`);
      }
      if (
        breakGlassEmails !== undefined &&
        (!Array.isArray(breakGlassEmails) || !breakGlassEmails.every((email) => typeof email === 'string'))
      )
        throw new TypeError('toggles.breakGlassEmails must be an array of strings');
      break;
    }
    default:
  }
}

/**
 * The seven changes of {@link SetupStore}, spelled once for the three stores: each is one atomic
 * {@link SetupChanges.applySetupChange} of the store that extends this class.
 */
export abstract class SetupChanges {
  /** Applies one change atomically, with the rules of this module; `false` when it does not apply. */
  protected abstract applySetupChange(tenantId: string, change: SetupChange): Promise<boolean>;

  /** Saves the draft, replacing any other; `false` for an unknown tenant. */
  saveDraft(
    tenantId: string,
    draft: SetupDraft,
    options: { readonly onlyIfNone?: boolean } = {},
  ): Promise<boolean> {
    return this.applySetupChange(tenantId, {
      kind: 'saveDraft',
      draft,
      ...(options.onlyIfNone === true && { onlyIfNone: true }),
    });
  }

  /** Records the test of draft revision `revision`; `false` when the draft changed since. */
  recordDraftTest(tenantId: string, revision: string, test: DraftTest): Promise<boolean> {
    return this.applySetupChange(tenantId, { kind: 'recordTest', revision, test });
  }

  /** Drops the draft; `false` when there was none. */
  discardDraft(tenantId: string): Promise<boolean> {
    return this.applySetupChange(tenantId, { kind: 'discardDraft' });
  }

  /** Makes the tested draft revision live, keeping the replaced settings; `false` when it does not apply. */
  promoteDraft(tenantId: string, revision: string, at: Date): Promise<boolean> {
    return this.applySetupChange(tenantId, { kind: 'promote', revision, at: isoTime(at) });
  }

  /** Swaps the live IdP settings with the previous ones; `false` when there are none. */
  restorePrevious(tenantId: string, at: Date): Promise<boolean> {
    return this.applySetupChange(tenantId, { kind: 'restore', at: isoTime(at) });
  }

  /** Records an admin's successful SSO login; `false` for an unknown tenant. */
  recordAdminLogin(tenantId: string, login: AdminSsoLogin): Promise<boolean> {
    return this.applySetupChange(tenantId, { kind: 'adminLogin', login });
  }

  /**
   * Flips switches of the live configuration; `false` for an unknown tenant, or require-SSO without
   * the admin login.
   */
  setSsoToggles(tenantId: string, toggles: SsoToggles): Promise<boolean> {
    return this.applySetupChange(tenantId, { kind: 'toggles', toggles });
  }
}

/** A Date argument as the ISO 8601 text a setup record keeps; a TypeError for anything else. */
function isoTime(at: unknown): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('at must be a valid Date');
  return at.toISOString();
}
