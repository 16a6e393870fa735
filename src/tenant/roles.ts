/**
 * Group → role mapping: turns the groups a verified profile carries into the app's roles, with the
 * tenant's {@link RoleMapping}.
 *
 * @module
 */
import { GROUPS_OVERAGE_CLAIM } from '../idp/azure.js';
import type { RoleMapping, RoleRule, SamlProfile, TenantConfig } from '../types.js';
import { isTenant } from './define.js';
import { checkedAppRoleMapping, checkedRoleMapping } from './validate.js';

/** What {@link mapRoles} found. */
export interface MappedRoles {
  /**
   * The roles granted, in rule order, each once (with `precedence: 'first'`, at most one);
   * `[defaultRole]` when no rule matched.
   */
  readonly roles: string[];
  /**
   * The IdP said the user's groups did not fit in the token (Entra ID's
   * {@link GROUPS_OVERAGE_CLAIM}), so `roles` was computed without them. Ask Microsoft Graph for the
   * user's groups and map again; see {@link mapRoles}.
   */
  readonly groupsOverage: boolean;
}

/** Options of {@link mapRoles}. */
export interface MapRolesOptions {
  /**
   * The app-wide mapping (`ServiceProviderOptions.roles`): used by a tenant without `roles`, and
   * after the tenant's own rules when its mapping says `inherit: true`.
   */
  readonly defaults?: RoleMapping;
}

/**
 * Applies the tenant's `roles` mapping to a verified profile. Every rule that matches one of
 * `profile.groups` grants its `role` (`group`: the whole name; `groupPrefix`: its start;
 * `groupGlob`: `*` for any run of characters), exact case unless `caseInsensitive`. With
 * `precedence: 'all'` (default) the user gets every matching role, in rule order, each once; with
 * `'first'`, only the first matching rule's role. `defaultRole` applies only when no rule matched.
 *
 * **Inheritance.** `options.defaults` is the app-wide mapping: a tenant without `roles` uses it; a
 * tenant mapping with `inherit: true` puts its own rules first and then the app's, and takes
 * `defaultRole`, `precedence` and `caseInsensitive` from the app's unless it sets them; any other
 * tenant mapping replaces it. Without either, no role is granted. Pure: no I/O, and no regular
 * expression is built from configuration (docs/policies.md).
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
 * `mapRoles(tenant, { ...profile, groups }, { defaults })`, `defaults` being the app-wide mapping
 * the service was given (`createServiceProvider({ roles })`), if any. Alternatively, have Entra ID send only the groups
 * assigned to the application, which avoids the overage.
 *
 * @param tenant - A tenant from `defineTenant` (validated once), or a plain configuration, which is
 *   validated on every call.
 * @param profile - The profile `verifyResponse` returned for this tenant.
 * @param options - `defaults`: the app-wide mapping the tenant inherits.
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
export function mapRoles(
  tenant: Pick<TenantConfig, 'id' | 'roles'>,
  profile: SamlProfile,
  options: MapRolesOptions = {},
): MappedRoles {
  // Called by hand, with groups from elsewhere (Microsoft Graph, after an overage): each argument
  // is checked, and each group must be a name.
  if (typeof (tenant as unknown) !== 'object' || (tenant as unknown) === null)
    throw new TypeError('tenant must be a tenant configuration or LoginResult.tenant');
  const given: unknown = profile;
  if (typeof given !== 'object' || given === null)
    throw new TypeError('profile must be the SamlProfile that verifyResponse returned');
  const groups: unknown = profile.groups;
  if (Array.isArray(groups) && !groups.every((group) => typeof group === 'string'))
    throw new TypeError('profile.groups must be an array of group names (strings)');
  // Only the roles are read: a tenant without its keys (LoginResult.tenant) maps the same. A
  // defined tenant's mapping was checked by defineTenant, and the tenant is frozen since.
  const own = isTenant(tenant as TenantConfig) ? tenant.roles : checkedRoleMapping(tenant.roles);
  return mappedRoles(own, checkedAppRoleMapping(options.defaults, 'options.defaults'), tenant.id, profile);
}

/**
 * {@link mapRoles} with mappings already checked: the service's (a defined tenant's, and the
 * app-wide one it checked once), so that no login pays for checking them again.
 *
 * @internal
 */
