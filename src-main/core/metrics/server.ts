import { createServer, type Server, type ServerResponse } from 'node:http';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import { answerMetrics, checkMetricsAccess, errorAnswer, type MetricsAnswer } from './access';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Opt-in Prometheus endpoint for the desktop app (config `metrics.port`):
 * GET /metrics on 127.0.0.1 only, so nothing off the machine can reach it
 * (R-SEC-1). Access is decided by the same check as the headless shell's
 * (checkMetricsAccess, R-SEC-7). Port 0 picks a free port.
 */
export async function startMetricsServer(ctx: CoreContext, port: number): Promise<MetricsServer> {
  // A token that is configured but cannot be resolved: do not even open the port.
  const atStart = checkMetricsAccess(ctx.config, ctx.secrets, undefined);
  if (!atStart.ok && atStart.error.code === 'unavailable')
    throw new VigilError('unavailable', `${atStart.error.message}; the metrics port was not opened`);
  const send = (res: ServerResponse, a: MetricsAnswer) => res.writeHead(a.status, { 'content-type': a.contentType }).end(a.body);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics')
      return void send(
        res,
        errorAnswer({ code: 'not_found', message: `no route for ${req.method} ${path}; only GET /metrics is served here` }),
      );
    void answerMetrics(ctx, req.headers.authorization).then((a) => send(res, a));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  ctx.log.info({ port: typeof addr === 'object' && addr ? addr.port : port }, 'metrics server listening on loopback');
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
