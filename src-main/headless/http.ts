import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerFactory } from 'fastify';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ServerResponse } from 'node:http';
import { Topic, TOPIC_NAMES } from '../../src-shared/api/topics';
import type { Actor, DesktopNotice, Input, MethodName, Output } from '../../src-shared/api';
import { fail, httpStatusFor, type ErrorCode } from '../../src-shared/result';
import { VERSION, type Core } from '../core/app';
import { answerMetrics } from '../core/metrics';
import { createAccess } from './access';
import { errorAnswer } from './error-answer';
import { boundedSse, guardedServerOptions, installGuards } from './guard';
import { extraRoutes } from './routes';
import { sseShare } from './sse-share';
import { oneBodyPerTurn, turns } from './turns';
import { SESSION_ENDED_EVENT } from '../../src-shared/session';

export const MAX_BODY_BYTES = 1024 * 1024;
/** How often an open stream re-checks its browser session. */
const SESSION_STREAM_CHECK_MS = 3_000;

export interface HttpOptions {
  core: Core;
  /** The legacy single API token: with nobody on record yet, it becomes the first admin's personal token. */
  token: string;
  /** Built renderer (out/renderer); omitted in API-only tests. */
  staticDir?: string;
  bodyLimit?: number;
  /** Deadline for a whole request, body included (default LIMITS.requestTimeoutMs); tests shorten it. */
  requestTimeoutMs?: number;
  /** TLS (a team server on a non-loopback address): PEM certificate and key. */
  tls?: { cert: string; key: string };
  /** The intake routes' lean path before Fastify (routes/intake-lean.ts; default on): tests turn it off to compare. */
  leanIntake?: boolean;
}

/** Every HTTP error, from a handler, the RPC door or fastify itself, is the RPC envelope `{ ok: false, error }`. */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.code(httpStatusFor(code)).send(fail(code, message));
}

/** A REST alias of a ConsoleApi method: the same validation and rules (core.call), the value or the error envelope. */
export async function viaCore<M extends MethodName>(
  core: Core,
  reply: FastifyReply,
  method: M,
  input: Input<M>,
  actor?: Actor,
): Promise<Output<M> | FastifyReply> {
  const r = await core.call(method, input, actor);
  return r.ok ? r.value : sendError(reply, r.error.code, r.error.message);
}

/** HTTPS with the same header/request deadlines (a team server); Fastify types the instance by its server, one shape for both. */
const httpsFactory =
  (tls: { cert: string; key: string }): FastifyServerFactory =>
  (handler, o) => {
    const server = createHttpsServer({ ...guardedServerOptions.http, ...tls }, handler);
    // Fastify sets its deadlines only on servers it makes itself (fastify/lib/server.js): without these a team
    // server's request deadline was Node's 300 s and its sockets never idled out (R-SEC-5).
    server.keepAliveTimeout = o.keepAliveTimeout as number;
    server.requestTimeout = o.requestTimeout as number;
    server.setTimeout(o.connectionTimeout as number);
    return server as unknown as Server;
  };

