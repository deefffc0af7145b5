import type { Role } from './api/people';

/**
 * Browser sessions of the headless console (R-PEOPLE-3). A personal token is exchanged once
 * (POST /api/session) for an HttpOnly, SameSite=Strict cookie; the page never holds the token.
 */
export const SESSION_COOKIE = 'vigil_session';
/**
 * Sent by the console on every state-changing request it authenticates with the cookie.
 * SameSite=Strict keeps the cookie off cross-site requests, but other ports of the same host
 * are the same *site*; a custom header cannot be sent cross-origin without a CORS preflight,
 * which Vigil never grants, so its presence proves the request came from the console's own origin.
 */
export const CSRF_HEADER = 'x-vigil-csrf';
export const SESSION_PATH = '/api/session';
/** The SSE event a cookie-authenticated stream sends before it ends because its session did: `{ reason }`. */
export const SESSION_ENDED_EVENT = 'session-ended';

/** GET /api/session's refusal when the browser sent no session cookie at all: the sign-in page shows no reason then. */
export const NOT_SIGNED_IN = 'Not signed in.';

/** GET /api/session when signed in (and POST's answer). */
export interface SessionState {
  name: string;
  role: Role;
  sessionId: string;
  expiresAt: number;
}
