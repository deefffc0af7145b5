import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import type { ServerResponse } from 'node:http';
import { sendError } from './http';

/**
 * Limits that keep slow or hostile clients from exhausting the headless
 * server (R-SEC-5): a client must finish its headers in 10 s and its whole
 * request in 30 s, an idle socket is closed after 2 min (SSE pings every
 * 15 s), and at most 2,000 sockets are open at once. Tokenless requests are
 * answered 401 before their body is read (auth runs in onRequest) and the
 * socket is closed, so a slow upload cannot hold a slot.
 */
export const LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  maxConnections: 2_000,
  /** Unsent SSE bytes a reader may fall behind by before it is dropped (it reconnects and resyncs). */
  sseBacklogBytes: 1024 * 1024,
};

/** Fastify/Node server options that carry the limits. */
export const guardedServerOptions = {
  connectionTimeout: LIMITS.idleTimeoutMs,
  requestTimeout: LIMITS.requestTimeoutMs,
  keepAliveTimeout: 5_000,
  // Node checks header/request deadlines on this interval (default 30 s, too coarse for a 10 s deadline).
  http: { headersTimeout: LIMITS.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
};

/**
 * Install the guards on a Fastify app before any route is added:
 * - a refused request (401/403) closes its socket: the auth hooks run in
 *   onRequest, before the body is read, and closing means a tokenless slow
 *   upload cannot keep its slot by dribbling the body Node would drain;
 * - the Host header must be an IP literal, localhost or a configured name
 *   (a DNS-rebinding page's Host is its own name, R-SEC-7).
 */
export function installGuards(app: FastifyInstance, opts: { allowedHosts: string[] }): void {
  app.server.maxConnections = LIMITS.maxConnections;
  app.addHook('onSend', async (_req, reply) => {
    if (reply.statusCode === 401 || reply.statusCode === 403) reply.header('connection', 'close');
  });
  const allowed = new Set(opts.allowedHosts.map((h) => h.toLowerCase()));
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (hostAllowed(req.headers.host, allowed)) return;
    return sendError(reply, 'forbidden', 'this Host is not served here; add it to http.allowedHosts if it is yours');
  });
}

/** IP literals, localhost and configured names pass; a request without Host (HTTP/1.0 tools) is not a browser's. */
export function hostAllowed(header: string | undefined, allowed: Set<string>): boolean {
  if (!header) return true;
  const name = (header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d+$/, '')).toLowerCase();
  return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || allowed.has(name);
}

/**
 * An SSE writer that honours backpressure: a reader that stops reading is
 * dropped once it is `LIMITS.sseBacklogBytes` behind, instead of the server
 * buffering for it without bound. EventSource reconnects by itself.
 */
export function boundedSse(res: ServerResponse, onDrop: () => void): (chunk: string) => void {
  let dropped = false;
  return (chunk) => {
    if (dropped) return;
    if (res.writableLength > LIMITS.sseBacklogBytes) {
      dropped = true;
      res.destroy();
      onDrop();
      return;
    }
    res.write(chunk);
  };
}
