/**
 * The SSO settings page's markup (see admin.ts for the routes): plain HTML and CSS, copy buttons,
 * a tab per IdP product, the staged flow (draft → test → make live, restore), the toggles, domain
 * verification and setup links. Every value is interpolated through `html`, so escaped.
 */
import {
  certificateStatus,
  type CertificateStatus,
  type DomainClaimView,
  type IdpPresetName,
  type ResponseReport,
  type SetupImpact,
  type SetupInstructions,
  type SetupProblem,
  type SetupStatus,
  type TenantConfig,
} from 'samlkit';
import { copyScript, html, layout, type Html } from './html.js';

/** The products of the tabs, in the order admins look for them. */
export const IDP_TABS: readonly (readonly [IdpPresetName, string])[] = [
  ['azure', 'Entra ID'],
  ['okta', 'Okta'],
  ['google', 'Google Workspace'],
  ['onelogin', 'OneLogin'],
  ['ping', 'Ping Identity'],
  ['adfs', 'AD FS'],
  ['keycloak', 'Keycloak'],
  ['generic', 'Other SAML IdP'],
];

/** How the admin gives us the IdP's values: one tab each. */
export type InputTab = 'metadataUrl' | 'metadataXml' | 'manual';
const INPUT_TABS: readonly (readonly [InputTab, string])[] = [
  ['metadataUrl', 'Metadata URL'],
  ['metadataXml', 'Metadata XML'],
  ['manual', 'Enter manually'],
];

/** The entity ID of a tenant that has no IdP yet (see `newOrganisation`). */
export const NOT_CONFIGURED = 'urn:example:sso-not-configured';

/** Who is on the page: an admin signed in to the app, or someone who opened a setup link. */
export type Visitor = 'admin' | 'setup-link';

export interface AdminView {
  readonly config: TenantConfig;
  readonly status: SetupStatus;
  readonly setup: SetupInstructions;
  readonly preset: IdpPresetName;
  readonly inputTab: InputTab;
  readonly metadataUrl: string;
  readonly loginUrl: string;
  readonly claims: readonly DomainClaimView[];
  readonly impact: SetupImpact | undefined;
  readonly visitor: Visitor;
  readonly now: Date;
  readonly notice?: Html;
  /** What the admin typed, shown again next to its problems. */
  readonly form?: Readonly<Record<string, string>>;
  readonly problems?: readonly SetupProblem[];
  /** A setup link just made, to show once. */
  readonly setupLink?: { readonly url: string; readonly expiresAt: Date };
}

export function adminPage(view: AdminView): Html {
  const { config } = view;
  const path = `/admin/${encodeURIComponent(config.id)}`;
  const configured = config.idp.entityId !== NOT_CONFIGURED;
  const enabled = config.enabled !== false;
  return layout(
    `SSO settings: ${config.id}`,
    html`<main>
        <h1>Single sign-on for ${config.id}</h1>
        <p class="row" data-testid="status-badges">
          <span class="badge ${enabled && configured ? 'ok' : 'warn'}" data-testid="saml-status"
            >SAML login ${enabled && configured ? 'on' : 'off'}</span
          >
          <span class="badge ${config.requireSso === true ? 'ok' : 'warn'}" data-testid="require-sso-status"
            >Require SSO ${config.requireSso === true ? 'on' : 'off'}</span
          >
          ${
            view.visitor === 'setup-link' &&
            html`<span class="badge warn" data-testid="setup-link-visitor">Opened with a setup link</span>`
          }
        </p>
        <p id="copy-status" role="status" class="note"></p>
        ${view.notice} ${stepOne(view, path)} ${stepTwo(view, path)} ${draftSection(view, path)}
        ${liveSection(view, path, configured)} ${togglesSection(view, path, configured)}
        ${view.visitor === 'admin' && html`${domainsSection(view, path)} ${linkSection(view, path)}`}
        <p><a href="/me">Back</a></p>
      </main>
      ${copyScript}`,
    true,
  );
}

/** A value with its copy button. */
function copyable(id: string, label: string, value: string): Html {
  return html`<code id="${id}" data-testid="${id}">${value}</code
    ><button type="button" class="copy" data-copy="${id}" aria-label="Copy ${label}">Copy</button>`;
}

