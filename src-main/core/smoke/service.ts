import {
  SMOKE_CHECK_LABELS,
  SMOKE_CHECKS,
  type SmokeCheckResult,
  type SmokeRun,
  type SmokeSummary,
  type SmokeTrendPoint,
} from '../../../src-shared/api/smoke';
import type { StatusTile } from '../../../src-shared/api/system';
import { smokeStatusValue, worstStatus } from '../../../src-shared/constants';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { VigilError } from '../errors';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { OutboxWriter } from '../notify';
import { dailyAt, type Scheduler } from '../scheduler';
import { HOUR_MS, MAX_REASON, smokeNdjsonChunk, type SmokeHistoryStore } from '../store';
import { CHECKS } from './checks';
import { smokeNdjson, type SmokeChunks } from './export';
import type { SmokeSources } from './sources';
import { computeSummary, summaryMessage } from './summary';
import { Collection } from '../../../src-shared/api/topics';

const DAY_MS = 86_400_000;
export const MAX_TREND_POINTS = 500;

/** The audit chain as smoke needs it (core/audit's Audit satisfies this). Throws when it cannot write. */
export interface SmokeAudit {
  append(entry: { actor: string; action: string; subject?: string; detail?: Record<string, unknown> }): unknown;
}

export interface SmokeDeps {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  store: SmokeHistoryStore;
  /** Export chunks: off the main thread when the database is a file (a year of history never holds /health). */
  exportChunks?: SmokeChunks;
  sources: SmokeSources;
  scheduler: Scheduler;
  /** Run fn in one database transaction (clear + its audit entry, summary enqueues). */
  transaction<T>(fn: () => T): T;
  /** The outbox's producer side; null while no outbox is wired. */
  outbox: () => OutboxWriter | null;
  audit: () => SmokeAudit | null;
  changed?: (...what: Collection[]) => void;
}

export type Smoke = ReturnType<typeof createSmoke>;

/** History keeps no secrets (R-SMOKE-2): an error text may quote a credential, a URL's userinfo or a query token. */
export const redact = (text: string): string =>
  text
    .replace(/\b(bearer|basic)\s+[\w.~+/=-]+/gi, '$1 …')
    .replace(/\b(token|key|secret|password|passwd|apikey|api_key|authorization)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi, '$1$2…')
    .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//…@');

/** The machine's zone unless the config names one. */
export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A zone's UTC offset at an instant, in ms (for local-day buckets). */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')
      ?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000) : 0;
}

