/**
 * The tenant's SSO settings page (markup in admin-page.ts), over samlkit's setup flow: what to
 * enter in the IdP's console (`setupInstructions`, a tab per product), the IdP's values as a
 * draft (`createTenantSetup`: metadata URL, metadata XML or manual fields), the test connection
 * (an SP-initiated login of the admin alone, checked with `explainResponse`), make live and restore,
 * the toggles behind the lock-out guard (`createLockoutGuard`), domain verification
 * (`createDomainOwnership`), and setup links (`createSetupLink`).
 *
 * Only a signed-in admin of that tenant may use it, or someone who opened a setup link of that
 * tenant (the draft, its test, make live, restore and the SAML switch): whoever changes the IdP decides which
 * key signs logins for everyone in the organisation. The cookies are `SameSite=Lax`, so another
 * site cannot post these forms with them; a production app adds its usual CSRF token too.
 */
import { randomBytes } from 'node:crypto';
import {
  consumeSetupLink,
  createDomainOwnership,
  createLockoutGuard,
  createSetupLink,
  createTenantSetup,
  generateSpKeyPair,
  SamlError,
  setupInstructions,
  type DomainOwnership,
  type IdpInput,
  type IdpPresetName,
  type LoginResult,
  type MetadataFetcher,
  type SetupImpact,
  type SetupStore,
  type StateStore,
  type TenantConfig,
  type TenantStore,
} from 'samlkit';
import { fetchIdpMetadata } from 'samlkit/fetch';
import {
  adminPage,
  IDP_TABS,
  NOT_CONFIGURED,
  testResultPage,
  type InputTab,
  type Visitor,
} from './admin-page.js';
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
  readonly setup: SetupStore;
  readonly state: StateStore;
  readonly sessions: SessionStore;
  readonly baseUrl: string;
  /** Signs setup links. */
  readonly setupSecret?: Uint8Array;
  /** Downloads metadata for the Metadata URL tab; default `fetchIdpMetadata` (public HTTPS only). */
  readonly fetchMetadata?: MetadataFetcher;
  /** Verifies domains; default: by DNS through the system's resolvers. */
  readonly ownership?: DomainOwnership;
  /** Sets the login cookie of a started test connection (the ACS reads it as for a login). */
  readonly loginCookie: (secret: string) => string;
}

/** What the app's ACS and login need of the settings page. */
export interface Admin {
  readonly routes: readonly ExampleRoute[];
  /** At the ACS: the checklist page of a test connection, or `undefined` for an ordinary login. */
  finishTest(
    request: ExampleRequest,
    tenantId: string | undefined,
    browserSecret: string | undefined,
  ): Promise<ExampleResponse | undefined>;
  /** After an ordinary login: an admin's SSO login is recorded for the require-SSO guard. */
  signedIn(result: LoginResult): Promise<void>;
}

/**
 * A tenant as the app creates it for a new organisation: its SP side, SAML off, and a placeholder
 * IdP until the organisation's admin makes a tested draft live.
 */