function stepOne(view: AdminView, path: string): Html {
  const { setup } = view;
  return html`<section aria-labelledby="step-1">
    <h2 id="step-1">1. Add this application in your IdP</h2>
    <nav aria-label="Identity provider">
      <ul class="tabs" data-testid="idp-tabs">
        ${IDP_TABS.map(
          ([preset, label]) =>
            html`<li>
              <a
                href="${path}?idp=${preset}&input=${view.inputTab}"
                data-testid="idp-tab-${preset}"
                ${preset === view.preset && html`aria-current="page"`}
                >${label}</a
              >
            </li>`,
        )}
      </ul>
    </nav>
    <ol>
      ${setup.steps.map((step) => html`<li>${step}</li>`)}
    </ol>
    <table data-testid="to-idp">
      <caption class="note">
        Enter these values in ${setup.idpLabel}
      </caption>
      ${setup.toIdp.map(
        ({ field, value, note }, index) =>
          html`<tr>
            <th scope="row">${field}</th>
            <td>
              ${
                value.includes('\n')
                  ? html`<pre id="to-idp-${index}">${value}</pre>
                      <button
                        type="button"
                        class="copy"
                        data-copy="to-idp-${index}"
                        aria-label="Copy ${field}"
                      >
                        Copy
                      </button>`
                  : copyable(`to-idp-${index}`, field, value)
              }
              ${note !== undefined && html`<br /><span class="note">${note}</span>`}
            </td>
          </tr>`,
      )}
    </table>
    <h3>Claims to send</h3>
    <table>
      ${setup.claims.map(
        ({ claim, value }) =>
          html`<tr>
            <th scope="row">${claim}</th>
            <td>${value}</td>
          </tr>`,
      )}
    </table>
    <p>
      Or import our SP metadata:
      <a href="${view.metadataUrl}?view=xml" data-testid="sp-metadata-link">${view.metadataUrl}</a>
      <button type="button" class="copy" data-copy="sp-metadata-url" aria-label="Copy metadata URL">
        Copy
      </button>
      <span id="sp-metadata-url" hidden>${view.metadataUrl}</span>
    </p>
  </section>`;
}

function stepTwo(view: AdminView, path: string): Html {
  const tab = view.inputTab;
  const form = view.form ?? {};
  const field = (name: string): string => form[name] ?? '';
  const problems = view.problems ?? [];
  return html`<section aria-labelledby="step-2">
    <h2 id="step-2">2. Give us ${view.setup.idpLabel}’s values</h2>
    <p class="note">Saved as a draft: nothing changes for your users until you test it and make it live.</p>
    <nav aria-label="How to enter the IdP values">
      <ul class="tabs">
        ${INPUT_TABS.map(
          ([name, label]) =>
            html`<li>
              <a
                href="${path}?idp=${view.preset}&input=${name}"
                data-testid="input-tab-${name}"
                ${name === tab && html`aria-current="page"`}
                >${label}</a
              >
            </li>`,
        )}
      </ul>
    </nav>
    ${
      problems.length > 0 &&
      html`<div class="error" role="alert" data-testid="draft-problems">
        <p>The draft was not saved:</p>
        <ul>
          ${problems.map(
            (problem) =>
              html`<li data-testid="problem" data-path="${problem.path}">
                <strong>${problem.path}</strong>: ${problem.message} ${problem.hint}
              </li>`,
          )}
        </ul>
      </div>`
    }
    <form method="post" action="${path}/draft" data-testid="draft-form">
      <input type="hidden" name="input" value="${tab}" />
      <input type="hidden" name="preset" value="${view.preset}" />
      ${
        tab === 'metadataUrl' &&
        html`<label for="url">Metadata URL</label>
          <input id="url" name="url" type="url" value="${field('url')}" data-testid="metadata-url" />
          <p class="note">
            ${view.setup.fromIdp.find((f) => f.tenantPath === 'idp')?.field ?? 'The IdP’s metadata address'}:
            we download it now, and again to refresh certificates.
          </p>`
      }
      ${
        tab === 'metadataXml' &&
        html`<label for="xml">Metadata XML</label>
          <textarea id="xml" name="xml" rows="8" data-testid="metadata-xml">${field('xml')}</textarea>`
      }
      ${
        tab === 'manual' &&
        html`<label for="entityId">IdP entity ID (Issuer)</label>
          <input id="entityId" name="entityId" value="${field('entityId')}" data-testid="manual-entity-id" />
          <label for="ssoUrl">Sign-on URL</label>
          <input
            id="ssoUrl"
            name="ssoUrl"
            type="url"
            value="${field('ssoUrl')}"
            data-testid="manual-sso-url"
          />
          <label for="certificates">Signing certificate(s): PEM or base64; several one after another</label>
          <textarea id="certificates" name="certificates" rows="6" data-testid="manual-certificates">
${field('certificates')}</textarea>`
      }
      <button type="submit" class="primary" data-testid="save-draft">Save draft</button>
    </form>
  </section>`;
}