/** Self-checks: run, record, trend, summarise, export, clear (R-SMOKE-1..4). */
export function createSmoke(deps: SmokeDeps) {
  const { clock, store, metrics, log } = deps;
  const cfg = deps.config.smoke;
  const timeZone = cfg.summaryTimeZone ?? localTimeZone();
  let latest: SmokeRun | null = null;

  async function evaluate(): Promise<SmokeCheckResult[]> {
    const input = { sources: deps.sources, thresholds: cfg.thresholds, config: deps.config, now: clock.now() };
    return Promise.all(
      SMOKE_CHECKS.map(async (id): Promise<SmokeCheckResult> => {
        try {
          return await CHECKS[id](input);
        } catch (e) {
          // A check that cannot read its source is itself a finding.
          return {
            check: id,
            status: 'critical',
            value: null,
            reason: `check failed: ${redact((e as Error).message)}`.slice(0, MAX_REASON),
          };
        }
      }),
    );
  }

  async function run(): Promise<SmokeRun> {
    const at = clock.now();
    const results = await evaluate();
    store.insert(results.map((r) => ({ ...r, at })));
    for (const r of results) metrics.smokeStatus.set({ check: r.check }, smokeStatusValue[r.status]);
    latest = { at, worst: worstStatus(results.map((r) => r.status)), results };
    deps.changed?.(Collection.smoke);
    return latest;
  }

  function latestRun(): SmokeRun | null {
    if (latest) return latest;
    const stored = store.latestRun();
    return stored ? { ...stored, worst: worstStatus(stored.results.map((r) => r.status)) } : null;
  }

  /**
   * One Overview tile for all self-checks: each area already shows its own
   * tile, so six more would only repeat them. The worst check sets its colour
   * and the failing checks are named in its reason.
   */
  function tiles(): StatusTile[] {
    const l = latestRun();
    if (!l)
      return [
        {
          id: 'smoke',
          label: 'Self-checks',
          status: 'ok',
          value: 'pending',
          reason: cfg.enabled ? 'the first run is due' : 'smoke checks are disabled (smoke.enabled: false)',
        },
      ];
    const bad = l.results.filter((r) => r.status !== 'ok');
    const okCount = l.results.length - bad.length;
    return [
      {
        id: 'smoke',
        label: 'Self-checks',
        status: worstStatus(l.results.map((r) => r.status)),
        value: `${okCount}/${l.results.length} OK`,
        reason: bad.length ? bad.map((r) => `${SMOKE_CHECK_LABELS[r.check]}: ${r.reason}`).join('; ') : 'every control-plane check passed',
      },
    ];
  }

  function trend(opts: { bucket: 'hour' | 'day'; since?: number; until?: number }): {
    bucketMs: number;
    since: number;
    until: number;
    points: SmokeTrendPoint[];
  } {
    const until = opts.until ?? clock.now();
    const since = opts.since ?? until - 7 * DAY_MS;
    if (since >= until) throw new VigilError('bad_request', 'since must be before until');
    const base = opts.bucket === 'day' ? DAY_MS : HOUR_MS;
    // Widen buckets (whole hours/days) so a chart never gets more than ~500 points.
    const bucketMs = base * Math.max(1, Math.ceil((until - since) / base / MAX_TREND_POINTS));
    // Local days in the summary zone (offset at `until`: across a DST change older days shift by an hour).
    const offsetMs = opts.bucket === 'day' ? zoneOffsetMs(timeZone, until) : 0;
    return { bucketMs, since, until, points: store.trend({ since, until, bucketMs, offsetMs }) };
  }

  function summary(since?: number, until?: number): SmokeSummary {
    const u = until ?? clock.now();
    const s = since ?? u - DAY_MS;
    if (s >= u) throw new VigilError('bad_request', 'since must be before until');
    return computeSummary(store, s, u);
  }

  /** Enqueue the last 24 h summary for every summary channel, atomically. */
  function sendSummary(trigger: 'manual' | 'schedule'): { channels: string[]; summary: SmokeSummary } {
    const channels = cfg.summaryChannels;
    if (channels.length === 0)
      throw new VigilError('bad_request', 'no summary channels configured: list channel names under smoke.summaryChannels in vigil.yaml');
    const outbox = deps.outbox();
    if (!outbox)
      throw new VigilError('unavailable', 'the notification outbox is not available in this build, so the summary cannot be sent');
    const s = summary();
    const message = summaryMessage(s, timeZone);
    // A scheduled summary is keyed by its local date, so a restart around 09:10 cannot send it twice.
    const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(s.until);
    const key = trigger === 'schedule' ? `smoke-summary:${day}` : `smoke-summary:manual:${s.until}`;
    deps.transaction(() => {
      for (const c of channels) outbox.enqueue(c, message, `${key}:${c}`);
    });
    log.info({ channels, trigger }, 'smoke summary enqueued');
    return { channels: [...channels], summary: s };
  }

  /** Smoke history and rollup only; the audit entry and the delete commit together or not at all. */
  function clear(actor: string): { deletedRows: number } {
    const audit = deps.audit();
    const deletedRows = deps.transaction(() => {
      const rows = store.count();
      if (audit) audit.append({ actor, action: 'smoke.clear', subject: 'smoke_history', detail: { rows } });
      else log.warn({ actor, rows }, 'smoke history cleared without an audit entry: no audit log is wired');
      return store.clear();
    });
    // The latest run stays as the live status: clearing history does not make the checks unknown.
    deps.changed?.(Collection.smoke);
    return { deletedRows };
  }

  function prune(): number {
    const n = store.prune(clock.now() - cfg.retention);
    if (n > 0) log.info({ rows: n }, 'smoke history pruned');
    return n;
  }

  function start(): void {
    if (!cfg.enabled) return;
    deps.scheduler.every('smoke.run', cfg.interval, run, { runNow: true });
    deps.scheduler.every('smoke.prune', HOUR_MS, prune);
    void deps.scheduler.runOnce('smoke.prune', prune);
    if (cfg.summaryChannels.length > 0)
      deps.scheduler.cron('smoke.summary', dailyAt(cfg.summaryAt), { timeZone }, () => sendSummary('schedule'));
  }

  /** NDJSON chunks of history in [since, until), streamed (R-SMOKE-4). */
  const exportNdjson = (since: number, until: number) =>
    smokeNdjson(deps.exportChunks ?? ((q) => smokeNdjsonChunk(store, q)), since, until);

  return { run, latest: latestRun, tiles, trend, summary, sendSummary, clear, prune, start, exportNdjson, timeZone, history: store.page };
}
