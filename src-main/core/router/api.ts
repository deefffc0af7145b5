import { randomUUID } from 'node:crypto';
import type { EventDetail, EventSummary, Silence } from '../../../src-shared/api/events';
import type { Handlers } from '../../../src-shared/api';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import type { EventRecord, SilenceRecord } from '../store';
import { muteActive } from './mute-window';
import type { Router } from './router';
import { regexProblem } from '../regex';
import { compileMatchers, matchLabels } from './silence-matcher';
import { Collection } from '../../../src-shared/api/topics';

type EventHandlers = Pick<
  Handlers,
  | 'events.list'
  | 'events.get'
  | 'events.stats'
  | 'silences.list'
  | 'silences.create'
  | 'silences.expire'
  | 'silences.preview'
  | 'mutes.list'
>;

const summary = (e: EventRecord): EventSummary => ({
  id: e.id,
  seq: e.seq,
  source: e.source,
  fingerprint: e.fingerprint,
  severity: e.severity,
  status: e.status,
  summary: e.summary,
  labels: e.labels,
  receivedAt: e.receivedAt,
  processed: e.processed,
  outcome: e.outcome,
});

const silenceView = (s: SilenceRecord, now: number, covers: number): Silence => ({
  ...s,
  state: s.endsAt <= now ? 'expired' : s.startsAt > now ? 'pending' : 'active',
  covers,
});

const PREVIEW_SCAN = 5_000;
const MAX_POINTS = 500;

/** ConsoleApi handlers for events, silences and mute windows. */
export function eventHandlers(ctx: CoreContext, router: Router): EventHandlers {
  const now = () => ctx.clock.now();
  /** R-ALERT-3: how many alerts firing now each silence in force covers (0 for pending and expired ones). */
  const views = (list: SilenceRecord[]): Silence[] => {
    const t = now();
    const inForce = list.filter((s) => s.startsAt <= t && t < s.endsAt);
    const firing = inForce.length ? router.states.firingLabels(t).map(matchLabels) : [];
    return list.map((s) => {
      if (!inForce.includes(s)) return silenceView(s, t, 0);
      const test = compileMatchers(s.matchers);
      let n = 0;
      for (const l of firing) if (test(l)) n++;
      return silenceView(s, t, n);
    });
  };
  return {
    'events.list': (i) => {
      const eq = i.label?.indexOf('=') ?? -1;
      const label = i.label ? { name: i.label.slice(0, eq), value: i.label.slice(eq + 1) } : undefined;
      const page = router.events.list({ ...i, label });
      return { items: page.items.map(summary), nextCursor: page.nextCursor };
    },
    'events.get': ({ id }): EventDetail => {
      // An acknowledged HTTP event still in its intake batch answers as queued (processed: false, no outcome yet).
      const e = router.events.get(id) ?? router.queued(id);
      if (!e) throw new VigilError('not_found', `no event with id "${id}"`);
      const s = router.states.get(e.fingerprint);
      return {
        ...summary(e),
        description: e.description,
        startsAt: e.startsAt,
        endsAt: e.endsAt,
        trace: e.trace,
        triage: e.triage,
        channels: e.channels,
        counters: s
          ? { count: s.count, firstSeen: s.firstSeen, lastSeen: s.lastSeen, notifiedAt: s.notifiedAt, notifiedStatus: s.notifiedStatus }
          : null,
      };
    },
    // A trend over history is a heavy read: it runs off the main thread (ctx.stores.reads), never holding /health.
    'events.stats': async ({ from, to }) => {
      const end = to ?? now();
      const start = from ?? end - 3_600_000;
      if (start >= end) throw new VigilError('bad_request', 'from: must be before to');
      const bucketMs = Math.max(60_000, Math.ceil((end - start) / MAX_POINTS / 60_000) * 60_000);
      const points = new Map<number, { t: number; info: number; warning: number; critical: number }>();
      for (const r of await ctx.stores.reads.eventStats(start, end, bucketMs)) {
        const p = points.get(r.t) ?? { t: r.t, info: 0, warning: 0, critical: 0 };
        p[r.severity] = r.n;
        points.set(r.t, p);
      }
      return { bucketMs, points: [...points.values()] };
    },
    'silences.list': ({ includeExpired }) => views(router.silenceStore.list(includeExpired, now())),
    'silences.create': (i) => {
      i.matchers.forEach((m, k) => {
        if (m.op !== '=~' && m.op !== '!~') return;
        const problem = regexProblem(m.value);
        if (problem) throw new VigilError('bad_request', `matchers.${k}.value: ${problem}`);
      });
      const t = now();
      const startsAt = i.startsAt ?? t;
      if (i.endsAt <= Math.max(startsAt, t)) throw new VigilError('bad_request', 'endsAt: must be in the future and after startsAt');
      // A UUID, as Alertmanager's clients expect of a silence id (R-ALERT-2).
      const s: SilenceRecord = {
        id: randomUUID(),
        matchers: i.matchers,
        startsAt,
        endsAt: i.endsAt,
        createdBy: i.createdBy,
        comment: i.comment,
        createdAt: t,
        expiredAt: null,
      };
      router.silenceStore.create(s);
      router.silences.refresh();
      // The alerts it matches are suppressed from now on (judged on read, so the Alerts view refetches on silences too).
      ctx.changed(Collection.silences);
      return views([s])[0]!;
    },
    'silences.expire': ({ id }) => {
      const s = router.silenceStore.get(id);
      if (!s) throw new VigilError('not_found', `no silence with id "${id}"`);
      const t = now();
      if (s.endsAt > t) router.silenceStore.expire(id, t);
      router.silences.refresh();
      ctx.changed(Collection.silences);
      return views([router.silenceStore.get(id)!])[0]!;
    },
    'silences.preview': ({ matchers, limit }) => {
      // Stored silences compile a bad pattern to "matches nothing"; the preview must say why instead.
      for (const m of matchers) {
        const problem = m.op === '=~' || m.op === '!~' ? regexProblem(m.value) : null;
        if (problem)
          throw new VigilError('bad_request', `matchers: not a valid regular expression: ${m.name} ${m.op} "${m.value}" (${problem})`);
      }
      const test = compileMatchers(matchers);
      const recent = router.events.recent(PREVIEW_SCAN);
      const hits = recent.filter((e) => test(matchLabels(e)));
      return { scanned: recent.length, matched: hits.length, items: hits.slice(0, limit).map(summary) };
    },
    'mutes.list': () => ctx.config.mutes.map((m) => ({ ...m, activeNow: muteActive(m, now()) })),
  };
}
