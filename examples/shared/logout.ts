/**
 * Single Logout in the example app (SAML profiles §4.4): Sign out ends the session at the IdP too
 * when the tenant has SLO, and the IdP's own "sign out everywhere" ends the app's sessions. Both
 * arrive at `/saml/:tenant/slo`, over either binding.
 */
import { SamlError, type LogoutMessage, type LoginResult, type ServiceProvider } from 'samlkit';
import {
  messagePage,
  page,
  redirect,
  type ExampleRequest,
  type ExampleResponse,
  type ExampleRoute,
} from './http.js';
import type { SessionStore } from './session.js';

/** After a login: keep its SAML session for Single Logout. Without a session store, nothing to do. */
export async function recordForLogout(
  sp: ServiceProvider,
  enabled: boolean,
  result: LoginResult,
  sessionId: string,
): Promise<void> {
  if (enabled) await sp.recordSession(result, sessionId);
}

/**
 * Sign out: the local session ends at once; when the tenant does Single Logout, the browser goes
 * on to the IdP with a signed LogoutRequest, else back home.
 */
export async function signOut(
  sp: ServiceProvider,
  enabled: boolean,
  sessions: SessionStore,
  request: ExampleRequest,
): Promise<ExampleResponse> {
  const session = sessions.get(request.cookies);
  const id = sessions.idOf(request.cookies);
  const cleared = { 'set-cookie': sessions.destroy(request.cookies) };
  if (!enabled || session === undefined || id === undefined) return redirect('/', cleared);
  try {
    // The IdP's Redirect endpoint by default; a form may ask for the POST binding.
    const binding = request.form.binding === 'post' ? 'post' : undefined;
    const started = await sp.startLogout(
      { tenantId: session.tenantId, appSessionId: id },
      { returnTo: '/', ...(binding !== undefined && { binding }) },
    );
    return send(started, cleared);
  } catch (error) {
    // No SLO for this tenant, or no recorded session: signing out here is all there is to do.
    if (error instanceof SamlError) return redirect('/', cleared);
    throw error;
  }
}

/** `/saml/:tenant/slo`: the IdP's LogoutResponse to our request, or its own LogoutRequest. */
export function logoutRoutes(sp: ServiceProvider, sessions: SessionStore): readonly ExampleRoute[] {
  const handle = async (request: ExampleRequest): Promise<ExampleResponse> => {
    const tenantId = request.params.tenant ?? '';
    const message =
      request.method === 'GET'
        ? { binding: 'redirect' as const, query: request.rawQuery }
        : { binding: 'post' as const, form: request.form };
    try {
      const outcome = await sp.handleLogout(message, { tenantId });
      if (outcome.kind === 'logout-request') {
        // The IdP ends the user's sessions everywhere: end the ones this login opened here.
        for (const ended of outcome.sessions) sessions.end(ended.appSessionId);
        return send(outcome.response);
      }
      if (outcome.partial) {
        return messagePage(
          'Signed out',
          'You are signed out here, but may still be signed in to other applications.',
        );
      }
      return redirect(outcome.returnTo ?? '/');
    } catch (error) {
      if (!(error instanceof SamlError)) throw error;
      console.warn(`SAML logout refused: ${error.code} (tenant ${tenantId})`);
      return messagePage('Sign-out failed', `The logout message was refused (${error.code}).`, 400);
    }
  };
  return [
    { method: 'GET', path: '/saml/:tenant/slo', handler: handle },
    { method: 'POST', path: '/saml/:tenant/slo', handler: handle },
  ];
}

function send(message: LogoutMessage, headers: Readonly<Record<string, string>> = {}): ExampleResponse {
  return message.binding === 'redirect' ? redirect(message.url, headers) : page(message.html, 200, headers);
}
