import type { FastifyInstance } from 'fastify';
import { INTAKE_ROUTES, intakeAnswers } from './intake-answer';
import { leanIntake } from './intake-lean';
import type { RouteModule } from './index';

/**
 * Event intake (R-ROUTE-1/2, R-SEC-1/2): generic events, the Alertmanager webhook and Prometheus's alerts; what they
 * answer is made in intake-answer.ts. The token is checked before the body is read. 413 (over the body limit) and 415
 * (not JSON) come from the shell. In `vigil serve` (an intake thread: core.acceptRaw) most requests never reach these
 * routes: the lean path (intake-lean.ts) answers them before Fastify, and sends here whatever it does not take.
 */
export const intakeRoutes: RouteModule = async (app, { core, access, leanIntake: lean }) => {
  // Intake tokens (their own kind) and people from responder up; checked before the body is read.
  const onRequest = access.require('intake');
  const answer = intakeAnswers(core, app);
  const raw = !!core.acceptRaw;
  const routes = (scope: FastifyInstance) => {
    for (const r of INTAKE_ROUTES)
      scope.post(r.path, { onRequest }, async (req, reply) => {
        const body = raw ? { bytes: req.body as Buffer } : { parsed: req.body };
        const a = await answer(r, body, Number(req.headers['content-length']) || undefined);
        return reply.code(a.status).headers(a.headers).send(a.body);
      });
  };
  if (!raw) return routes(app);
  if (lean) leanIntake(app, { access, answer, allowedHosts: core.ctx.config.http.allowedHosts });
  // The intake routes' own scope: their JSON bodies arrive as bytes (the body limit and 415 as everywhere else).
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    routes(scope);
  });
};
