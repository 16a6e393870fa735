/**
 * The lock-out guard of the setup flow: require-SSO only when nobody is locked out by it, and,
 * before SAML is turned off or the IdP replaced, who would be affected (as far as samlkit can
 * know it). See docs/admin-setup.md.
 *
 * @module
 */
import { fail } from '../internal/fail.js';
import { normalizeTypedEmail } from '../internal/email.js';
import { idpFingerprint, idpSettingsOf, type TenantSetup } from '../store/setup-record.js';
import type { SetupStore, TenantStore } from '../store/types.js';
import type { TenantConfig } from '../types.js';
import { emitter, type EventHandler } from '../service/events.js';
import { currentTime } from '../internal/time.js';
import type { Clock } from '../types.js';

/** What turning SAML off or replacing the IdP would touch, as far as samlkit can know it. */
export interface SetupImpact {
  /** The change judged. */
  readonly change: 'disable' | 'replace-idp';
  /** The tenant's verified domains: their users sign in through this tenant's IdP. */
  readonly verifiedDomains: readonly string[];
  /** Require SSO is on: those users have no password login (except the break-glass addresses). */
  readonly requireSso: boolean;
  /** How many break-glass addresses keep password login. */
  readonly breakGlassCount: number;
  /**
   * For `replace-idp`: the draft's IdP has another entity ID. Accounts keyed by (tenant, issuer,
   * NameID) will not match the new IdP's logins until linked again (by verified email).
   */
  readonly issuerChanges: boolean;
  /**
   * Users of the tenant the app counts as active (its `countActiveUsers`), or `undefined` when the
   * app gave no counter: samlkit keeps no list of a tenant's users, and its session store finds
   * sessions by NameID only.
   */
  readonly activeUsers?: number;
  /** The same, as sentences for the admin. */
  readonly summary: readonly string[];
}

/** Options of {@link createLockoutGuard}. */
export interface LockoutGuardOptions {
  /** The tenants. */
  readonly tenants: TenantStore;
  /** The setup records (the admin's recorded SSO login). */
  readonly setup: SetupStore;
  /** Counts the tenant's active users (e.g. app sessions or SCIM users), for {@link SetupImpact.activeUsers}. */
  readonly countActiveUsers?: (tenantId: string) => Promise<number>;
  /**
   * Receives `saml.tenant.configuration_changed` when a toggle changes the configuration (the same
   * handler as the service provider's `onEvent`). A handler that throws changes nothing here.
   */
  readonly onEvent?: EventHandler;
  /** The clock of the events. Default: the system clock. */
  readonly now?: Clock;
}

/** Options of {@link LockoutGuard.setRequireSso}. */
export interface RequireSsoChange {
  /** Turn require-SSO on or off. */
  readonly requireSso: boolean;
  /** The break-glass addresses (they keep password login): any values, from a form. */
  readonly breakGlassEmails: readonly unknown[];
}

/** The guarded toggles; made by {@link createLockoutGuard}. */
export interface LockoutGuard {
  /**
   * Turns require-SSO on or off with the break-glass addresses. On is refused with
   * `SETUP_LOCKOUT_GUARD` unless the tenant has a verified email domain (else it enforces nothing),
   * at least one break-glass address (the way back in when the IdP fails) and a recorded successful
   * SSO login of an admin through the live IdP settings (else the IdP may not work at all).
   */
  setRequireSso(tenantId: string, change: RequireSsoChange): Promise<void>;
  /** Turns SAML login on or off for the tenant (off: its users fall back to password login). */
  setEnabled(tenantId: string, enabled: boolean): Promise<void>;
  /** Who turning SAML off, or promoting the draft (replacing the IdP), would affect. */
  impact(tenantId: string, change: 'disable' | 'replace-idp'): Promise<SetupImpact>;
}

/** Most break-glass addresses a tenant keeps: a few admins' accounts, not a list of members. */
const MAX_BREAK_GLASS = 100;

/**
 * Creates the lock-out guard over the tenant and setup stores.
 *
 * @example
 * ```ts
 * const guard = createLockoutGuard({ tenants: store, setup: store });
 * await guard.setRequireSso('acme', { requireSso: true, breakGlassEmails: ['root@acme.com'] });
 * ```
 */
