import type { FastifyInstance } from 'fastify';
import { fail, httpStatusFor, type ErrorCode } from '../../../src-shared/result';
import type { Core } from '../../core/app';
import { INTAKE_READERS, type IntakeKind } from '../../core/ingest';
import { sourceLabel } from '../../core/router';
import { isBusy } from '../../core/store';
import { errorAnswer } from '../error-answer';

/**
 * Event intake's answers (R-ROUTE-1/2, R-SEC-1/2), made apart from who writes them: the Fastify routes
 * (routes/intake.ts) and, in `vigil serve`, the lean path before Fastify (routes/intake-lean.ts) write the same
 * status, headers and text. A bad request writes nothing; 202 only after the batch is committed to the durable intake
 * inbox (processed right after, asynchronously, in order).
 *
 * With an intake thread (`vigil serve`: core.acceptRaw) the body is not parsed here: its bytes go to that thread,
 * which reads, checks and appends them (router/intake-thread.ts) and says what to answer. A body that thread does
 * not take as JSON comes back and is parsed by Fastify's own parser, so bad JSON gets the shell's usual 400 either way.
 * An append that waits out SQLite's busy timeout is answered 503 with Retry-After (it stored nothing), not 500.
 */
export interface IntakeRoute {
  path: string;
  /** The source label of the router metric a refusal counts under. */
  source: string;
  kind: IntakeKind;
  okStatus: number;
  /** The trace's "via": `POST <path>`. */
  via: string;
}
const route = (path: string, source: string, kind: IntakeKind, okStatus = 202): IntakeRoute => ({
  path,
  source,
  kind,
  okStatus,
  via: `POST ${path}`,
});
export const INTAKE_ROUTES: IntakeRoute[] = [
  route('/api/v1/events', sourceLabel('api'), 'events'),
  route('/api/v1/alerts/alertmanager', 'alertmanager', 'am-webhook'),
  // R-ALERT-2: Prometheus's alerting client posts here when Vigil is its Alertmanager; 200 as Alertmanager answers.
  route('/api/v2/alerts', 'alertmanager', 'am-postable', 200),
];

/** An answer as Fastify writes it: headers in this order, then content-length (the writer's). */
export interface IntakeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}
const JSON_TYPE = 'application/json; charset=utf-8';
const BUSY = 'the intake inbox is busy (another writer holds its lock): nothing was stored; retry';

/** The body as it arrived: bytes for the intake thread, or parsed by Fastify (cores without one). */
export type IntakeBody = { bytes: Uint8Array } | { parsed: unknown };

export function intakeAnswers(
  core: Core,
  app: FastifyInstance,
): (route: IntakeRoute, body: IntakeBody, contentLength: number | undefined) => Promise<IntakeAnswer> {
  const { acceptRaw } = core;
  const bodyLimit = app.initialConfig.bodyLimit!;
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  // Fastify's own parser (it reads nothing of the request): its errors and words, as for any other route's body.
  const parseJson = (text: string) =>
    new Promise<unknown>((ok, no) => jsonParser(undefined as never, text, (err, body) => (err ? no(err) : ok(body))));
  const json = (status: number, body: string, first: Record<string, string> = {}): IntakeAnswer => ({
    status,
    headers: { ...first, 'content-type': JSON_TYPE },
    body,
  });
  const error = (code: ErrorCode, message: string, first?: Record<string, string>) =>
    json(httpStatusFor(code), JSON.stringify(fail(code, message)), first);
  const refuse = (r: IntakeRoute, message: string) => {
    core.ctx.metrics.routerEvents.inc({ source: r.source, result: 'rejected' });
    return error('bad_request', message);
  };
  return async (r, arrived, contentLength) => {
    try {
      let body: unknown;
      if ('bytes' in arrived) {
        const a = await acceptRaw!({ kind: r.kind, via: r.via, now: core.ctx.clock.now(), bytes: arrived.bytes });
        // The answer's JSON text as the intake thread made it: what JSON.stringify({ accepted, ids }) would write.
        if ('seq' in a) return json(r.okStatus, a.answer);
        if ('refused' in a) return refuse(r, a.refused);
        body = await parseJson(a.unparsed); // refuses it as the shell's parser always has (400, its message)
      } else body = arrived.parsed;
      const n = INTAKE_READERS[r.kind](body, core.ctx.clock.now());
      if (!n.ok) return refuse(r, n.message);
      const ids = await core.accept(n.events, r.via, contentLength);
      return json(r.okStatus, JSON.stringify({ accepted: ids.length, ids }));
    } catch (e) {
      if (isBusy(e)) {
        // The inbox append waited out its busy timeout (another writer held inbox.db): nothing was stored. A 503
        // with Retry-After says so and when to try again (Alertmanager and Prometheus retry any 5xx).
        core.ctx.log.warn({ err: e, via: r.via }, 'intake refused: the inbox is busy');
        return error('unavailable', BUSY, { 'retry-after': '1' });
      }
      // As Fastify's error handler answers a thrown error (http.ts): a parse error's 400, else 500 and the log.
      const a = errorAnswer(Object(e) as { statusCode?: number; message: string }, bodyLimit);
      if (a.serverFault) core.ctx.log.error({ err: e }, 'http handler failed');
      return error(a.code, a.message);
    }
  };
}
