import { VigilError } from '../../core/errors';
import { sendError } from '../http';
import type { RouteModule } from './index';

/**
 * `POST /-/reload` (the Prometheus/Alertmanager convention, Bearer here): re-read the
 * config; 400 names the bad field and the running config stays in force (R-CHANGE-3).
 */
export const reloadRoutes: RouteModule = (app, { core, auth }) => {
  app.post('/-/reload', { preHandler: auth }, async (_req, reply) => {
    try {
      return { ok: true, reload: await core.reload('http', 'POST /-/reload') };
    } catch (e) {
      if (e instanceof VigilError) return sendError(reply, e.code, e.message);
      throw e;
    }
  });
};
