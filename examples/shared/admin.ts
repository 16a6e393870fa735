/**
 * The tenant's SSO settings page: what to enter in the IdP's console (`setupInstructions`), a
 * form to paste the IdP's metadata (`parseIdpMetadata`) that replaces the tenant's IdP settings,
 * the email domains with the DNS record that proves each and a Verify button
 * (`createDomainOwnership`), and require-SSO, refused until a domain is verified and a break-glass
 * address exists (docs/domains.md).
 *
 * Only a signed-in admin of that tenant may see or change it: whoever changes `idp` decides which
 * key signs logins for everyone in the organisation. The cookie is `SameSite=Lax`, so another site
 * cannot post this form with it; a production app adds its usual CSRF token too.
 */
import { X509Certificate } from 'node:crypto';
import {
  createDomainOwnership,
  parseIdpMetadata,
  SamlError,
  type DomainClaimView,
  type DomainOwnership,
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
  /** Verifies domains; default: by DNS through the system's resolvers. */
  readonly ownership?: DomainOwnership;
}

export function adminRoutes({
  tenants,
  sessions,
  baseUrl,
  ...context
}: AdminContext): readonly ExampleRoute[] {
  const ownership = context.ownership ?? createDomainOwnership({ tenants });
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

  const render = async (config: TenantConfig, notice?: Html, status = 200): Promise<ExampleResponse> => {
    const loginUrl = `${baseUrl}/login/${encodeURIComponent(config.id)}`;
    const setup = setupInstructions(config, undefined, { loginUrl });
    const claims = await ownership.claims(config.id);
    const metadataUrl = tenantUrls(baseUrl, config.id).metadataUrl;
    return page(adminPage(config, setup, metadataUrl, claims, notice), status);
  };
  const back = (config: TenantConfig, done: string): ExampleResponse =>
    redirect(`/admin/${encodeURIComponent(config.id)}?done=${encodeURIComponent(done)}`); // post/redirect/get

  return [
    {
      method: 'GET',
      path: '/admin/:tenant',
      handler: async (request) => {
        const access = await authorised(request);
        if ('refused' in access) return access.refused;
        const done = request.query.saved === '1' ? 'Saved.' : request.query.done;
        return render(access.config, done !== undefined ? html`<p role="status">${done}</p>` : undefined);
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
          return render(config, problem('The metadata was not saved.', `${error.code}: ${error.hint}`), 400);
        }
        const errors = validateTenantConfig(next).filter((p) => p.severity === 'error');
        if (errors.length > 0)
          return render(
            config,
            problem('The metadata was not saved.', errors.map((p) => `${p.path} ${p.message}`).join('; ')),
            400,
          );
        await tenants.put(next);
        return redirect(`/admin/${encodeURIComponent(config.id)}?saved=1`); // post/redirect/get
      },
    },
    {
      method: 'POST',
      path: '/admin/:tenant/domains/verify',
      handler: async (request) => {
        const access = await authorised(request);
        if ('refused' in access) return access.refused;
        const { config } = access;
        const domain = request.form.domain ?? '';
        try {
          await ownership.verifyByDns(config.id, domain);
        } catch (error) {
          if (!(error instanceof SamlError)) throw error;
          return render(config, problem(`${domain} is not verified.`, `${error.code}: ${error.hint}`), 400);
        }
        return back(config, `${domain} is verified.`);
      },
    },
    {
      method: 'POST',
      path: '/admin/:tenant/require-sso',
      handler: async (request) => {
        const access = await authorised(request);
        if ('refused' in access) return access.refused;
        const { config } = access;
        const requireSso = request.form.requireSso === 'on';
        const breakGlassEmails = (request.form.breakGlass ?? '')
          .split(/[\s,]+/)
          .filter((address) => address !== '');
        if (requireSso) {
          // Require SSO switches password login off for everyone in the verified domains: refuse it
          // until a domain is verified (else it would enforce nothing) and someone can still get in
          // with a password when the IdP fails.
          const verified = (await ownership.claims(config.id)).filter((claim) => claim.status === 'verified');
          const refusal =
            verified.length === 0
              ? 'Verify an email domain first: require SSO applies to the users of verified domains.'
              : breakGlassEmails.length === 0
                ? 'Add at least one break-glass address: it keeps password login when the IdP fails.'
                : undefined;
          if (refusal !== undefined)
            return render(config, problem('Require SSO is still off.', refusal), 400);
        }
        const next: TenantConfig = { ...config, requireSso, breakGlassEmails };
        const errors = validateTenantConfig(next).filter((p) => p.severity === 'error');
        if (errors.length > 0)
          return render(
            config,
            problem('Not saved.', errors.map((p) => `${p.path} ${p.message}`).join('; ')),
            400,
          );
        await tenants.put(next);
        return back(config, requireSso ? 'Require SSO is on.' : 'Require SSO is off.');
      },
    },
  ];
}

function problem(what: string, text: string): Html {
  return html`<p class="error" role="alert" data-testid="admin-error">${what} ${text}</p>`;
}

function domainsSection(config: TenantConfig, claims: readonly DomainClaimView[]): Html {
  const action = `/admin/${encodeURIComponent(config.id)}`;
  const verified = claims.some((claim) => claim.status === 'verified');
  return html`<h2>Email domains</h2>
    <p>
      A domain signs its users in here, and can require SSO, only once you prove you own it: add the TXT
      record to the domain's DNS, then press Verify.
    </p>
    <table data-testid="domains">
      <tr>
        <th>Domain</th>
        <th>Status</th>
        <th>TXT record</th>
        <th></th>
      </tr>
      ${claims.map(
        (claim) =>
          html`<tr data-testid="domain-${claim.domain}">
            <td><code>${claim.domain}</code></td>
            <td data-testid="domain-status">
              ${
                claim.status === 'verified'
                  ? html`verified <span class="note">(${claim.verification?.method ?? ''})</span>`
                  : 'pending'
              }
            </td>
            <td>
              <span class="note">Name</span> <code data-testid="txt-name">${claim.record.name}</code><br />
              <span class="note">Value</span> <code data-testid="txt-value">${claim.record.value}</code>
            </td>
            <td>
              <form method="post" action="${action}/domains/verify">
                <input type="hidden" name="domain" value="${claim.domain}" />
                <button type="submit" data-testid="verify-domain">Verify</button>
              </form>
            </td>
          </tr>`,
      )}
    </table>
    <h2>Require SSO</h2>
    <form method="post" action="${action}/require-sso">
      <p>
        <label for="requireSso">Users of verified domains sign in</label>
        <select id="requireSso" name="requireSso" data-testid="require-sso">
          <option value="off">with SSO or a password</option>
          <option value="on" ${config.requireSso === true && 'selected'}>
            with SSO only (password login off)
          </option>
        </select>
      </p>
      <label for="breakGlass">Break-glass addresses (keep password login; one or more)</label><br />
      <input
        id="breakGlass"
        name="breakGlass"
        data-testid="break-glass"
        value="${(config.breakGlassEmails ?? []).join(', ')}"
      />
      <button type="submit" data-testid="save-require-sso">Save</button>
      ${!verified && html`<p class="note">Needs a verified domain and a break-glass address.</p>`}
    </form>`;
}

function adminPage(
  config: TenantConfig,
  setup: SetupInstructions,
  metadataUrl: string,
  claims: readonly DomainClaimView[],
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
      ${domainsSection(config, claims)}
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
