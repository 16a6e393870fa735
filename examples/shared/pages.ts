/** The app's pages, as functions of what they show. Everything interpolated is escaped by `html`. */
import type { SamlError } from 'samlkit';
import { html, layout, type Html } from './html.js';
import type { Session } from './session.js';

export function homePage(options: { readonly email?: string; readonly error?: string } = {}): Html {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      ${options.error !== undefined && html`<p class="error" role="alert">${options.error}</p>`}
      <form method="post" action="/login">
        <label for="email">Work email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="username"
          required
          autofocus
          value="${options.email ?? ''}"
          data-testid="email"
        />
        <button type="submit" data-testid="login-submit">Sign in</button>
      </form>
      <p class="note">
        Your organisation’s domain decides where you sign in: with single sign-on (SAML) when it has set it
        up, else with a password.
      </p>`,
  );
}

export function mePage(session: Session): Html {
  return layout(
    'Signed in',
    html`<h1>Signed in</h1>
      <table>
        <tr>
          <th>Name</th>
          <td data-testid="signed-in-name">${session.name}</td>
        </tr>
        <tr>
          <th>Email</th>
          <td data-testid="signed-in-email">${session.email}</td>
        </tr>
        <tr>
          <th>Roles</th>
          <td data-testid="signed-in-roles">${session.roles.join(', ')}</td>
        </tr>
        <tr>
          <th>Groups</th>
          <td data-testid="signed-in-groups">${session.groups.join(', ')}</td>
        </tr>
        <tr>
          <th>Account</th>
          <td data-testid="signed-in-account">${session.userId ?? ''}</td>
        </tr>
        <tr>
          <th>Organisation</th>
          <td data-testid="signed-in-tenant">${session.tenantId}</td>
        </tr>
        <tr>
          <th>NameID</th>
          <td><code>${session.nameId}</code></td>
        </tr>
      </table>
      ${session.roles.includes('admin') && html`<p><a href="/admin/${encodeURIComponent(session.tenantId)}">SSO settings</a></p>`}
      <form method="post" action="/logout">
        <button type="submit" data-testid="sign-out">Sign out</button>
      </form>`,
  );
}

/**
 * The page for a refused login. The code and the hint are shown because this is a demo, to make
 * misconfigurations visible at once. A production app shows the user only a generic message and
 * logs `code`, `hint` and `tenantId` (never the stack, never personal data) for its admins.
 */
export function loginFailedPage(error: SamlError): Html {
  return layout(
    'Sign-in failed',
    html`<h1>Sign-in failed</h1>
      <p>We could not sign you in. Please try again, or contact your administrator.</p>
      <p>Error code: <code data-testid="error-code">${error.code}</code></p>
      <p class="note">
        For the admin (shown in this example only): <span data-testid="error-hint">${error.hint}</span>
      </p>
      <p><a href="/">Back to sign-in</a></p>`,
  );
}
