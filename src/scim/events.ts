/**
 * What the directory tells the application: users created, updated, deactivated and deleted, and
 * group memberships changed, each with the roles the tenant's role mapping grants (the same
 * {@link mapRoles} a login uses).
 *
 * @module
 */
import type { TenantConfig } from '../types.js';
import { mapRoles } from '../tenant/roles.js';
import type { JsonObject } from './schema.js';

/** A directory user as events carry it: the fields apps act on, and the whole SCIM resource. */
export interface DirectoryUser {
  /** The SCIM `id` this server gave the user. */
  readonly id: string;
  /** The IdP's unique name for the user (often the UPN or email). */
  readonly userName: string;
  /** The IdP's own identifier (Entra ID: the object ID; Okta: the user ID), when sent. */
  readonly externalId?: string;
  /** `false` once the IdP deactivated the user (soft delete). */
  readonly active: boolean;
  /** The primary email, else the first one, when any. */
  readonly email?: string;
  /** The display name, when sent. */
  readonly displayName?: string;
  /** The SCIM resource as the server returns it (RFC 7643 §4.1), enterprise extension included. */
  readonly resource: Readonly<JsonObject>;
}

/** A directory group as events carry it. */
export interface DirectoryGroupRef {
  /** The SCIM `id` this server gave the group. */
  readonly id: string;
  /** The group's name. */
  readonly displayName: string;
  /** The IdP's identifier of the group (Entra ID: the object ID), when sent. */
  readonly externalId?: string;
}

/** A user and the roles the tenant's role mapping grants them from their directory groups. */
export interface DirectoryUserRoles {
  /** The user. */
  readonly user: DirectoryUser;
  /** As `mapRoles` grants them for the user's groups (display names and external IDs). */
  readonly roles: readonly string[];
}

/** One change in a tenant's directory, after it was stored. */
export type DirectoryEvent =
  | ({
      /** A user was created (`POST /Users`). */
      readonly type: 'user.created';
      /** The tenant whose directory changed. */
      readonly tenantId: string;
    } & DirectoryUserRoles)
  | ({
      /** A user's attributes changed, or the user was reactivated. */
      readonly type: 'user.updated';
      /** The tenant whose directory changed. */
      readonly tenantId: string;
    } & DirectoryUserRoles)
  | ({
      /** `active` went from true to false: sign the user out and stop their access. */
      readonly type: 'user.deactivated';
      /** The tenant whose directory changed. */
      readonly tenantId: string;
    } & DirectoryUserRoles)
  | {
      /** The user was deleted (`DELETE /Users/{id}`). */
      readonly type: 'user.deleted';
      /** The tenant whose directory changed. */
      readonly tenantId: string;
      /** The user as it was. */
      readonly user: DirectoryUser;
    }
  | {
      /** A group's members (or its name, which role rules match) changed, or it was created or deleted. */
      readonly type: 'membership.changed';
      /** The tenant whose directory changed. */
      readonly tenantId: string;
      /** The group. */
      readonly group: DirectoryGroupRef;
      /** IDs of users who joined the group. */
      readonly added: readonly string[];
      /** IDs of users who left it. */
      readonly removed: readonly string[];
      /** Every user whose roles may have changed, with their roles now. */
      readonly users: readonly DirectoryUserRoles[];
    };

/** Receives {@link DirectoryEvent}s; the SCIM response waits for it (a rejection becomes a 500). */
export type DirectoryEventHandler = (event: DirectoryEvent) => void | Promise<void>;

/**
 * The roles of a directory user: the tenant's `roles` rules applied to the names and external IDs
 * of the user's groups, through `mapRoles`, exactly as a login maps the groups of an assertion.
 * SAML group claims carry either names or (Entra ID by default) object IDs, which Entra ID
 * provisions as the group's `externalId`: a rule matches either.
 */
export function rolesFor(
  tenant: TenantConfig | undefined,
  userName: string,
  groups: readonly string[],
): string[] {
  if (tenant === undefined) return [];
  // mapRoles reads `tenantId`, `groups` and `attributes` of a profile; the rest is what a login would carry.
  const { roles } = mapRoles(tenant, {
    tenantId: tenant.id,
    issuer: tenant.idp.entityId,
    nameId: userName,
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    groups,
    attributes: {},
    assertionId: '',
    notOnOrAfter: new Date(0),
  });
  return roles;
}
