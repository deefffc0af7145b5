import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { INTAKE_READERS, type IntakeKind } from '../../core/ingest';
import { sourceLabel } from '../../core/router';
import { isBusy } from '../../core/store';
import { sendError } from '../http';
import type { RouteModule } from './index';

/**
 * Event intake (R-ROUTE-1/2, R-SEC-1/2): generic events and the
 * Alertmanager webhook. The token is checked before the body is read; a
 * bad request writes nothing; 202 only after the batch is committed to the
 * durable intake inbox (processed right after, asynchronously, in order).
 * 413 (over the body limit) and 415 (not JSON) come from the shell.
 *
 * With an intake thread (`vigil serve`: core.acceptRaw) the body is not parsed here: its bytes go to that thread,
 * which reads, checks and appends them (router/intake-thread.ts) and says what to answer. A body that thread does
 * not take as JSON comes back and is parsed here, so bad JSON gets the shell's usual 400 either way.
 * An append that waits out SQLite's busy timeout is answered 503 with Retry-After (it stored nothing), not 500.
 */
const BUSY = 'the intake inbox is busy (another writer holds its lock): nothing was stored; retry';

export const intakeRoutes: RouteModule = async (app, { core, access }) => {
  // Intake tokens (their own kind) and people from responder up; checked before the body is read.
  const onRequest = access.require('intake');
  const acceptRaw = core.acceptRaw;
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  const parseJson = (req: FastifyRequest, text: string) =>
    new Promise<unknown>((ok, fail) => jsonParser(req, text, (err, body) => (err ? fail(err) : ok(body))));
  const routes = (scope: FastifyInstance) => {
    const accept = (path: string, source: string, kind: IntakeKind, okStatus = 202) => {
      const via = `POST ${path}`;
      const refuse = (reply: FastifyReply, message: string) => {
        core.ctx.metrics.routerEvents.inc({ source, result: 'rejected' });
        return sendError(reply, 'bad_request', message);
      };
      scope.post(path, { onRequest }, async (req, reply) => {
        let body = req.body;
        try {
          if (acceptRaw) {
            const a = await acceptRaw({ kind, via, now: core.ctx.clock.now(), bytes: req.body as Buffer });
            // The answer's JSON text as the intake thread made it: what send({ accepted, ids }) would write.
            if ('seq' in a) return reply.code(okStatus).type('application/json; charset=utf-8').send(a.answer);
            if ('refused' in a) return refuse(reply, a.refused);
            body = await parseJson(req, a.unparsed); // refuses it as the shell's parser always has (400, its message)
          }
          const n = INTAKE_READERS[kind](body, core.ctx.clock.now());
          if (!n.ok) return refuse(reply, n.message);
          const ids = await core.accept(n.events, via, Number(req.headers['content-length']) || undefined);
          return reply.code(okStatus).send({ accepted: ids.length, ids });
        } catch (e) {
          if (!isBusy(e)) throw e;
          // The inbox append waited out its busy timeout (another writer held inbox.db): nothing was stored. A 503
          // with Retry-After says so and when to try again (Alertmanager and Prometheus retry any 5xx).
          core.ctx.log.warn({ err: e, via }, 'intake refused: the inbox is busy');
          return sendError(reply.header('retry-after', '1'), 'unavailable', BUSY);
        }
      });
    };
    accept('/api/v1/events', sourceLabel('api'), 'events');
    accept('/api/v1/alerts/alertmanager', 'alertmanager', 'am-webhook');
    // R-ALERT-2: Prometheus's alerting client posts here when Vigil is its Alertmanager; 200 as Alertmanager answers.
    accept('/api/v2/alerts', 'alertmanager', 'am-postable', 200);
  };
  if (!acceptRaw) return routes(app);
  // The intake routes' own scope: their JSON bodies arrive as bytes (the body limit and 415 as everywhere else).
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    routes(scope);
  });
};