export function createLockoutGuard(options: LockoutGuardOptions): LockoutGuard {
  const { tenants, setup } = options;

  async function load(
    tenantId: string,
  ): Promise<{ readonly config: TenantConfig; readonly record: TenantSetup }> {
    const config = await tenants.get(tenantId);
    const record = await setup.getSetup(tenantId);
    if (config === undefined || record === undefined) unknownTenant();
    return { config, record };
  }

  function unknownTenant(): never {
    fail('TENANT_NOT_FOUND', 'No tenant has this ID', { hint: 'Check the tenant ID of the setup page.' });
  }

  /** The store refused require-SSO in its own step: the IdP settings changed since they were checked. */
  function changedMeanwhile(tenantId: string): never {
    fail('SETUP_LOCKOUT_GUARD', 'The IdP settings changed while require SSO was being turned on', {
      hint: 'Reload the SSO settings page: another admin promoted or restored IdP settings just now. Sign in once with SSO through the settings now live, then turn require SSO on again.',
      tenantId,
    });
  }

  const emit = emitter(options.onEvent, 'options.onEvent');
  function changed(tenantId: string, fields: readonly string[]): void {
    emit({
      name: 'saml.tenant.configuration_changed',
      time: currentTime(options.now, 'options.now'),
      attributes: { 'saml.tenant.id': tenantId, 'saml.configuration.fields': fields },
    });
  }

  async function verifiedDomains(tenantId: string): Promise<string[]> {
    return (await tenants.domainClaims(tenantId))
      .filter((claim) => claim.status === 'verified')
      .map((claim) => claim.domain);
  }

  return {
    async setRequireSso(tenantId, change) {
      const { config, record } = await load(tenantId);
      if (!Array.isArray(change.breakGlassEmails))
        throw new TypeError('change.breakGlassEmails must be an array');
      if (change.breakGlassEmails.length > MAX_BREAK_GLASS)
        fail('SETUP_LOCKOUT_GUARD', 'Too many break-glass addresses', {
          hint: `Keep a few break-glass addresses (at most ${MAX_BREAK_GLASS}): each one keeps password login while SSO is required.`,
          tenantId,
        });
      const breakGlassEmails: string[] = [];
      for (const value of change.breakGlassEmails) {
        const typed = typeof value === 'string' ? value.trim() : '';
        if (typed === '') continue;
        const email = normalizeTypedEmail(typed);
        if (email === undefined)
          fail('SETUP_LOCKOUT_GUARD', 'A break-glass address is not an email address', {
            hint: 'Enter each break-glass address as name@company.com, separated by commas.',
            tenantId,
          });
        breakGlassEmails.push(email.address);
      }
      if (change.requireSso) {
        const guard = (message: string, hint: string): never =>
          fail('SETUP_LOCKOUT_GUARD', message, { hint, tenantId });
        if ((await verifiedDomains(tenantId)).length === 0)
          guard(
            'No email domain is verified',
            'Verify an email domain first: require SSO applies to the users of verified domains only.',
          );
        if (breakGlassEmails.length === 0)
          guard(
            'No break-glass address',
            'Add at least one break-glass address: it keeps password login when the IdP fails.',
          );
        if (record.adminLogin?.idp !== idpFingerprint(idpSettingsOf(config)))
          guard(
            'No admin has signed in with SSO through the current IdP settings',
            'Sign in once with SSO as an admin (or pass a test connection and promote it), so that we know the IdP works.',
          );
      }
      // The store applies the switches to what it holds now, and checks the admin-login rule again
      // in the same step: an IdP promoted or restored since the checks above is neither undone nor
      // put under require-SSO without a login through it.
      if (!(await setup.setSsoToggles(tenantId, { requireSso: change.requireSso, breakGlassEmails })))
        return change.requireSso ? changedMeanwhile(tenantId) : unknownTenant();
      changed(tenantId, ['requireSso', 'breakGlassEmails']);
    },

    async setEnabled(tenantId, enabled) {
      if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
      await load(tenantId);
      if (!(await setup.setSsoToggles(tenantId, { enabled }))) unknownTenant(); // deleted meanwhile
      changed(tenantId, ['enabled']);
    },

    async impact(tenantId, change) {
      const { config, record } = await load(tenantId);
      const domains = await verifiedDomains(tenantId);
      const requireSso = config.requireSso === true;
      const breakGlassCount = config.breakGlassEmails?.length ?? 0;
      const draftIssuer = record.draft?.settings.idp.entityId;
      const issuerChanges =
        change === 'replace-idp' && draftIssuer !== undefined && draftIssuer !== config.idp.entityId;
      const activeUsers =
        options.countActiveUsers === undefined ? undefined : await options.countActiveUsers(tenantId);
      const summary: string[] = [];
      const where = domains.length === 0 ? 'no verified domain' : domains.join(', ');
      summary.push(
        change === 'disable'
          ? `Users of ${where} will no longer sign in with SSO${requireSso ? '; require SSO stops applying and they need a password' : ' and need a password'}.`
          : `Users of ${where} will sign in through the new IdP from now on.`,
      );
      if (issuerChanges)
        summary.push(
          'The new IdP has another entity ID: existing accounts are matched again by their verified email, or must be linked by hand.',
        );
      if (requireSso) summary.push(`${breakGlassCount} break-glass address(es) keep password login.`);
      summary.push(
        activeUsers === undefined
          ? 'How many users are signed in now is not known to samlkit.'
          : `${activeUsers} user(s) of this organisation are active now.`,
      );
      return {
        change,
        verifiedDomains: domains,
        requireSso,
        breakGlassCount,
        issuerChanges,
        ...(activeUsers !== undefined && { activeUsers }),
        summary,
      };
    },
  };
}
