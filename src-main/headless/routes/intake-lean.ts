import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpAccess } from '../access';
import { hostAllowed } from '../guard';
import { free } from '../moved-chunks';
import { INTAKE_ROUTES, type IntakeAnswer, type IntakeBody, type IntakeRoute } from './intake-answer';

/**
 * The intake routes' lean path (issue 17, R-SCALE-29): in `vigil serve` a request whose headers say it will be
 * taken (POST to an intake path with no query string, Content-Type exactly application/json, a Content-Length within
 * the body limit, an allowed Host, a Bearer token that may post alerts) is answered from node:http's 'request' event,
 * without Fastify's request and reply objects, routing, hooks and body parser. Its answers come from the same
 * intake-answer.ts as the Fastify routes'. Anything else, refusals decided by the headers above all (401/403 and
 * `connection: close`, 413, 415, the Host check, a query token), goes to Fastify as before, and so does every
 * request once the server is closing (its 503).
 */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type Answerer = (route: IntakeRoute, body: IntakeBody, contentLength: number | undefined) => Promise<IntakeAnswer>;

/** Requests the lean path answered, by server (tests check that it, not Fastify, answered). */
const taken = new WeakMap<FastifyInstance, { n: number }>();
export const leanTaken = (app: FastifyInstance): number => taken.get(app)?.n ?? 0;

export function leanIntake(app: FastifyInstance, deps: { access: HttpAccess; answer: Answerer; allowedHosts: string[] }): void {
  const server = app.server;
  const [fastify, ...others] = server.listeners('request') as Handler[];
  if (!fastify || others.length) return; // not the server this was written for: Fastify answers everything
  const routes = new Map(INTAKE_ROUTES.map((r) => [r.path, r]));
  const allowed = new Set(deps.allowedHosts.map((h) => h.toLowerCase()));
  const bodyLimit = app.initialConfig.bodyLimit!;
  const count = { n: 0 };
  taken.set(app, count);
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const takes = (req: IncomingMessage): IntakeRoute | undefined => {
    const r = req.method === 'POST' ? routes.get(req.url!) : undefined;
    if (!r) return;
    const h = req.headers;
    const length = Number(h['content-length']);
    if (h['transfer-encoding'] !== undefined || !JSON_TYPES.has(h['content-type']!) || !(length > 0 && length <= bodyLimit)) return;
    if (!hostAllowed(h.host, allowed) || !deps.access.bearerMay(h.authorization, 'intake')) return;
    return r;
  };
  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const r = closing ? undefined : takes(req);
    if (!r) return fastify(req, res);
    count.n++;
    const length = Number(req.headers['content-length']);
    // Its own buffer, so it is moved to the intake thread rather than copied; the parser delivers exactly `length`.
    const bytes = Buffer.allocUnsafeSlow(length);
    let at = 0;
    req.on('data', (chunk: Buffer) => {
      at += chunk.copy(bytes, at);
      // The parser's own copy of these bytes, ours alone: freed now rather than counted as external memory until a
      // GC, which V8 weighs against the old generation's room (a storm's bodies started major GCs, R-SCALE-42).
      free(chunk);
    });
    req.on('error', () => undefined); // the client left: nobody to answer
    req.on('end', () => {
      deps.answer(r, { bytes }, length).then(
        (a) => {
          a.headers['content-length'] = String(Buffer.byteLength(a.body));
          res.writeHead(a.status, a.headers);
          res.end(a.body);
        },
        () => res.destroy(), // the answerer answers every error itself; this is for its own failing
      );
    });
  });
}