/** The headless shell's HTTP server: static renderer, RPC, SSE, webhooks, /metrics, /health. */
export async function createHttpServer(opts: HttpOptions): Promise<FastifyInstance> {
  const { core, token } = opts;
  core.people.ensureFirstAdmin(token);
  const access = createAccess(core);
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? MAX_BODY_BYTES,
    logger: false,
    return503OnClosing: true,
    ...guardedServerOptions,
    ...(opts.requestTimeoutMs ? { requestTimeout: opts.requestTimeoutMs } : {}),
    ...(opts.tls ? { serverFactory: httpsFactory(opts.tls) } : {}),
  });
  installGuards(app, { allowedHosts: core.ctx.config.http.allowedHosts });
  // JSON only: anything else is 415 rather than a string the handlers never expect.
  app.removeContentTypeParser(['text/plain']);
  // A burst of bodies is parsed one per turn of the event loop: /health and the console are served in between.
  oneBodyPerTurn(app);

  // One error shape for everything: {ok:false, error:{code,message}} with the right status.
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    const a = errorAnswer(err, opts.bodyLimit ?? MAX_BODY_BYTES);
    if (a.serverFault) core.ctx.log.error({ err }, 'http handler failed');
    return sendError(reply, a.code, a.message);
  });
  app.decorateRequest('principal', null);
  app.setNotFoundHandler((req, reply) => sendError(reply, 'not_found', `no route for ${req.method} ${req.url.split('?')[0]}`));

  // Liveness: no database, no locks, no allocation-heavy work.
  app.get('/health', async () => ({ status: 'ok', version: VERSION }));

  app.get('/metrics', async (req, reply) => {
    const answer = await answerMetrics(core.ctx, req.headers.authorization);
    return reply.code(answer.status).header('content-type', answer.contentType).send(answer.body);
  });

  // Any person may reach the RPC door; the core authorises each method by its role (METHOD_ACCESS).
  app.post<{ Params: { method: string } }>('/api/rpc/:method', { onRequest: access.require('viewer') }, async (req, reply) => {
    const result = await core.dispatch(req.params.method, req.body ?? {}, access.actor(req));
    if (!result.ok) return sendError(reply, result.error.code, result.error.message);
    return result;
  });

  // Server push: one SSE stream carrying every topic; a comment every 15 s keeps proxies open.
  // Open streams are ended when the server closes: close() waits for every connection, and a console
  // left open would otherwise keep `vigil serve` from ever stopping (R-SEC-6).
  const streams = new Set<ServerResponse>();
  // A snapshot half a second old is still the state the console shows until the next tick or change (every 5 s).
  const share = sseShare({ snapshot: () => core.status(), maxAgeMs: 500, now: () => Date.now() });
  const unshare = core.ctx.bus.subscribe(Topic.status, (s) => share.published(s));
  app.addHook('preClose', (done) => {
    for (const res of streams) res.end();
    unshare();
    done();
  });
  // A burst of consoles connecting (100 after a restart) is set up one per turn of the event loop, like request bodies
  // (R-SCALE-10): each connect's token check, snapshot frame, subscriptions and held-notice retry run in their own turn,
  // so a /health probe that arrives with the burst is answered between two connects, not after all of them.
  const connectTurn = turns();
  app.get('/api/stream', { onRequest: [() => connectTurn(), access.require('viewer')] }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    // A console that left while it waited for its turn: its close has passed, so a stream set up now would never end.
    if (req.raw.socket.destroyed) return void res.destroy();
    streams.add(res);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let leave: (() => void) | undefined;
    const stop = () => {
      streams.delete(res);
      clearInterval(ping);
      unsubs.forEach((u) => u());
      leave?.();
    };
    const send = boundedSse(res, stop);
    const write = (topic: string, payload: unknown) => send(share.frame(topic, payload));
    send(share.snapshotFrame(Topic.status));
    const who = access.actor(req).name;
    const unsubs = TOPIC_NAMES.map((t) =>
      core.ctx.bus.subscribe(t, (p) => {
        // Per-person preferences on the server: a notice of a severity this person turned off never reaches their desktop.
        if (t === Topic.notice && !core.people.wantsNotice(who, (p as DesktopNotice).severity)) return;
        // A page addressed to the person on call reaches their desktop, not everyone's.
        if (t === Topic.notice && (p as DesktopNotice).to !== undefined && (p as DesktopNotice).to !== who) return;
        write(t, p);
      }),
    );
    const ping = setInterval(() => send(': ping\n\n'), 15_000);
    // A stream opened with the session cookie ends when the session does (revoked, expired, signed out),
    // telling the console why, rather than pushing to a tab that is no longer signed in.
    if (access.actor(req).sessionId) {
      const watch = setInterval(() => {
        const s = access.session(req);
        if (s.ok) return;
        send(`event: ${SESSION_ENDED_EVENT}\ndata: ${JSON.stringify({ reason: s.reason })}\n\n`);
        stop();
        res.end();
      }, SESSION_STREAM_CHECK_MS);
      unsubs.push(() => clearInterval(watch));
    }
    // An open console can show desktop notices: the desktop channel waits for it to report one shown.
    if (streams.has(res)) leave = core.consoles?.connect(who, (severity) => core.people.wantsNotice(who, severity));
    req.raw.on('close', stop);
  });

  for (const register of extraRoutes)
    await register(app, { core, access, auth: access.require('admin'), tls: !!opts.tls, leanIntake: opts.leanIntake ?? true });

  if (opts.staticDir && existsSync(opts.staticDir)) {
    await app.register(fastifyStatic, {
      root: opts.staticDir,
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (res) => res.header('x-content-type-options', 'nosniff'),
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain').send('Vigil API is running; the console was not built (run npm run build).'),
    );
  }
  return app;
}