export async function newOrganisation(
  baseUrl: string,
  id: string,
  emailDomains: readonly string[],
  extra: Partial<TenantConfig> = {},
): Promise<TenantConfig> {
  const placeholder = await generateSpKeyPair({ commonName: 'not configured', validDays: 3650 });
  const { entityId, acsUrl } = tenantUrls(baseUrl, id);
  return {
    id,
    sp: { entityId, acsUrl },
    idp: { entityId: NOT_CONFIGURED, certificates: [placeholder.certificate] },
    emailDomains,
    enabled: false,
    roles: { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' },
    ...extra,
  };
}

export function createAdmin(context: AdminContext): Admin {
  const { tenants, setup, state, sessions, baseUrl } = context;
  const ownership = context.ownership ?? createDomainOwnership({ tenants });
  const fetchMetadata: MetadataFetcher =
    context.fetchMetadata ??
    (async (url) => {
      const fetched = await fetchIdpMetadata(url);
      if (fetched.status !== 'updated') throw new TypeError('unexpected 304 without validators');
      return fetched.metadata;
    });
  const flow = createTenantSetup({ tenants, setup, state, fetchMetadata });
  const guard = createLockoutGuard({ tenants, setup });
  const secret = context.setupSecret ?? randomBytes(32);

  /** The tenant and who is on the page, when allowed; else the response to send instead. */
  async function authorised(
    request: ExampleRequest,
    allowLink = true,
  ): Promise<
    | { readonly config: TenantConfig; readonly visitor: Visitor; readonly by: string }
    | { readonly refused: ExampleResponse }
  > {
    const tenantId = request.params.tenant ?? '';
    const session = sessions.get(request.cookies);
    if (session === undefined && request.method === 'GET') {
      const path = `/admin/${encodeURIComponent(tenantId)}`;
      return {
        refused: redirect(`/login/${encodeURIComponent(tenantId)}?returnTo=${encodeURIComponent(path)}`),
      };
    }
    const config = await tenants.get(tenantId);
    const visitor: Visitor | undefined = session?.roles.includes('admin')
      ? 'admin'
      : session?.roles.includes('setup-link') && allowLink
        ? 'setup-link'
        : undefined;
    if (session?.tenantId !== tenantId || visitor === undefined || config === undefined) {
      const text = 'Only an admin of this organisation can change its SSO settings.';
      return { refused: messagePage('Not allowed', text, 403) };
    }
    return { config, visitor, by: session.email };
  }

  interface RenderOptions {
    readonly notice?: Html;
    readonly status?: number;
    readonly form?: Readonly<Record<string, string>>;
    readonly problems?: Awaited<ReturnType<typeof flow.saveDraft>>['problems'];
    readonly setupLink?: { readonly url: string; readonly expiresAt: Date };
  }

  async function render(
    request: ExampleRequest,
    config: TenantConfig,
    visitor: Visitor,
    options: RenderOptions = {},
  ): Promise<ExampleResponse> {
    const status = await flow.status(config.id);
    const live = status.live;
    const query = { ...request.query, ...options.form };
    const preset =
      presetOf(query.idp ?? query.preset) ?? status.record.draft?.settings.preset ?? live.preset ?? 'generic';
    const inputTab = inputTabOf(query.input);
    const loginUrl = `${baseUrl}/login/${encodeURIComponent(config.id)}`;
    const instructions = setupInstructions(live, preset, { loginUrl });
    const impact: SetupImpact | undefined =
      status.record.draft !== undefined && live.idp.entityId !== NOT_CONFIGURED
        ? await guard.impact(config.id, 'replace-idp')
        : undefined;
    return page(
      adminPage({
        config: live,
        status,
        setup: instructions,
        preset,
        inputTab,
        metadataUrl: tenantUrls(baseUrl, config.id).metadataUrl,
        loginUrl,
        claims: await ownership.claims(config.id),
        impact,
        visitor,
        now: new Date(),
        ...(options.notice !== undefined && { notice: options.notice }),
        ...(options.form !== undefined && { form: options.form }),
        ...(options.problems !== undefined && { problems: options.problems }),
        ...(options.setupLink !== undefined && { setupLink: options.setupLink }),
      }),
      options.status ?? 200,
    );
  }

  const back = (config: TenantConfig, done: string, extra = ''): ExampleResponse =>
    redirect(`/admin/${encodeURIComponent(config.id)}?done=${encodeURIComponent(done)}${extra}`); // post/redirect/get

  /** A POST route of the page: authorised, then the step; a SamlError becomes a notice on the page. */
  const step = (
    path: string,
    run: (
      request: ExampleRequest,
      config: TenantConfig,
      visitor: Visitor,
      by: string,
    ) => Promise<ExampleResponse>,
    allowLink = true,
  ): ExampleRoute => ({
    method: 'POST',
    path: `/admin/:tenant${path}`,
    handler: async (request) => {
      const access = await authorised(request, allowLink);
      if ('refused' in access) return access.refused;
      const { config, visitor, by } = access;
      try {
        return await run(request, config, visitor, by);
      } catch (error) {
        if (!(error instanceof SamlError)) throw error;
        return render(request, config, visitor, {
          notice: problem(error.message, `${error.code}: ${error.hint}`),
          status: 400,
        });
      }
    },
  });

  const routes: ExampleRoute[] = [
    {
      method: 'GET',
      path: '/admin/:tenant',
      handler: async (request) => {
        const access = await authorised(request);
        if ('refused' in access) return access.refused;
        const done = request.query.done;
        return render(request, access.config, access.visitor, {
          ...(done !== undefined && {
            notice: html`<p role="status" class="ok" data-testid="admin-notice">${done}</p>`,
          }),
        });
      },
    },
    step('/draft', async (request, config, visitor) => {
      const { form } = request;
      const preset = presetOf(form.preset);
      const tab = inputTabOf(form.input);
      const input: IdpInput =
        tab === 'manual'
          ? {
              kind: 'manual',
              entityId: form.entityId,
              ssoUrl: form.ssoUrl,
              certificates: form.certificates,
              preset,
            }
          : tab === 'metadataXml'
            ? { kind: 'metadataXml', xml: form.xml, preset }
            : { kind: 'metadataUrl', url: form.url, preset };
      const saved = await flow.saveDraft(config.id, input);
      if (saved.draft === undefined)
        return render(request, config, visitor, { form, problems: saved.problems, status: 400 });
      return back(config, 'Draft saved. Test the connection next.', `&idp=${preset ?? ''}&input=${tab}`);
    }),
    step('/draft/discard', async (_request, config) => {
      await flow.discardDraft(config.id);
      return back(config, 'Draft discarded.');
    }),
    step('/test', async (_request, config) => {
      const { record } = await flow.status(config.id);
      const urls = record.draft?.settings.idp.ssoUrls;
      const postOnly = urls?.post !== undefined && urls.redirect === undefined;
      const test = await flow.startTest(config.id, { binding: postOnly ? 'post' : 'redirect' });
      const cookie = { 'set-cookie': context.loginCookie(test.browserSecret) };
      return test.binding === 'post' ? page(test.html, 200, cookie) : redirect(test.url, cookie);
    }),
    step('/promote', async (_request, config) => {
      await flow.promote(config.id);
      return back(config, 'The draft is live. Restore the previous settings here if logins fail.');
    }),
    step('/restore', async (_request, config) => {
      await flow.restore(config.id);
      return back(config, 'The previous IdP settings are live again.');
    }),
    step(
      '/enabled',
      async (request, config, visitor) => {
        const enabled = request.form.enabled !== 'off';
        if (!enabled && config.enabled !== false && request.form.confirm !== 'yes') {
          // Before SAML goes off: who it affects, and a second press to confirm.
          const impact = await guard.impact(config.id, 'disable');
          return render(request, config, visitor, { notice: confirmDisable(config.id, impact), status: 409 });
        }
        await guard.setEnabled(config.id, enabled);
        return back(config, enabled ? 'SAML login is on.' : 'SAML login is off.');
      },
      // A setup link may turn SAML on (there is no one else to do it in a new organisation).
      true,
    ),
    step(
      '/require-sso',
      async (request, config) => {
        const breakGlassEmails = (request.form.breakGlass ?? '').split(/[\s,]+/).filter((a) => a !== '');
        const requireSso = request.form.requireSso === 'on';
        await guard.setRequireSso(config.id, { requireSso, breakGlassEmails });
        return back(config, requireSso ? 'Require SSO is on.' : 'Require SSO is off.');
      },
      false,
    ),
    step(
      '/domains/verify',
      async (request, config) => {
        const domain = request.form.domain ?? '';
        await ownership.verifyByDns(config.id, domain);
        return back(config, `${domain} is verified.`);
      },
      false,
    ),
    step(
      '/setup-link',
      async (request, config, visitor) => {
        const link = createSetupLink(config.id, { secret });
        const url = `${baseUrl}/setup/${encodeURIComponent(config.id)}?token=${encodeURIComponent(link.token)}`;
        return render(request, config, visitor, { setupLink: { url, expiresAt: link.expiresAt } });
      },
      false,
    ),
    {
      // A setup link opens this page first, and only its button uses the link up: a mail scanner
      // that fetches links does not spend it, and the visitor sees whose setup it opens before
      // their session in this browser is replaced.
      method: 'GET',
      path: '/setup/:tenant',
      handler: (request) => {
        const tenantId = request.params.tenant ?? '';
        const token = request.query.token ?? '';
        return Promise.resolve(
          page(
            layout(
              'Open the SSO setup',
              html`<h1>SSO setup</h1>
                <p>
                  This link opens the single sign-on settings of the organisation
                  <strong data-testid="setup-link-tenant">${tenantId}</strong>, once. It ends any other
                  session in this browser.
                </p>
                <form method="post" action="/setup/${encodeURIComponent(tenantId)}">
                  <input type="hidden" name="token" value="${token}" />
                  <button data-testid="open-setup">Open the SSO setup</button>
                </form>`,
            ),
          ),
        );
      },
    },
    {
      // The link used up: it opens a session for this tenant's draft only.
      method: 'POST',
      path: '/setup/:tenant',
      handler: async (request) => {
        const tenantId = request.params.tenant ?? '';
        try {
          await consumeSetupLink(request.form.token, { secret, tenantId, replayCache: state });
        } catch (error) {
          if (!(error instanceof SamlError)) throw error;
          return messagePage('Setup link not valid', `${error.message}. ${error.hint}`, 403);
        }
        sessions.destroy(request.cookies);
        const cookie = sessions.create({
          tenantId,
          email: 'setup link',
          name: 'IT admin (setup link)',
          roles: ['setup-link'],
          groups: [],
          nameId: '',
        });
        return redirect(`/admin/${encodeURIComponent(tenantId)}`, { 'set-cookie': cookie });
      },
    },
  ];

  return {
    routes,
    async finishTest(request, tenantId, browserSecret) {
      if (!flow.isTestResponse(request.form)) return undefined;
      const session = sessions.get(request.cookies);
      const allowed =
        session?.roles.includes('admin') === true || session?.roles.includes('setup-link') === true;
      if (session === undefined || !allowed || (tenantId !== undefined && session.tenantId !== tenantId))
        return messagePage('Not allowed', 'Only the admin who started the test can finish it.', 403);
      try {
        const result = await flow.finishTest(request.form, {
          browserSecret,
          by: session.email,
          tenantId: tenantId ?? session.tenantId,
        });
        return page(testResultPage(result.tenantId, result.report, result.passed));
      } catch (error) {
        if (!(error instanceof SamlError)) throw error;
        return messagePage('Test connection', `${error.code}: ${error.hint}`, 400);
      }
    },
    async signedIn(result) {
      if (result.roles.includes('admin'))
        await flow.recordAdminLogin(result.tenant.id, result.profile.email ?? result.profile.nameId);
    },
  };
}

function presetOf(value: string | undefined): IdpPresetName | undefined {
  return IDP_TABS.find(([name]) => name === value)?.[0];
}

function inputTabOf(value: string | undefined): InputTab {
  return value === 'manual' || value === 'metadataXml' ? value : 'metadataUrl';
}

function problem(what: string, text: string): Html {
  return html`<p class="error" role="alert" data-testid="admin-error">${what}. ${text}</p>`;
}

function confirmDisable(tenantId: string, impact: SetupImpact): Html {
  return html`<div class="error" role="alert" data-testid="disable-impact">
    <p>Turn SAML login off? This affects:</p>
    <ul>
      ${impact.summary.map((line) => html`<li>${line}</li>`)}
    </ul>
    <form method="post" action="/admin/${encodeURIComponent(tenantId)}/enabled">
      <input type="hidden" name="enabled" value="off" />
      <input type="hidden" name="confirm" value="yes" />
      <button type="submit" class="danger" data-testid="confirm-disable">Turn SAML login off</button>
    </form>
  </div>`;
}
