/**
 * A tiny in-memory session store: enough for one process. A real app keeps sessions where its
 * instances share them (Redis, its database) and usually already has this piece.
 */
import { randomBytes } from 'node:crypto';

/** Who signed in, as `finishLogin` reported it. */
export interface Session {
  /** The account in the users table (users.ts) the login was provisioned into. */
  readonly userId?: string;
  readonly tenantId: string;
  readonly email: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly nameId: string;
}

export const SESSION_COOKIE = 'sid';
const MAX_AGE_SECONDS = 8 * 3600;
const MAX_SESSIONS = 10_000;

export interface SessionStore {
  get(cookies: Readonly<Record<string, string>>): Session | undefined;
  /** Starts a session and returns its `Set-Cookie` value. */
  create(session: Session): string;
  /** Starts a session and returns its ID (for Single Logout's `recordSession`) and its `Set-Cookie` value. */
  start(session: Session): { readonly id: string; readonly cookie: string };
  /** The ID of the session the cookies name, if it is live. */
  idOf(cookies: Readonly<Record<string, string>>): string | undefined;
  /** Ends a session by its ID (an IdP-initiated Single Logout, away from the user's browser). */
  end(id: string): void;
  /** Ends the session the cookies name, if any, and returns the `Set-Cookie` value that clears it. */
  destroy(cookies: Readonly<Record<string, string>>): string;
}

/** @param secure - add `Secure` to the cookie: the app is served over https. */
export function createSessionStore(secure: boolean, now: () => number = Date.now): SessionStore {
  const sessions = new Map<string, { session: Session; expiresAt: number }>();
  const cookie = (value: string, maxAge: number): string =>
    `${SESSION_COOKIE}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;

  return {
    get(cookies) {
      const id = cookies[SESSION_COOKIE];
      const entry = id === undefined ? undefined : sessions.get(id);
      if (entry === undefined || id === undefined) return undefined;
      if (entry.expiresAt > now()) return entry.session;
      sessions.delete(id);
      return undefined;
    },
    create(session) {
      return this.start(session).cookie;
    },
    start(session) {
      // Bounded: the oldest session goes first (a Map iterates in insertion order).
      const oldest = sessions.keys().next();
      if (sessions.size >= MAX_SESSIONS && oldest.done !== true) sessions.delete(oldest.value);
      // A new ID at every sign-in: a session ID planted before the login is never promoted.
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { session, expiresAt: now() + MAX_AGE_SECONDS * 1000 });
      return { id, cookie: cookie(id, MAX_AGE_SECONDS) };
    },
    idOf(cookies) {
      const id = cookies[SESSION_COOKIE];
      return id !== undefined && this.get(cookies) !== undefined ? id : undefined;
    },
    end(id) {
      sessions.delete(id);
    },
    destroy(cookies) {
      const id = cookies[SESSION_COOKIE];
      if (id !== undefined) sessions.delete(id);
      return cookie('', 0);
    },
  };
}
