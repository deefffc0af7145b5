import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { roleAtLeast, roleRefusal, type Actor, type Role } from '../../src-shared/api';
import type { Core } from '../core/app';
import { bearer } from './auth';
import { sendError } from './http';

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
  require(need: Need, opts?: { allowQueryToken?: boolean }): onRequestAsyncHookHandler;
  /** Authenticate only (no authorisation): for routes with another way in, like Telegram's secret header. */
  principal(req: FastifyRequest, opts?: { allowQueryToken?: boolean }): Principal | null;
  /** The person behind a request that passed require(role). */
  actor(req: FastifyRequest): Actor;
}

export const UNAUTHORIZED = 'missing or wrong token: send "Authorization: Bearer <your personal token>" (see `vigil user add`)';

export function createAccess(core: Core): HttpAccess {
  const principal = (req: FastifyRequest, opts: { allowQueryToken?: boolean } = {}): Principal | null => {
    const token =
      bearer(req.headers.authorization) ?? (opts.allowQueryToken ? (req.query as { token?: string } | undefined)?.token : undefined);
    const actor = core.people.authenticate(token);
    if (actor) return { kind: 'person', actor };
    const intake = core.people.intake(token);
    return intake ? { kind: 'intake', name: intake } : null;
  };
  /** Why `p` may not do `need` here, or null when it may. */
  const refusal = (p: Principal, need: Need, what: string): string | null => {
    if (p.kind === 'intake')
      return need === 'intake' ? null : `intake token "${p.name}" may only post alerts (POST /api/v1/events, /api/v1/alerts/alertmanager)`;
    const role: Role = need === 'intake' ? 'responder' : need;
    return roleAtLeast(p.actor.role, role) ? null : roleRefusal(p.actor.name, p.actor.role, what, role);
  };
  return {
    principal,
    require(need, opts) {
      return async (req: FastifyRequest, reply: FastifyReply) => {
        const p = principal(req, opts);
        if (!p) return sendError(reply, 'unauthorized', UNAUTHORIZED);
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
