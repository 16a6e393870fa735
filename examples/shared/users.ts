/**
 * The example app's users table (in memory) and its just-in-time provisioning rule, given to
 * `createServiceProvider` as `provision`. Accounts live inside a tenant and are keyed by (tenant,
 * issuer, NameID); an existing account of the tenant found by email (an invitation, a password
 * sign-up) is linked only when the email's domain is verified for the tenant (docs/domains.md),
 * because any tenant's admin decides what emails their IdP asserts. Otherwise a new account is
 * made, and the email is contact data only.
 */
import type { ProvisioningDecision, ProvisioningInput } from 'samlkit';

export interface User {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string;
  readonly name: string;
  /** The SSO identities signed in to this account: `tenant\u0000issuer\u0000nameId`. */
  readonly identities: readonly string[];
}

export interface UsersTable {
  /** The provisioning hook: create, update, link or refuse. */
  provision(input: ProvisioningInput): ProvisioningDecision;
  /** An account made outside SSO (an invitation), for the linking rule to find. */
  invite(tenantId: string, email: string, name: string): User;
  byId(id: string): User | undefined;
}

export function createUsersTable(): UsersTable {
  const users = new Map<string, User>();
  const byIdentity = new Map<string, string>();
  let next = 1;
  const keyOf = ({ tenantId, issuer, nameId }: ProvisioningInput['key']): string =>
    [tenantId, issuer, nameId].join('\u0000');
  const byEmail = (tenantId: string, email: string): User | undefined =>
    [...users.values()].find(
      (user) => user.tenantId === tenantId && user.email.toLowerCase() === email.toLowerCase(),
    );

  function save(user: User): User {
    users.set(user.id, user);
    for (const identity of user.identities) byIdentity.set(identity, user.id);
    return user;
  }

  return {
    provision({ key, profile, emailDomainVerified }) {
      const identity = keyOf(key);
      const name =
        [profile.firstName, profile.lastName].filter(Boolean).join(' ') || (profile.email ?? profile.nameId);
      const known = users.get(byIdentity.get(identity) ?? '');
      if (known !== undefined) {
        save({ ...known, name });
        return { action: 'update', userId: known.id };
      }
      const email = profile.email ?? '';
      // Never across tenants, and only on a domain this tenant proved it owns.
      const existing = emailDomainVerified && email !== '' ? byEmail(key.tenantId, email) : undefined;
      if (existing !== undefined) {
        save({ ...existing, name, identities: [...existing.identities, identity] });
        return { action: 'link', userId: existing.id };
      }
      const user = save({
        id: `user-${next++}`,
        tenantId: key.tenantId,
        email,
        name,
        identities: [identity],
      });
      return { action: 'create', userId: user.id };
    },
    invite(tenantId, email, name) {
      return save({ id: `user-${next++}`, tenantId, email, name, identities: [] });
    },
    byId: (id) => users.get(id),
  };
}
