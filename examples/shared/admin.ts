/**
 * The tenant's SSO settings page: what to enter in the IdP's console (`setupInstructions`), and a
 * form to paste the IdP's metadata (`parseIdpMetadata`) that replaces the tenant's IdP settings.
 *
 * Only a signed-in admin of that tenant may see or change it: whoever changes `idp` decides which
 * key signs logins for everyone in the organisation. The cookie is `SameSite=Lax`, so another site
 * cannot post this form with it; a production app adds its usual CSRF token too.
 */
import { X509Certificate } from 'node:crypto';
import {
  parseIdpMetadata,
  SamlError,
  setupInstructions,
  validateTenantConfig,
  type SetupInstructions,
  type TenantConfig,
  type TenantStore,
} from 'samlkit';
import { html, layout, type Html } from './html.js';
import {
  messagePage,
  page,
  redirect,
  type ExampleRequest,
  type ExampleResponse,
  type ExampleRoute,
} from './http.js';
import { tenantUrls } from './options.js';
import type { SessionStore } from './session.js';

interface AdminContext {
  readonly tenants: TenantStore;
  readonly sessions: SessionStore;
  readonly baseUrl: string;
}

export function adminRoutes({ tenants, sessions, baseUrl }: AdminContext): readonly ExampleRoute[] {
  /** The tenant, when the request comes from one of its admins; else the response to send instead. */
  async function authorised(
    request: ExampleRequest,
  ): Promise<{ readonly config: TenantConfig } | { readonly refused: ExampleResponse }> {
    const tenantId = request.params.tenant ?? '';
    const session = sessions.get(request.cookies);
    if (session === undefined && request.method === 'GET') {
      const path = `/admin/${encodeURIComponent(tenantId)}`;
      return {
        refused: redirect(`/login/${encodeURIComponent(tenantId)}?returnTo=${encodeURIComponent(path)}`),
      };
    }
    const config = await tenants.get(tenantId);
    if (session?.tenantId !== tenantId || !session.roles.includes('admin') || config === undefined) {
      const text = 'Only an admin of this organisation can change its SSO settings.';
      return { refused: messagePage('Not allowed', text, 403) };
    }
    return { config };
  }

  const render = (config: TenantConfig, notice?: Html, status = 200): ExampleResponse => {
    const loginUrl = `${baseUrl}/login/${encodeURIComponent(config.id)}`;
    const setup = setupInstructions(config, undefined, { loginUrl });
    return page(adminPage(config, setup, tenantUrls(baseUrl, config.id).metadataUrl, notice), status);
  };

  return [
    {
      method: 'GET',
      path: '/admin/:tenant',
      handler: async (request) => {
        const access = await authorised(request);
        if ('refused' in access) return access.refused;
        return render(
          access.config,
          request.query.saved === '1' ? html`<p role="status">Saved.</p>` : undefined,
        );
      },
    },
    {
      method: 'POST',
      path: '/admin/:tenant',
      handler: async (request) => {
        const access = await authorised(request);
        if ('refused' in access) return access.refused;
        const { config } = access;
        let next: TenantConfig;
        try {
          next = { ...config, idp: parseIdpMetadata(request.form.metadata ?? '').idp };
        } catch (error) {
          if (!(error instanceof SamlError)) throw error;
          return render(config, problem(`${error.code}: ${error.hint}`), 400);
        }
        const errors = validateTenantConfig(next).filter((p) => p.severity === 'error');
        if (errors.length > 0)
          return render(config, problem(errors.map((p) => `${p.path} ${p.message}`).join('; ')), 400);
        await tenants.put(next);
        return redirect(`/admin/${encodeURIComponent(config.id)}?saved=1`); // post/redirect/get
      },
    },
  ];
}

function problem(text: string): Html {
  return html`<p class="error" role="alert" data-testid="admin-error">
    The metadata was not saved. ${text}
  </p>`;
}

function adminPage(
  config: TenantConfig,
  setup: SetupInstructions,
  metadataUrl: string,
  notice: Html | undefined,
): Html {
  const { idp } = config;
  return layout(
    `SSO settings: ${config.id}`,
    html`<h1>SSO settings for ${config.id}</h1>
      ${notice}
      <h2>1. In ${setup.idpLabel}</h2>
      <ol>
        ${setup.steps.map((step) => html`<li>${step}</li>`)}
      </ol>
      <table data-testid="to-idp">
        ${setup.toIdp.map(
          ({ field, value, note }) =>
            html`<tr>
              <th>${field}</th>
              <td>
                <code>${value}</code>${note !== undefined && html`<br /><span class="note">${note}</span>`}
              </td>
            </tr>`,
        )}
      </table>
      <p>Our SP metadata, for an IdP that imports it: <a href="${metadataUrl}">${metadataUrl}</a></p>
      <h3>Claims</h3>
      <table>
        ${setup.claims.map(
          ({ claim, value }) =>
            html`<tr>
              <th>${claim}</th>
              <td>${value}</td>
            </tr>`,
        )}
      </table>
      <h2>2. From ${setup.idpLabel}</h2>
      <ul>
        ${setup.fromIdp.map(({ field, note }) => html`<li>${field}${note !== undefined && html` <span class="note">${note}</span>`}</li>`)}
      </ul>
      <form method="post" action="/admin/${encodeURIComponent(config.id)}">
        <label for="metadata">Paste the IdP metadata XML</label>
        <textarea id="metadata" name="metadata" rows="8" required data-testid="idp-metadata"></textarea>
        <button type="submit" data-testid="save-metadata">Save</button>
      </form>
      <h2>Trusted now</h2>
      <table data-testid="trusted-idp">
        <tr>
          <th>Entity ID</th>
          <td><code>${idp.entityId}</code></td>
        </tr>
        <tr>
          <th>SSO URL</th>
          <td><code>${idp.ssoUrls?.redirect ?? idp.ssoUrl ?? idp.ssoUrls?.post ?? ''}</code></td>
        </tr>
        ${idp.certificates.map(
          (pem) =>
            html`<tr>
              <th>Certificate</th>
              <td>${certificateSummary(pem)}</td>
            </tr>`,
        )}
      </table>
      <p><a href="/me">Back</a></p>`,
  );
}

/** A certificate as admins compare it with their console: SHA-256 fingerprint and expiry. */
function certificateSummary(certificate: string): Html {
  try {
    const der = certificate.includes('-----BEGIN')
      ? certificate
      : Buffer.from(certificate.replace(/\s+/g, ''), 'base64');
    const x509 = new X509Certificate(der);
    return html`<code data-testid="certificate-fingerprint">${x509.fingerprint256}</code><br /><span
        class="note"
        >valid until ${x509.validTo}</span
      >`;
  } catch {
    return html`<span class="error">unreadable</span>`;
  }
}