function settingsTable(
  testId: string,
  idp: TenantConfig['idp'],
  now: Date,
  metadataUrl: string | undefined,
): Html {
  return html`<table data-testid="${testId}">
    <tr>
      <th scope="row">Entity ID</th>
      <td><code data-testid="${testId}-entity-id">${idp.entityId}</code></td>
    </tr>
    <tr>
      <th scope="row">Sign-on URL</th>
      <td><code>${idp.ssoUrls?.redirect ?? idp.ssoUrl ?? idp.ssoUrls?.post ?? ''}</code></td>
    </tr>
    ${
      metadataUrl !== undefined &&
      html`<tr>
        <th scope="row">Metadata URL</th>
        <td><code>${metadataUrl}</code></td>
      </tr>`
    }
    ${idp.certificates.map(
      (pem) =>
        html`<tr>
          <th scope="row">Certificate</th>
          <td>${certificateCell(pem, now)}</td>
        </tr>`,
    )}
  </table>`;
}

function certificateCell(pem: string, now: Date): Html {
  let cert: CertificateStatus;
  try {
    cert = certificateStatus(pem, now);
  } catch {
    return html`<span class="fail">unreadable</span>`;
  }
  const when = cert.notAfter.toISOString().slice(0, 10);
  return html`<code data-testid="certificate-fingerprint">${cert.fingerprint}</code><br /><span
      class="${cert.status === 'ok' ? 'note' : cert.status === 'expiring' ? 'warn' : 'fail'}"
      data-testid="certificate-expiry"
      >${
        cert.status === 'expired' ? `expired on ${when}` : `valid until ${when} (${cert.daysLeft} days left)`
      }${cert.status === 'expiring' && ': ask the IdP admin for the next certificate'}</span
    >`;
}

function draftSection(view: AdminView, path: string): Html {
  const { draft } = view.status.record;
  if (draft === undefined)
    return html`<section aria-labelledby="draft-heading" data-testid="draft">
      <h2 id="draft-heading">3. Test and make live</h2>
      <p>No draft. Save the IdP’s values above first.</p>
    </section>`;
  const test = draft.test;
  const problems = view.status.draftProblems;
  return html`<section aria-labelledby="draft-heading" data-testid="draft">
    <h2 id="draft-heading">3. Test and make live</h2>
    <p>Draft saved ${draft.savedAt.slice(0, 16).replace('T', ' ')} UTC.</p>
    ${settingsTable('draft-settings', draft.settings.idp, view.now, draft.metadataUrl)}
    ${
      problems.length > 0 &&
      html`<ul class="warn">
        ${problems.map((p) => html`<li>${p.path}: ${p.message} ${p.hint}</li>`)}
      </ul>`
    }
    <p data-testid="draft-test-status">
      ${
        test === undefined
          ? html`<span class="badge warn">Not tested</span> Test the connection: you sign in at the IdP, and
              we check everything. Nobody else uses the draft.`
          : test.passed
            ? html`<span class="badge ok">Test passed</span> by ${test.by},
                ${test.at.slice(0, 16).replace('T', ' ')} UTC.`
            : html`<span class="badge fail">Test failed</span> (${test.code ?? 'error'}). Fix the draft and
                test again.`
      }
    </p>
    <div class="row">
      <form method="post" action="${path}/test" class="inline">
        <button type="submit" class="primary" data-testid="test-connection">Test connection</button>
      </form>
      <form method="post" action="${path}/promote" class="inline">
        <button
          type="submit"
          data-testid="promote"
          ${!view.status.canPromote && html`disabled aria-disabled="true"`}
        >
          Make live
        </button>
      </form>
      <form method="post" action="${path}/draft/discard" class="inline">
        <button type="submit" class="danger" data-testid="discard-draft">Discard draft</button>
      </form>
    </div>
    ${
      view.impact !== undefined &&
      html`<div data-testid="promote-impact">
        <p class="note">Making it live:</p>
        <ul class="note">
          ${view.impact.summary.map((line) => html`<li>${line}</li>`)}
        </ul>
      </div>`
    }
  </section>`;
}

