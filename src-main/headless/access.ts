import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { roleAtLeast, roleRefusal, type Actor, type Role } from '../../src-shared/api';
import { CSRF_HEADER } from '../../src-shared/session';
import type { Core } from '../core/app';
import type { SessionCheck } from '../core/people';
import { bearer } from './auth';
import { sendError } from './http';
import { sessionSecret } from './session-cookie';

/** Who is calling: a person (by personal token or session) or an intake token, which may only post alerts. */
export type Principal = { kind: 'person'; actor: Actor } | { kind: 'intake'; name: string };
/** What a route needs: a role, or the right to post alerts ('intake': intake tokens and responders up). */
export type Need = Role | 'intake';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface HttpAccess {
  /**
   * THE auth hook: every protected route passes through it (RPC, SSE, acks, smoke, intake,
   * and any route added later). Authenticates, then authorises `need`; 401 / 403 with the reason.
   */
  require(need: Need): onRequestAsyncHookHandler;
  /** Authenticate only (no authorisation): for routes with another way in, like Telegram's secret header. */
  principal(req: FastifyRequest): Principal | null;
  /** The browser session behind the request's cookie, or why there is none (checked at every call: revocation acts at once). */
  session(req: FastifyRequest): SessionCheck;
  /**
   * Whether a request with this Authorization header (and no query string) passes require(need): a Bearer token whose
   * owner may. Only a yes counts (the intake routes' lean path, routes/intake-lean.ts, takes such requests); with a no
   * the request goes to require(), which says why (401/403 and their words, or the session cookie's way in).
   */
  bearerMay(authorization: string | undefined, need: Need): boolean;
  /** The person behind a request that passed require(role). */
  actor(req: FastifyRequest): Actor;
}

export const UNAUTHORIZED = 'missing or wrong token: send "Authorization: Bearer <your personal token>" (see `vigil user add`)';

/** Issue 18.3: a token in a URL ends up in proxy and server logs, the history and the Referer; it is never read. */
export const QUERY_TOKEN_REFUSAL =
  'a token in the URL (?token=) is refused: it would end up in logs and the history; send "Authorization: Bearer <token>" ' +
  '(the console signs in once and uses its session cookie)';

export const CSRF_REFUSAL = `a change made with the session cookie needs the ${CSRF_HEADER} header (the console sends it; scripts use a Bearer token)`;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function createAccess(core: Core): HttpAccess {
  const session = (req: FastifyRequest): SessionCheck => core.people.sessions.check(sessionSecret(req.headers.cookie));
  /**
   * A Bearer token is used alone when present; otherwise the session cookie. A `token` query parameter is refused.
   * A cookie rides along on any request the browser makes to this origin, so a cookie-authenticated change
   * must also carry the CSRF header (see CSRF_HEADER): 403 without it.
   */
  const authenticate = (req: FastifyRequest): { p: Principal } | { p: null; why: string; status: 'unauthorized' | 'forbidden' } => {
    if ((req.query as Record<string, unknown> | undefined)?.token !== undefined)
      return { p: null, why: QUERY_TOKEN_REFUSAL, status: 'unauthorized' };
    const token = bearer(req.headers.authorization);
    if (token !== undefined || sessionSecret(req.headers.cookie) === undefined) {
      const owner = core.people.bearer(token);
      if (!owner) return { p: null, why: UNAUTHORIZED, status: 'unauthorized' };
      return { p: 'actor' in owner ? { kind: 'person', actor: owner.actor } : { kind: 'intake', name: owner.intake } };
    }
    const s = session(req);
    if (!s.ok) return { p: null, why: s.reason, status: 'unauthorized' };
    if (!SAFE_METHODS.has(req.method) && req.headers[CSRF_HEADER] === undefined) return { p: null, why: CSRF_REFUSAL, status: 'forbidden' };
    return { p: { kind: 'person', actor: s.actor } };
  };
  const principal = (req: FastifyRequest): Principal | null => authenticate(req).p;
  /** Why `p` may not do `need` here, or null when it may. */
  const refusal = (p: Principal, need: Need, what: string): string | null => {
    if (p.kind === 'intake')
      return need === 'intake' ? null : `intake token "${p.name}" may only post alerts (POST /api/v1/events, /api/v1/alerts/alertmanager)`;
    const role: Role = need === 'intake' ? 'responder' : need;
    return roleAtLeast(p.actor.role, role) ? null : roleRefusal(p.actor.name, p.actor.role, what, role);
  };
  return {
    principal,
    session,
    bearerMay(authorization, need) {
      const token = bearer(authorization);
      const owner = token === undefined ? null : core.people.bearer(token);
      if (!owner) return false;
      return refusal('actor' in owner ? { kind: 'person', actor: owner.actor } : { kind: 'intake', name: owner.intake }, need, '') === null;
    },
    require(need) {
      return async (req: FastifyRequest, reply: FastifyReply) => {
        const a = authenticate(req);
        if (!a.p) return sendError(reply, a.status, a.why);
        const p = a.p;
        const why = refusal(p, need, `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`);
        if (why) return sendError(reply, 'forbidden', why);
        req.principal = p;
      };
    },
    actor(req) {
      if (req.principal?.kind !== 'person') throw new Error('actor(): the route did not require a role');
      return req.principal.actor;
    },
  };
}
