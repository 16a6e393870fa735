/**
 * Directory sync in the example: the SCIM endpoint the IdP provisions (`/scim/v2/:tenant/...`,
 * registered by each framework's glue with a raw-text body), and the admin's directory page
 * (`/admin/:tenant/directory`): the provisioned users, their state, groups and roles, and a button
 * that creates the SCIM token (shown once).
 */
import type { TenantStore } from 'samlkit';
import {
  createScimHandler,
  createScimToken,
  rolesFor,
  type DirectoryStore,
  type ScimHandler,
} from 'samlkit/scim';
import { html, layout, type Html } from './html.js';
import {
  messagePage,
  page,
  redirect,
  type ExampleRequest,
  type ExampleResponse,
  type ExampleRoute,
} from './http.js';
import type { SessionStore } from './session.js';

/** The SCIM base URL of a tenant, which the admin enters in the IdP (Tenant URL / connector base URL). */
export function scimBaseUrl(baseUrl: string, tenantId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/scim/v2/${encodeURIComponent(tenantId)}`;
}

/** The SCIM handler of the example; the glue passes the path below `/scim/v2/:tenant`. */
export function exampleScimHandler(
  directory: DirectoryStore,
  tenants: TenantStore,
  baseUrl: string,
): ScimHandler {
  return createScimHandler({
    directory,
    tenants,
    baseUrl: (tenantId) => scimBaseUrl(baseUrl, tenantId),
    onEvent: (event) => {
      // A real app ends sessions on user.deactivated / user.deleted and updates roles on membership.changed.
      console.log(`directory: ${event.type} (tenant ${event.tenantId})`);
    },
  });
}

interface DirectoryContext {
  readonly tenants: TenantStore;
  readonly sessions: SessionStore;
  readonly directory: DirectoryStore;
  readonly baseUrl: string;
}

interface Row {
  readonly userName: string;
  readonly active: boolean;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
}

export function directoryRoutes({
  tenants,
  sessions,
  directory,
  baseUrl,
}: DirectoryContext): readonly ExampleRoute[] {
  async function authorised(request: ExampleRequest): Promise<ExampleResponse | undefined> {
    const tenantId = request.params.tenant ?? '';
    const session = sessions.get(request.cookies);
    if (session === undefined && request.method === 'GET') {
      const path = `/admin/${encodeURIComponent(tenantId)}/directory`;
      return redirect(`/login/${encodeURIComponent(tenantId)}?returnTo=${encodeURIComponent(path)}`);
    }
    if (
      session?.tenantId !== tenantId ||
      !session.roles.includes('admin') ||
      (await tenants.get(tenantId)) === undefined
    )
      return messagePage('Not allowed', 'Only an admin of this organisation can see its directory.', 403);
    return undefined;
  }

  async function rows(tenantId: string): Promise<Row[]> {
    const tenant = await tenants.get(tenantId);
    const groups = (await directory.list(tenantId, 'Group')).map((record) => {
      const { resource } = JSON.parse(record.data) as {
        resource: { displayName?: string; members?: { value: string }[] };
      };
      return {
        name: resource.displayName ?? '',
        members: new Set((resource.members ?? []).map((m) => m.value)),
      };
    });
    return (await directory.list(tenantId, 'User')).map((record) => {
      const { resource } = JSON.parse(record.data) as { resource: { userName?: string; active?: boolean } };
      const names = groups.filter((group) => group.members.has(record.id)).map((group) => group.name);
      const userName = resource.userName ?? '';
      return {
        userName,
        active: resource.active !== false,
        groups: names,
        roles: rolesFor(tenant, userName, names),
      };
    });
  }

  return [
    {
      method: 'GET',
      path: '/admin/:tenant/directory',
      handler: async (request) => {
        const refused = await authorised(request);
        if (refused !== undefined) return refused;
        const tenantId = request.params.tenant ?? '';
        return page(directoryPage(tenantId, scimBaseUrl(baseUrl, tenantId), await rows(tenantId)));
      },
    },
    {
      method: 'POST',
      path: '/admin/:tenant/directory/token',
      handler: async (request) => {
        const refused = await authorised(request);
        if (refused !== undefined) return refused;
        const tenantId = request.params.tenant ?? '';
        const { token } = await createScimToken(directory, tenantId);
        const notice = html`<p role="status">
          New SCIM token (shown once; the previous one no longer works):
          <code data-testid="scim-token">${token}</code>
        </p>`;
        return page(
          directoryPage(tenantId, scimBaseUrl(baseUrl, tenantId), await rows(tenantId), notice),
          200,
          {
            'cache-control': 'no-store',
          },
        );
      },
    },
  ];
}

function directoryPage(tenantId: string, scimUrl: string, users: readonly Row[], notice?: Html): Html {
  return layout(
    `Directory: ${tenantId}`,
    html`<h1>Directory of ${tenantId}</h1>
      ${notice}
      <p>Provisioning (SCIM 2.0) URL for the IdP: <code>${scimUrl}</code></p>
      <form method="post" action="/admin/${encodeURIComponent(tenantId)}/directory/token">
        <button type="submit">Create a new SCIM token</button>
      </form>
      <h2>Users (${String(users.length)})</h2>
      <table data-testid="directory-users">
        <tr>
          <th>User</th>
          <th>State</th>
          <th>Groups</th>
          <th>Roles</th>
        </tr>
        ${users.map(
          (user) =>
            html`<tr>
              <td>${user.userName}</td>
              <td>${user.active ? 'active' : 'deactivated'}</td>
              <td>${user.groups.join(', ')}</td>
              <td>${user.roles.join(', ')}</td>
            </tr>`,
        )}
      </table>
      <p><a href="/admin/${encodeURIComponent(tenantId)}">SSO settings</a> · <a href="/me">Back</a></p>`,
  );
}
