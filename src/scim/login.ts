/**
 * Refusing SSO logins of users the directory deactivated: the hook `createServiceProvider` calls
 * after a response verified, before the login counts.
 *
 * @module
 */
import { fail } from '../internal/fail.js';
import type { SamlProfile } from '../types.js';
import { externalIdKey, userNameKey } from './filter.js';
import type { DirectoryStore } from './store.js';

/** What `createServiceProvider({ directory })` calls for each verified login. */
export interface DirectoryLoginGate {
  /**
   * Resolves when the directory lets the verified user in; rejects with `USER_DEACTIVATED` when it
   * deactivated them (or, with `requireProvisioned`, does not know them).
   */
  checkLogin(profile: SamlProfile): Promise<void>;
}

/** Options of {@link createDirectoryLoginGate}. */
export interface DirectoryLoginGateOptions {
  /**
   * Also refuse users the tenant's directory does not hold (never provisioned, or deleted). Only for
   * tenants that provision every user by SCIM; default `false`: the directory refuses only users it
   * deactivated.
   */
  readonly requireProvisioned?: boolean;
}

/**
 * A {@link DirectoryLoginGate} over a directory store. The matching rule: within the login's tenant
 * only, the directory users whose `userName` equals the NameID or the profile's email (ASCII case
 * ignored, as `userName` uniqueness is), or whose `externalId` equals the NameID (exactly). If any
 * of them is deactivated (`active: false`), the login is refused with `USER_DEACTIVATED`; one
 * deactivated match is enough, so an IdP cannot slip past it by switching the NameID format.
 *
 * @example
 * ```ts
 * const sp = createServiceProvider({ tenants: store, state: store, directory: createDirectoryLoginGate(directory) });
 * ```
 */
export function createDirectoryLoginGate(
  directory: DirectoryStore,
  options: DirectoryLoginGateOptions = {},
): DirectoryLoginGate {
  if (typeof (directory as Partial<DirectoryStore> | undefined)?.findByKey !== 'function')
    throw new TypeError('directory must be a DirectoryStore');
  const requireProvisioned = options.requireProvisioned === true;
  return {
    async checkLogin(profile) {
      const tenantId = profile.tenantId;
      const keys = new Set([userNameKey(profile.nameId), externalIdKey(profile.nameId)]);
      if (profile.email !== undefined) keys.add(userNameKey(profile.email));
      const records = await Promise.all([...keys].map((key) => directory.findByKey(tenantId, 'User', key)));
      const users = records.flatMap((record) => {
        if (record === undefined) return [];
        try {
          const data = JSON.parse(record.data) as { resource?: { active?: unknown } };
          return [data.resource?.active !== false];
        } catch {
          return [false]; // unreadable: fail closed
        }
      });
      if (users.includes(false) || (requireProvisioned && users.length === 0)) {
        fail('USER_DEACTIVATED', 'The tenant’s directory does not let this user sign in', {
          hint:
            users.length === 0
              ? 'The user is not provisioned to the application: assign them to the app in the IdP and let provisioning run.'
              : 'The IdP deactivated this user (SCIM active = false). Reactivate or reassign them in the IdP.',
          tenantId,
          received: profile.nameId,
          receivedIsPersonal: true,
        });
      }
    },
  };
}