function liveSection(view: AdminView, path: string, configured: boolean): Html {
  const { previous, metadataUrl } = view.status.record;
  return html`<section aria-labelledby="live-heading">
    <h2 id="live-heading">Live IdP settings</h2>
    ${
      configured
        ? settingsTable('live-settings', view.config.idp, view.now, metadataUrl)
        : html`<p data-testid="live-settings">
            No IdP yet: SAML login stays off until a tested draft is made live.
          </p>`
    }
    ${
      previous !== undefined &&
      previous.settings.idp.entityId !== NOT_CONFIGURED &&
      html`<form method="post" action="${path}/restore">
        <p>
          The settings replaced on ${previous.replacedAt.slice(0, 16).replace('T', ' ')} UTC
          (<code>${previous.settings.idp.entityId}</code>) are kept.
          <button type="submit" data-testid="restore">Restore them</button>
        </p>
      </form>`
    }
  </section>`;
}

function togglesSection(view: AdminView, path: string, configured: boolean): Html {
  const { config } = view;
  const enabled = config.enabled !== false;
  return html`<section aria-labelledby="toggles-heading">
    <h2 id="toggles-heading">Sign-in policy</h2>
    <form method="post" action="${path}/enabled">
      <p>
        <label for="enabled">SAML login</label>
        <select id="enabled" name="enabled" data-testid="enabled">
          <option value="on" ${enabled && 'selected'}>on</option>
          <option value="off" ${!enabled && 'selected'}>off</option>
        </select>
        <button
          type="submit"
          data-testid="save-enabled"
          ${!configured && html`disabled aria-disabled="true"`}
        >
          Save
        </button>
      </p>
      ${enabled && configured && view.impact === undefined && html`<p class="note">Turning it off: users of verified domains need a password again.</p>`}
    </form>
    ${
      view.visitor === 'admin' &&
      html`<form method="post" action="${path}/require-sso">
        <p>
          <label for="requireSso">Users of verified domains sign in</label>
          <select id="requireSso" name="requireSso" data-testid="require-sso">
            <option value="off">with SSO or a password</option>
            <option value="on" ${config.requireSso === true && 'selected'}>
              with SSO only (password login off)
            </option>
          </select>
        </p>
        <label for="breakGlass"
          >Break-glass addresses (keep password login; one or more, comma-separated)</label
        >
        <input
          id="breakGlass"
          name="breakGlass"
          data-testid="break-glass"
          value="${(config.breakGlassEmails ?? []).join(', ')}"
        />
        <button type="submit" data-testid="save-require-sso">Save</button>
        <ul class="note" data-testid="guard-checklist">
          <li>${view.claims.some((c) => c.status === 'verified') ? '✓' : '✗'} a verified email domain</li>
          <li>${(config.breakGlassEmails ?? []).length > 0 ? '✓' : '✗'} a break-glass address</li>
          <li>
            ${view.status.adminSsoVerified ? '✓' : '✗'} an admin signed in with SSO through the live IdP
            ${view.status.record.adminLogin !== undefined && html`(last: ${view.status.record.adminLogin.by})`}
          </li>
        </ul>
      </form>`
    }
  </section>`;
}

