import { createServer, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

const sameToken = (presented: string | undefined, expected: string): boolean => {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Opt-in Prometheus endpoint for the desktop app (config `metrics.port`):
 * GET /metrics on 127.0.0.1 only, so nothing off the machine can reach it
 * (R-SEC-1). Honours `metrics.token` like the headless shell. Port 0 picks
 * a free port.
 */
export async function startMetricsServer(ctx: CoreContext, port: number): Promise<MetricsServer> {
  const ref = ctx.config.metrics.token;
  const secret = ref ? ctx.secrets.get(ref.secret) : undefined;
  // A token that is configured but cannot be resolved must not leave the port open: fail closed.
  if (ref && !secret) throw new VigilError('unavailable', `metrics.token names secret "${ref.secret}", which is not set; the metrics port was not opened`);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /metrics is served here' } }));
      return;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (secret && !sameToken(bearer, secret)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message: 'metrics need a bearer token' } }));
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
