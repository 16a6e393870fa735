/**
 * Group → role mapping: turns the groups a verified profile carries into the app's roles, with the
 * tenant's {@link RoleMapping}.
 *
 * @module
 */
import type { SamlProfile, TenantConfig } from '../types.js';
import { checkedRoleMapping } from './validate.js';
import { GROUPS_OVERAGE_CLAIM } from '../idp/azure.js';

/** What {@link mapRoles} found. */
export interface MappedRoles {
  /** The roles granted, in rule order, each once; `[defaultRole]` when no rule matched. */
  readonly roles: string[];
  /**
   * The IdP said the user's groups did not fit in the token (Entra ID's
   * {@link GROUPS_OVERAGE_CLAIM}), so `roles` was computed without them. Ask Microsoft Graph for the
   * user's groups and map again; see {@link mapRoles}.
   */
  readonly groupsOverage: boolean;
}

/**
 * Applies the tenant's `roles` mapping to a verified profile. Every rule whose `group` is one of
 * `profile.groups` (exact, case-sensitive) grants its `role`; a user gets every matching role, in
 * rule order, each once. `defaultRole` applies only when no rule matched. A tenant without
 * `roles` grants no role. Pure: no I/O.
 *
 * Group names are what the IdP sends, which is not always the display name: Entra ID sends group
 * object IDs unless the group claim is set to send names (sAMAccountName or cloud-only display
 * names), Keycloak's default mapper sends role names.
 *
 * **Entra ID groups overage.** When a user is in more than 150 groups, Entra ID leaves the groups
 * out of the SAML token and sends {@link GROUPS_OVERAGE_CLAIM} instead. `groupsOverage` is then
 * `true` and `roles` holds only what applies without groups (the default role, if any). The app
 * must fetch the groups from Microsoft Graph (`POST /users/{id}/getMemberObjects`, or
 * `GET /users/{id}/transitiveMemberOf`, where `{id}` is the
 * `http://schemas.microsoft.com/identity/claims/objectidentifier` claim), with an application
 * permission such as `GroupMember.Read.All`, and map again with
 * `mapRoles(tenant, { ...profile, groups })`. Alternatively, have Entra ID send only the groups
 * assigned to the application, which avoids the overage.
 *
 * @param tenant - A tenant from `defineTenant` (validated once), or a plain configuration, which is
 *   validated on every call.
 * @param profile - The profile `verifyResponse` returned for this tenant.
 * @throws TypeError when the configuration is invalid, or the profile is not one of this tenant's.
 *
 * @example
 * ```ts
 * const tenant = defineTenant({
 *   ...config,
 *   roles: { rules: [{ group: 'Admins', role: 'admin' }, { group: 'Staff', role: 'member' }], defaultRole: 'viewer' },
 * });
 * const profile = await verifyResponse(tenant, form, checks);
 * let { roles, groupsOverage } = mapRoles(tenant, profile);
 * // profile.groups ['Staff', 'Admins'] → roles ['admin', 'member']; ['Sales'] → ['viewer']
 * if (groupsOverage) {
 *   // your Microsoft Graph call, with the objectidentifier claim
 *   const groups = await groupsFromGraph(profile.attributes['http://schemas.microsoft.com/identity/claims/objectidentifier']?.[0]);
 *   ({ roles } = mapRoles(tenant, { ...profile, groups }));
 * }
 * ```
 * @see SAML 2.0 core §2.7.3 (AttributeStatement), which carries the groups.
 */
export function mapRoles(tenant: Pick<TenantConfig, 'id' | 'roles'>, profile: SamlProfile): MappedRoles {
  // Only the roles are read: a tenant without its keys (LoginResult.tenant) maps the same.
  const mapping = checkedRoleMapping(tenant.roles);
  if (!Array.isArray(profile.groups)) {
    throw new TypeError('profile must be the SamlProfile that verifyResponse returned');
  }
  if (profile.tenantId !== tenant.id) {
    throw new TypeError(
      `profile belongs to tenant ${JSON.stringify(profile.tenantId)}, not ${JSON.stringify(tenant.id)}`,
    );
  }
  const groupsOverage = Object.hasOwn(profile.attributes, GROUPS_OVERAGE_CLAIM);
  if (mapping === undefined) return { roles: [], groupsOverage };
  const groups = new Set(profile.groups);
  const roles = new Set<string>();
  for (const rule of mapping.rules) if (groups.has(rule.group)) roles.add(rule.role);
  if (roles.size === 0 && mapping.defaultRole !== undefined) roles.add(mapping.defaultRole);
  return { roles: [...roles], groupsOverage };
}
