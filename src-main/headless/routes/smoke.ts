import { parseTimeBound } from '../../core/smoke';
import { sendError, viaCore } from '../http';
import { sendMovedChunks } from '../moved-chunks';
import type { RouteModule } from './index';

/** R-SMOKE HTTP interface: run now, NDJSON export, clear, push the daily summary. */
export const smokeRoutes: RouteModule = (app, { core, access }) => {
  const { smoke } = core;

  app.post('/api/v1/smoke/run', { onRequest: access.require('responder') }, async (req, reply) =>
    viaCore(core, reply, 'smoke.run', {}, access.actor(req)),
  );

  app.get<{ Querystring: { since?: string; until?: string } }>(
    '/api/v1/smoke/history.ndjson',
    { onRequest: access.require('viewer') },
    async (req, reply) => {
      let since: number;
      let until: number;
      try {
        since = parseTimeBound('since', req.query.since, 0);
        until = parseTimeBound('until', req.query.until, Number.MAX_SAFE_INTEGER);
      } catch (e) {
        return sendError(reply, 'bad_request', (e as Error).message);
      }
      if (since >= until) return sendError(reply, 'bad_request', 'since: must be before until');
      // One chunk at a time at the socket's pace; the reads thread's chunks are freed once written (R-SCALE-42).
      reply
        .type('application/x-ndjson; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="vigil-smoke-history.ndjson"');
      await sendMovedChunks(reply, smoke.exportNdjson(since, until), (err) =>
        core.ctx.log.error({ err }, 'smoke history export failed after its first chunk'),
      );
      return reply;
    },
  );

  app.delete('/api/v1/smoke/history', { onRequest: access.require('admin') }, async (req, reply) =>
    viaCore(core, reply, 'smoke.clear', {}, access.actor(req)),
  );

  app.post('/api/v1/smoke/daily-summary/send', { onRequest: access.require('responder') }, async (req, reply) =>
    viaCore(core, reply, 'smoke.sendSummary', {}, access.actor(req)),
  );
};
