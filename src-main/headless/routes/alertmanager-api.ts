import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'yaml';
import { z } from 'zod';
import type { Input } from '../../../src-shared/api';
import type { AlertQuery } from '../../../src-shared/api/alerts';
import type { Matcher, Silence } from '../../../src-shared/api/events';
import { parseMatchers } from '../../../src-shared/matchers';
import { describeZodError } from '../../../src-shared/result';
import { VERSION } from '../../core/app';
import { compileMatchers, compileRegex } from '../../core/router';
import { sendError } from '../http';
import type { RouteModule } from './index';

/**
 * Alertmanager API v2 (R-ALERT-2), as `vigil serve` speaks it, under the
 * same Bearer token: amtool, Grafana's Alertmanager data source and Karma
 * read alerts and groups and manage silences here unchanged. Shapes follow
 * Alertmanager 0.25's api/v2/openapi.yaml; Vigil's extra knowledge rides in
 * a `vigil` field. This module only translates the wire format: every rule
 * is the core's (alerts.*, silences.*). POST /api/v2/alerts is in intake.ts.
 */

type Query = Record<string, string | string[] | undefined>;

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function flag(q: Query, name: string): boolean | undefined {
  const v = list(q[name]).at(-1);
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Error(`${name}: expected true or false, got ${JSON.stringify(v)}`);
}

function alertQuery(q: Query): AlertQuery {
  const receiver = list(q.receiver).at(-1);
  return {
    filter: list(q.filter),
    active: flag(q, 'active'),
    silenced: flag(q, 'silenced'),
    inhibited: flag(q, 'inhibited'),
    unprocessed: flag(q, 'unprocessed'),
    ...(receiver !== undefined ? { receiver } : {}),
  };
}

/** Alertmanager's matcher: isRegex/isEqual flags instead of an operator. */
const AmMatcher = z.object({
  name: z.string().min(1).max(200),
  value: z.string().max(1000),
  isRegex: z.boolean(),
  isEqual: z.boolean().default(true),
});
const PostableSilence = z.object({
  id: z.string().max(100).optional(),
  matchers: z.array(AmMatcher).min(1).max(50),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  createdBy: z.string().min(1).max(100),
  comment: z.string().min(1).max(2000),
});