function domainsSection(view: AdminView, path: string): Html {
  return html`<section aria-labelledby="domains-heading">
    <h2 id="domains-heading">Email domains</h2>
    <p>
      A domain signs its users in here, and can require SSO, only once you prove you own it: add the TXT
      record to the domain’s DNS, then press Verify.
    </p>
    <table data-testid="domains">
      <tr>
        <th scope="col">Domain</th>
        <th scope="col">Status</th>
        <th scope="col">TXT record</th>
        <th scope="col"><span class="note">Action</span></th>
      </tr>
      ${view.claims.map(
        (claim, index) =>
          html`<tr data-testid="domain-${claim.domain}">
            <td><code>${claim.domain}</code></td>
            <td data-testid="domain-status">
              ${
                claim.status === 'verified'
                  ? html`<span class="ok">verified</span>
                      <span class="note">(${claim.verification?.method ?? ''})</span>`
                  : 'pending'
              }
            </td>
            <td>
              <span class="note">Name</span>
              ${copyable(`txt-name-${index}`, `TXT name of ${claim.domain}`, claim.record.name)}<br />
              <span class="note">Value</span>
              ${copyable(`txt-value-${index}`, `TXT value of ${claim.domain}`, claim.record.value)}
            </td>
            <td>
              <form method="post" action="${path}/domains/verify">
                <input type="hidden" name="domain" value="${claim.domain}" />
                <button type="submit" data-testid="verify-domain" aria-label="Verify ${claim.domain}">
                  Verify
                </button>
              </form>
            </td>
          </tr>`,
      )}
    </table>
  </section>`;
}

function linkSection(view: AdminView, path: string): Html {
  return html`<section aria-labelledby="link-heading">
    <h2 id="link-heading">Let your IT admin do it</h2>
    <p>
      A setup link lets someone without an account here change and test the draft, and make it live. It works
      once, for a day.
    </p>
    ${
      view.setupLink !== undefined &&
      html`<p data-testid="setup-link-box">
        ${copyable('setup-link', 'setup link', view.setupLink.url)}<br /><span class="note"
          >Valid until ${view.setupLink.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Shown
          once.</span
        >
      </p>`
    }
    <form method="post" action="${path}/setup-link">
      <button type="submit" data-testid="create-setup-link">Create a setup link</button>
    </form>
  </section>`;
}

/** The checklist of a test connection (`explainResponse`), as the ACS shows it. */
export function testResultPage(tenantId: string, report: ResponseReport, passed: boolean): Html {
  const path = `/admin/${encodeURIComponent(tenantId)}`;
  return layout(
    'Test connection',
    html`<main>
      <h1>Test connection: ${passed ? 'passed' : 'failed'}</h1>
      <p data-testid="test-result" class="${passed ? 'ok' : 'fail'}">
        ${
          passed
            ? 'Every check passed. The draft can be made live.'
            : html`The check
                <strong>${report.checks.find((c) => c.status === 'fail')?.title ?? ''}</strong> failed
                (${report.error?.code ?? ''}). ${report.error?.hint ?? ''}`
        }
      </p>
      <table data-testid="checklist" class="checklist">
        <caption class="note">
          Every check of the login, in order
        </caption>
        <tr>
          <th scope="col" class="w26">Check</th>
          <th scope="col" class="w9">Result</th>
          <th scope="col" class="w25">Expected</th>
          <th scope="col" class="w40">Received</th>
        </tr>
        ${report.checks.map(
          (check) =>
            html`<tr data-testid="check-${check.name}" data-status="${check.status}">
              <td>${check.title}</td>
              <td class="${check.status === 'pass' ? 'ok' : check.status === 'fail' ? 'fail' : 'note'}">
                ${check.status}
              </td>
              <td>
                ${check.expected !== undefined && html`<code>${typeof check.expected === 'string' ? check.expected : check.expected.join(', ')}</code>`}
              </td>
              <td>
                ${check.received !== undefined && html`<code>${check.received}</code>`}
                ${check.hint !== undefined && html`<br /><span class="fail">${check.hint}</span>`}
              </td>
            </tr>`,
        )}
      </table>
      ${
        passed &&
        html`<form method="post" action="${path}/promote">
          <button type="submit" class="primary" data-testid="promote-now">Make it live</button>
        </form>`
      }
      <p><a href="${path}" data-testid="back-to-settings">Back to the SSO settings</a></p>
    </main>`,
    true,
  );
}
