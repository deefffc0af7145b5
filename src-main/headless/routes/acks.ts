import { z } from 'zod';
import { describeZodError } from '../../../src-shared/result';
import { sendError, viaCore } from '../http';
import type { RouteModule } from './index';

// `by` is accepted for old scripts but ignored: the recorded actor is the token's person (R-PEOPLE-2).
const AckBody = z
  .object({ by: z.string().trim().min(1).max(100).optional(), note: z.string().trim().min(1).max(2000).optional() })
  .strict();
const UnackBody = z.object({ by: z.string().trim().min(1).max(100).default('api') }).strict();

/**
 * R-ROUTE-8 over HTTP (for scripts, a phone shortcut, a pager's webhook):
 * `POST /api/v1/alerts/<fingerprint>/ack` with `{note?}` acknowledges as the token's person,
 * `DELETE` of the same path withdraws it. Bearer auth; the rules are the
 * core's (alerts.ack / alerts.unack), so 404 for an unknown fingerprint,
 * 409 for a resolved or not acknowledged alert, 400 naming bad fields.
 */
export const ackRoutes: RouteModule = (app, { core, access }) => {
  const responder = access.require('responder');
  const path = '/api/v1/alerts/:fingerprint/ack';
  type Req = { Params: { fingerprint: string } };

  app.post<Req>(path, { onRequest: responder }, async (req, reply) => {
    const body = AckBody.safeParse(req.body ?? {});
    if (!body.success) return sendError(reply, 'bad_request', describeZodError(body.error));
    const actor = access.actor(req);
    return viaCore(
      core,
      reply,
      'alerts.ack',
      { fingerprint: req.params.fingerprint, note: body.data.note, by: actor.name, via: 'api' },
      actor,
    );
  });

  app.delete<Req>(path, { onRequest: responder }, async (req, reply) => {
    // A DELETE may come without a body; `by` may also be given as ?by=.
    const by = (req.query as { by?: string }).by;
    const body = UnackBody.safeParse(req.body ?? (by !== undefined ? { by } : {}));
    if (!body.success) return sendError(reply, 'bad_request', describeZodError(body.error));
    return viaCore(core, reply, 'alerts.unack', { fingerprint: req.params.fingerprint, by: body.data.by, via: 'api' }, access.actor(req));
  });
};
