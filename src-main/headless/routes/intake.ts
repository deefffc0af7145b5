import { normaliseAmWebhook, normaliseGeneric, normalisePostableAlerts, type Normalised } from '../../core/ingest';
import { sourceLabel } from '../../core/router';
import { sendError } from '../http';
import type { RouteModule } from './index';

/**
 * Event intake (R-ROUTE-1/2, R-SEC-1/2): generic events and the
 * Alertmanager webhook. The token is checked before the body is read; a
 * bad request writes nothing; 202 only after the batch is committed to the
 * durable intake inbox (processed right after, asynchronously, in order).
 * 413 (over the body limit) and 415 (not JSON) come from the shell.
 */
export const intakeRoutes: RouteModule = (app, { core, access }) => {
  // Intake tokens (their own kind) and people from responder up; checked before the body is read.
  const onRequest = access.require('intake');
  const accept = (path: string, source: string, normalise: (body: unknown) => Normalised, okStatus = 202) => {
    const via = `POST ${path}`;
    app.post(path, { onRequest }, async (req, reply) => {
      const n = normalise(req.body);
      if (!n.ok) {
        core.ctx.metrics.routerEvents.inc({ source, result: 'rejected' });
        return sendError(reply, 'bad_request', n.message);
      }
      const ids = await core.accept(n.events, via, Number(req.headers['content-length']) || undefined);
      return reply.code(okStatus).send({ accepted: ids.length, ids });
    });
  };
  accept('/api/v1/events', sourceLabel('api'), normaliseGeneric);
  accept('/api/v1/alerts/alertmanager', 'alertmanager', normaliseAmWebhook);
  // R-ALERT-2: Prometheus's alerting client posts here when Vigil is its Alertmanager; 200 as Alertmanager answers.
  accept('/api/v2/alerts', 'alertmanager', (body) => normalisePostableAlerts(body, core.ctx.clock.now()), 200);
};
