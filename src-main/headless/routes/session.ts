import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeZodError, ok } from '../../../src-shared/result';
import { CSRF_HEADER, SESSION_PATH, type SessionState } from '../../../src-shared/session';
import type { Actor } from '../../../src-shared/api';
import { CSRF_REFUSAL } from '../access';
import { bearer } from '../auth';
import { sendError } from '../http';
import { clearedSessionCookie, sessionCookie } from '../session-cookie';
import type { RouteModule } from './index';

const SignIn = z.object({ token: z.string().trim().min(1).max(200).optional() }).strict();

/**
 * Browser sessions (R-PEOPLE-3): sign in once with a personal token, then the cookie is the credential.
 * `POST /api/session` {token} (or a Bearer header) opens a core session and sets the cookie, ending the session the
 * browser's cookie held before (signing in again, perhaps as someone else, leaves no session of that browser open);
 * `GET` says who the cookie signs in (or why it no longer does); `DELETE` signs out.
 * POST and DELETE need the CSRF header, like every cookie-authenticated change (sign-in too: no login CSRF).
 */
export const sessionRoutes: RouteModule = (app, { core, access, tls }) => {
  const state = (actor: Actor, expiresAt: number): SessionState => ({
    name: actor.name,
    role: actor.role,
    sessionId: actor.sessionId!,
    expiresAt,
  });
  const csrfMissing = (req: FastifyRequest, reply: FastifyReply) =>
    req.headers[CSRF_HEADER] === undefined ? sendError(reply, 'forbidden', CSRF_REFUSAL) : null;

  app.post(SESSION_PATH, async (req, reply) => {
    const refused = csrfMissing(req, reply);
    if (refused) return refused;
    const body = SignIn.safeParse(req.body ?? {});
    if (!body.success) return sendError(reply, 'bad_request', describeZodError(body.error));
    const token = body.data.token ?? bearer(req.headers.authorization);
    if (!token) return sendError(reply, 'bad_request', 'send your personal token: {"token": "vgp_…"} or "Authorization: Bearer <token>"');
    const previous = access.session(req);
    const opened = core.people.sessions.open(token, req.headers['user-agent'] ?? '');
    if (!opened)
      return sendError(
        reply,
        'unauthorized',
        'that is not a personal token on record (see `vigil user add`; intake tokens cannot sign in)',
      );
    // The cookie is replaced: the session it held ends now, not at its expiry (it would stay open on the People page).
    if (previous.ok) core.people.sessions.revoke(previous.actor.sessionId!, previous.actor.name);
    reply.header('set-cookie', sessionCookie(opened.secret, opened.expiresAt - core.ctx.clock.now(), tls));
    return ok(state(opened.actor, opened.expiresAt));
  });

  app.get(SESSION_PATH, async (req, reply) => {
    const s = access.session(req);
    if (s.ok) return ok(state(s.actor, s.expiresAt));
    if (req.headers.cookie) reply.header('set-cookie', clearedSessionCookie(tls));
    return sendError(reply, 'unauthorized', s.reason);
  });

  app.delete(SESSION_PATH, async (req, reply) => {
    const refused = csrfMissing(req, reply);
    if (refused) return refused;
    const s = access.session(req);
    if (s.ok) core.people.sessions.revoke(s.actor.sessionId!, s.actor.name);
    reply.header('set-cookie', clearedSessionCookie(tls));
    return ok({ signedOut: true });
  });
};