const toOp = (m: z.infer<typeof AmMatcher>): Matcher['op'] => (m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=');
const fromOp = (m: Matcher) => ({
  name: m.name,
  value: m.value,
  isRegex: m.op === '=~' || m.op === '!~',
  isEqual: m.op === '=' || m.op === '=~',
});
const iso = (ms: number): string => new Date(ms).toISOString();

/** gettableSilence, plus how many firing alerts it covers now under `vigil`. */
const amSilence = (s: Silence) => ({
  id: s.id,
  status: { state: s.state },
  updatedAt: iso(s.expiredAt ?? s.createdAt),
  matchers: s.matchers.map(fromOp),
  startsAt: iso(s.startsAt),
  endsAt: iso(s.endsAt),
  createdBy: s.createdBy,
  comment: s.comment,
  vigil: { covers: s.covers },
});

/** Alertmanager's order: active by end, then pending by start, then expired newest first. */
const STATE_ORDER = { active: 0, pending: 1, expired: 2 } as const;
const silenceOrder = (a: Silence, b: Silence): number =>
  STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
  (a.state === 'active' ? a.endsAt - b.endsAt : a.state === 'pending' ? a.startsAt - b.startsAt : b.endsAt - a.endsAt);

/** A silence passes a filter when its equality matchers, read as labels, satisfy every filter matcher. */
function silenceFilter(filters: string[]): (s: Silence) => boolean {
  const ms: Matcher[] = [];
  for (const f of filters) {
    const p = parseMatchers(f);
    if (!p.ok) throw new Error(`filter: ${p.message}`);
    ms.push(...p.matchers);
  }
  let test;
  try {
    for (const m of ms) if (m.op === '=~' || m.op === '!~') compileRegex(m.value);
    test = compileMatchers(ms);
  } catch (e) {
    throw new Error(`filter: not a valid regular expression (${(e as Error).message})`, { cause: e });
  }
  return (s) => test(Object.fromEntries(s.matchers.filter((m) => m.op === '=').map((m) => [m.name, m.value])));
}

export const alertmanagerApiRoutes: RouteModule = (app, { core, access }) => {
  // Reads for viewers; silences for responders, recorded as the token's person (createdBy is overwritten by the core).
  const viewer = access.require('viewer');
  const responder = access.require('responder');
  const bad = (reply: FastifyReply, e: unknown) => sendError(reply, 'bad_request', (e as Error).message);
  const call = async <M extends 'alerts.list' | 'alerts.groups' | 'alerts.receivers'>(
    reply: FastifyReply,
    method: M,
    input: Input<M>,
    req: FastifyRequest,
  ) => {
    const r = await core.call(method, input, access.actor(req));
    return r.ok ? r.value : sendError(reply, r.error.code, r.error.message);
  };
  const startedAt = core.ctx.clock.now();
  // The core hands back the same answer object while nothing it derives from changed (core/alerts/cache.ts),
  // so its JSON is made once per answer: polling dashboards then cost a lookup, not 10,000 alerts' serialisation.
  const serialised = new WeakMap<object, string>();
  const json = (reply: FastifyReply, value: object) => {
    let text = serialised.get(value);
    if (text === undefined) serialised.set(value, (text = JSON.stringify(value)));
    return reply.type('application/json; charset=utf-8').send(text);
  };

  const alertRoute = (path: string, method: 'alerts.list' | 'alerts.groups') =>
    app.get(path, { onRequest: viewer }, async (req, reply) => {
      let q: AlertQuery;
      try {
        q = alertQuery(req.query as Query);
      } catch (e) {
        return bad(reply, e);
      }
      const r = await core.call(method, q, access.actor(req));
      return r.ok ? json(reply, r.value) : sendError(reply, r.error.code, r.error.message);
    });
  alertRoute('/api/v2/alerts', 'alerts.list');
  alertRoute('/api/v2/alerts/groups', 'alerts.groups');

  app.get('/api/v2/receivers', { onRequest: viewer }, async (req, reply) => call(reply, 'alerts.receivers', {}, req));

  app.get('/api/v2/status', { onRequest: viewer }, async () => {
    const cfg = core.ctx.config;
    // Alertmanager shows its own config here; Vigil shows the routing it applies, by channel name only (no URLs, no secrets).
    const original = stringify({
      route: {
        receiver: 'none',
        routes: cfg.routes.map((r) => ({
          receiver: r.channels.join(','),
          matchers: Object.entries(r.match).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
          group_by: r.groupBy,
          continue: r.continue,
        })),
      },
      receivers: [
        { name: 'none' },
        ...cfg.routes.map((r) => ({ name: r.channels.join(',') })),
        ...cfg.channels.map((c) => ({ name: c.name })),
      ].filter((r, i, all) => all.findIndex((x) => x.name === r.name) === i),
    });
    return {
      cluster: { status: 'disabled', peers: [] },
      versionInfo: { version: `vigil-${VERSION}`, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
      config: { original },
      uptime: iso(startedAt),
    };
  });

  app.get('/api/v2/silences', { onRequest: viewer }, async (req, reply) => {
    let keep: (s: Silence) => boolean;
    try {
      keep = silenceFilter(list((req.query as Query).filter));
    } catch (e) {
      return bad(reply, e);
    }
    const r = await core.call('silences.list', { includeExpired: true }, access.actor(req));
    if (!r.ok) return sendError(reply, r.error.code, r.error.message);
    return (r.value as Silence[]).filter(keep).sort(silenceOrder).map(amSilence);
  });

  app.post('/api/v2/silences', { onRequest: responder }, async (req, reply) => {
    const p = PostableSilence.safeParse(req.body);
    if (!p.success) return sendError(reply, 'bad_request', describeZodError(p.error));
    const s = p.data;
    // An update (id given) ends the old silence and starts its replacement, as Alertmanager does when matchers change.
    if (s.id) {
      const old = await core.call('silences.expire', { id: s.id }, access.actor(req));
      if (!old.ok) return sendError(reply, old.error.code, old.error.message);
    }
    const created = await core.call(
      'silences.create',
      {
        matchers: s.matchers.map((m) => ({ name: m.name, op: toOp(m), value: m.value })),
        startsAt: Date.parse(s.startsAt),
        endsAt: Date.parse(s.endsAt),
        createdBy: s.createdBy,
        comment: s.comment,
      },
      access.actor(req),
    );
    if (!created.ok) return sendError(reply, created.error.code, created.error.message);
    return { silenceID: (created.value as Silence).id };
  });

  app.get<{ Params: { id: string } }>('/api/v2/silence/:id', { onRequest: viewer }, async (req, reply) => {
    const r = await core.call('silences.list', { includeExpired: true }, access.actor(req));
    if (!r.ok) return sendError(reply, r.error.code, r.error.message);
    const s = (r.value as Silence[]).find((x) => x.id === req.params.id);
    return s ? amSilence(s) : sendError(reply, 'not_found', `no silence with id "${req.params.id}"`);
  });

  // Alertmanager's clients may send DELETE with a JSON content type and no body: that is not a bad body here.
  const noBody = async (req: { headers: Record<string, unknown> }) => {
    if (!Number(req.headers['content-length'] ?? 0)) delete req.headers['content-type'];
  };
  app.delete<{ Params: { id: string } }>('/api/v2/silence/:id', { onRequest: [noBody, responder] }, async (req, reply) => {
    const r = await core.call('silences.expire', { id: req.params.id }, access.actor(req));
    return r.ok ? {} : sendError(reply, r.error.code, r.error.message);
  });
};