export function mappedRoles(
  own: RoleMapping | undefined,
  defaults: RoleMapping | undefined,
  tenantId: string,
  profile: SamlProfile,
): MappedRoles {
  if (!Array.isArray(profile.groups)) {
    throw new TypeError('profile must be the SamlProfile that verifyResponse returned');
  }
  if (profile.tenantId !== tenantId) {
    throw new TypeError(
      `profile belongs to tenant ${JSON.stringify(profile.tenantId)}, not ${JSON.stringify(tenantId)}`,
    );
  }
  const groupsOverage = Object.hasOwn(profile.attributes, GROUPS_OVERAGE_CLAIM);
  const mapping = effectiveMapping(own, defaults);
  if (mapping === undefined) return { roles: [], groupsOverage };
  const fold =
    mapping.caseInsensitive === true ? (text: string) => text.toLowerCase() : (text: string) => text;
  const groups = profile.groups.map(fold);
  const exact = new Set(groups);
  const roles = new Set<string>();
  for (const rule of mapping.rules) {
    if (!ruleMatches(rule, exact, groups, fold)) continue;
    roles.add(rule.role);
    if (mapping.precedence === 'first') break;
  }
  if (roles.size === 0 && mapping.defaultRole !== undefined) roles.add(mapping.defaultRole);
  return { roles: [...roles], groupsOverage };
}

/**
 * The role mapping of the group-name convention `<app>-role-<role>` (Openlayer's
 * `openlayer-role-admin`, `-member`, `-viewer`): one exact rule per role, in the order given, with
 * `precedence: 'first'`, so that list the strongest role first. Pass it as
 * `ServiceProviderOptions.roles` for every tenant to inherit.
 *
 * @example
 * ```ts
 * const roles = groupRoleConvention('openlayer', ['admin', 'member', 'viewer']);
 * // { rules: [{ group: 'openlayer-role-admin', role: 'admin' }, …], precedence: 'first' }
 * ```
 */
export function groupRoleConvention(
  app: string,
  roles: readonly string[],
  options: { readonly caseInsensitive?: boolean; readonly defaultRole?: string } = {},
): RoleMapping {
  if (typeof app !== 'string' || app === '') throw new TypeError('app must be a non-empty string');
  const given: unknown = roles;
  if (
    !Array.isArray(given) ||
    given.length === 0 ||
    !given.every((role): role is string => typeof role === 'string' && role !== '')
  )
    throw new TypeError('roles must be a non-empty array of role names');
  return Object.freeze({
    rules: Object.freeze(given.map((role) => Object.freeze({ group: `${app}-role-${role}`, role }))),
    precedence: 'first',
    ...(options.caseInsensitive !== undefined && { caseInsensitive: options.caseInsensitive }),
    ...(options.defaultRole !== undefined && { defaultRole: options.defaultRole }),
  });
}

/** The tenant's mapping, the app's, or the tenant's rules over the app's (`inherit`). */
function effectiveMapping(
  own: RoleMapping | undefined,
  defaults: RoleMapping | undefined,
): RoleMapping | undefined {
  if (own === undefined) return defaults;
  if (own.inherit !== true || defaults === undefined) return own;
  const defaultRole = own.defaultRole ?? defaults.defaultRole;
  const precedence = own.precedence ?? defaults.precedence;
  const caseInsensitive = own.caseInsensitive ?? defaults.caseInsensitive;
  return {
    rules: [...own.rules, ...defaults.rules],
    ...(defaultRole !== undefined && { defaultRole }),
    ...(precedence !== undefined && { precedence }),
    ...(caseInsensitive !== undefined && { caseInsensitive }),
  };
}

function ruleMatches(
  rule: RoleRule,
  exact: ReadonlySet<string>,
  groups: readonly string[],
  fold: (text: string) => string,
): boolean {
  if ('group' in rule) return exact.has(fold(rule.group));
  if ('groupPrefix' in rule) {
    const prefix = fold(rule.groupPrefix);
    return groups.some((group) => group.startsWith(prefix));
  }
  const pattern = fold(rule.groupGlob);
  return groups.some((group) => globMatches(pattern, group));
}

/**
 * `*` matches any run of characters, everything else itself. The literal pieces between stars are
 * found left to right with `indexOf` (the leftmost match is always the best one for stars), so a
 * pattern costs at most one scan of the name per piece: no backtracking, no regular expression.
 */
export function globMatches(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === text;
  const first = pieces[0] ?? '';
  const last = pieces[pieces.length - 1] ?? '';
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last))
    return false;
  let from = first.length;
  const end = text.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    if (piece === '') continue;
    const at = text.indexOf(piece, from);
    if (at === -1 || at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}
