import { createServer, type Server } from 'node:http';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import { checkMetricsAccess } from './access';

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
  if (!atStart.ok && atStart.code === 'unavailable')
    throw new VigilError('unavailable', `${atStart.message}; the metrics port was not opened`);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /metrics is served here' } }));
      return;
    }
    const verdict = checkMetricsAccess(ctx.config, ctx.secrets, req.headers.authorization);
    if (!verdict.ok) {
      res
        .writeHead(verdict.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: verdict.code, message: verdict.message } }));
      return;
    }
    ctx.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
    );
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
