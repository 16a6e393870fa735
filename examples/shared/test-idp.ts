/**
 * The demo IdP's pages, around `createTestIdp` from `samlkit/testing`: a sign-in page for the
 * AuthnRequest (either binding), then the signed response as an auto-submitting form to the ACS.
 * It asks for no password: it is a stand-in for Entra ID, Okta & co. in a demo, never a real IdP.
 */
import { SamlError } from 'samlkit';
import type { TestIdp, TestIdpResponse, TestIdpUser } from 'samlkit/testing';
import { autoSubmit, html, layout, type Html } from './html.js';
import { messagePage, page, redirect, type ExampleResponse, type ExampleRoute } from './http.js';

/** The test IdP's directory. */
export const TEST_IDP_USERS: readonly TestIdpUser[] = [
  { email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell', groups: ['admins', 'engineering'] },
  { email: 'bob@example.com', firstName: 'Bob', groups: ['engineering'] },
];

interface SignInRequest {
  readonly SAMLRequest: string;
  readonly RelayState?: string | undefined;
  readonly binding: 'redirect' | 'post';
  /** The address the user typed in the app (`login_hint`, as Entra ID and Google read it). */
  readonly loginHint?: string | undefined;
}

export function testIdpRoutes(idp: TestIdp): readonly ExampleRoute[] {
  const signIn = (request: SignInRequest): Promise<ExampleResponse> =>
    Promise.resolve(
      request.SAMLRequest === ''
        ? messagePage('Test IdP', 'No SAMLRequest: start the sign-in from the app.', 400)
        : page(signInPage(request, request.loginHint ?? '')),
    );

  // Single Logout (SAML profiles §4.4): the test IdP keeps no session, so it only answers.
  const logout = (
    SAMLRequest: string,
    RelayState: string | undefined,
    binding: 'redirect' | 'post',
  ): Promise<ExampleResponse> => {
    try {
      const answer = idp.respondToLogout({
        SAMLRequest,
        binding,
        ...(RelayState !== undefined && { RelayState }),
      });
      return Promise.resolve(answer.binding === 'redirect' ? redirect(answer.url) : page(answer.html));
    } catch (error) {
      if (!(error instanceof SamlError || error instanceof TypeError)) throw error;
      const reason = error instanceof SamlError ? error.code : error.message;
      return Promise.resolve(messagePage('Test IdP', `The LogoutRequest was refused: ${reason}`, 400));
    }
  };

  return [
    {
      method: 'GET',
      path: '/test-idp/slo',
      handler: ({ query }) => logout(query.SAMLRequest ?? '', query.RelayState, 'redirect'),
    },
    {
      method: 'POST',
      path: '/test-idp/slo',
      handler: ({ form }) => logout(form.SAMLRequest ?? '', form.RelayState, 'post'),
    },
    {
      method: 'GET',
      path: '/test-idp/sso',
      handler: ({ query }) =>
        signIn({
          SAMLRequest: query.SAMLRequest ?? '',
          RelayState: query.RelayState,
          binding: 'redirect',
          loginHint: query.login_hint,
        }),
    },
    {
      method: 'POST',
      path: '/test-idp/sso',
      handler: ({ form }) =>
        signIn({ SAMLRequest: form.SAMLRequest ?? '', RelayState: form.RelayState, binding: 'post' }),
    },
    {
      method: 'POST',
      path: '/test-idp/sso/continue',
      handler: ({ form }) => {
        const request: SignInRequest = {
          SAMLRequest: form.SAMLRequest ?? '',
          RelayState: form.RelayState,
          binding: form.binding === 'post' ? 'post' : 'redirect',
        };
        const email = (form.email ?? '').trim().toLowerCase();
        const user = TEST_IDP_USERS.find((entry) => entry.email === email);
        if (user === undefined) {
          return Promise.resolve(
            page(signInPage(request, email, `${email} is not in the test directory.`), 400),
          );
        }
        let response: TestIdpResponse;
        try {
          const { RelayState, ...rest } = request;
          response = idp.respond({ ...rest, ...(RelayState !== undefined && { RelayState }), user });
        } catch (error) {
          if (!(error instanceof SamlError || error instanceof TypeError)) throw error;
          const reason = error instanceof SamlError ? error.code : error.message;
          return Promise.resolve(messagePage('Test IdP', `The AuthnRequest was refused: ${reason}`, 400));
        }
        return Promise.resolve(page(postToAcsPage(response)));
      },
    },
  ];
}

function signInPage(request: SignInRequest, email: string, error?: string): Html {
  return layout(
    'Sign in to Test IdP',
    html`<h1>Sign in to Test IdP</h1>
      <p class="note">
        The samlkit demo IdP: no password. It signs a SAML response for a user of its directory:
        ${TEST_IDP_USERS.map((user) => html`<br /><code>${user.email}</code> (groups: ${(user.groups ?? []).join(', ')})`)}
      </p>
      ${error !== undefined && html`<p class="error" role="alert">${error}</p>`}
      <form method="post" action="/test-idp/sso/continue">
        <input type="hidden" name="SAMLRequest" value="${request.SAMLRequest}" />
        ${request.RelayState !== undefined && html`<input type="hidden" name="RelayState" value="${request.RelayState}" />`}
        <input type="hidden" name="binding" value="${request.binding}" />
        <label for="idp-email">Email</label>
        <input id="idp-email" name="email" type="email" value="${email}" required data-testid="idp-email" />
        <button type="submit" data-testid="sign-in">Sign in</button>
      </form>`,
  );
}

/** The HTTP-POST binding (SAML bindings §3.5.4): the browser carries the response to the ACS. */
function postToAcsPage(response: TestIdpResponse): Html {
  return layout(
    'Signing you in…',
    html`<form method="post" action="${response.action}">
        <input type="hidden" name="SAMLResponse" value="${response.SAMLResponse}" />
        ${response.RelayState !== undefined && html`<input type="hidden" name="RelayState" value="${response.RelayState}" />`}
        <noscript><p>JavaScript is off: press Continue to finish signing in.</p></noscript>
        <button type="submit" data-testid="continue-to-app">Continue</button>
      </form>
      ${autoSubmit}`,
  );
}
