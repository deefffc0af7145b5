import type { StatusTile } from '../../../src-shared/api/system';
import type { CoreContext } from '../context';
import type { TimerHandle } from '../clock';
import { utcText } from '../duration';

const MAX_TIMEOUT_MS = 10_000;
/** A shorter interval would hammer the endpoint (and 0 would spin): clamp it. */
const MIN_INTERVAL_MS = 5_000;

export interface HeartbeatDeps {
  /** One failure event per outage (the router's reportFailure). */
  onFailure(what: string, err: Error): void;
  onRecovery(what: string): void;
  /** Intake is not being decided (router.failing): since when and why; null while it is. */
  notDecided?(): { since: number; error: string } | null;
}

/**
 * Deciding that has failed this long is an outage no vigil event can announce (events are what is not decided):
 * pings are withheld, so whoever watches the dead-man's switch is told. Shorter failures (a busy lock) are retried quietly.
 */
export const WITHHOLD_AFTER_MS = 60_000;

export const HEARTBEAT = 'heartbeat';

/**
 * A dead-man's switch for the console itself: Vigil GETs `heartbeat.url`
 * every interval (a healthchecks-style /ping URL, a PagerDuty heartbeat
 * URL), so someone is told when the on-call console is gone. The URL may
 * carry a secret: only its host is ever logged. A failing ping becomes one
 * `vigil` event per outage, resolved when pings succeed again.
 */
export function createHeartbeat(ctx: CoreContext, cfg: { url: string; interval: number; sleepUrl?: string }, deps: HeartbeatDeps) {
  const host = new URL(cfg.url).host;
  const interval = Math.max(MIN_INTERVAL_MS, cfg.interval);
  if (interval !== cfg.interval) ctx.log.warn({ interval: cfg.interval, used: interval }, 'heartbeat.interval is too short; using 5 s');
  const timeoutMs = Math.min(MAX_TIMEOUT_MS, interval);
  let timer: TimerHandle | null = null;
  let inflight: Promise<void> | null = null;
  const state = {
    lastOkAt: null as number | null,
    failingSince: null as number | null,
    lastError: null as string | null,
    pings: 0,
    /** Pings withheld since, and why (intake not being decided). */
    withheldSince: null as number | null,
    withheldFor: null as string | null,
  };
  const withhold = (): string | null => {
    const f = deps.notDecided?.();
    if (!f || ctx.clock.now() - f.since < WITHHOLD_AFTER_MS) return null;
    return `intake is not being decided since ${utcText(f.since)}: ${f.error}`;
  };

  async function ping(): Promise<void> {
    const abort = new AbortController();
    const t = ctx.clock.setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let error: string | null = null;
    try {
      const r = await ctx.fetch(cfg.url, { method: 'GET', signal: abort.signal, headers: { 'user-agent': 'Vigil heartbeat' } });
      await r.body?.cancel().catch(() => undefined);
      if (!r.ok) error = `${host} answered HTTP ${r.status}`;
    } catch (e) {
      const reason = abort.signal.aborted ? abort.signal.reason : e;
      error = `${host} unreachable: ${reason instanceof Error ? (reason.cause instanceof Error ? reason.cause.message : reason.message) : String(reason)}`;
    } finally {
      t.cancel();
    }
    state.pings++;
    const now = ctx.clock.now();
    if (error === null) {
      if (state.failingSince !== null) deps.onRecovery(HEARTBEAT);
      Object.assign(state, { lastOkAt: now, failingSince: null, lastError: null });
      return;
    }
    state.lastError = error;
    if (state.failingSince === null) {
      state.failingSince = now;
      deps.onFailure(
        HEARTBEAT,
        new Error(`heartbeat ping failed (${error}): whoever watches the dead-man's switch will think the console is gone`),
      );
    }
    ctx.log.warn({ host, error }, 'heartbeat ping failed');
  }

  const beat = () => {
    // One ping at a time: a slow endpoint does not pile up requests.
    if (inflight) return;
    const why = withhold();
    if (why) {
      if (state.withheldSince === null) ctx.log.error({ host, why }, 'heartbeat pings withheld: Vigil cannot alert');
      state.withheldSince ??= ctx.clock.now();
      state.withheldFor = why;
      return;
    }
    if (state.withheldSince !== null) ctx.log.info({ host }, 'heartbeat pings resume: intake is decided again');
    state.withheldSince = null;
    state.withheldFor = null;
    inflight = ping().finally(() => (inflight = null));
  };

  return {
    state,
    start(): void {
      beat();
      timer = ctx.clock.setInterval(beat, interval);
    },
    async stop(): Promise<void> {
      timer?.cancel();
      timer = null;
      await inflight;
    },
    /**
     * Before the machine suspends: pings stop, and where the dead-man's switch takes a message (heartbeat.sleepUrl)
     * it is told "going to sleep", so whoever it alerts knows why the console went quiet. Resolves true if it answered 2xx.
     */
    async sleep(at: number): Promise<boolean> {
      timer?.cancel();
      timer = null;
      await inflight;
      if (!cfg.sleepUrl) return false;
      const abort = new AbortController();
      const t = ctx.clock.setTimeout(() => abort.abort(new Error('no answer')), timeoutMs);
      try {
        const body = `Vigil going to sleep at ${new Date(at).toISOString()}: pings stop until it wakes`;
        const r = await ctx.fetch(cfg.sleepUrl, {
          method: 'POST',
          body,
          signal: abort.signal,
          headers: { 'user-agent': 'Vigil heartbeat' },
        });
        await r.body?.cancel().catch(() => undefined);
        return r.ok;
      } catch (e) {
        ctx.log.warn({ host: new URL(cfg.sleepUrl).host, err: e }, 'heartbeat sleep message not sent');
        return false;
      } finally {
        t.cancel();
      }
    },
    /** The ping in flight, if any (tests). */
    idle: (): Promise<void> => inflight ?? Promise.resolve(),
    tile(): StatusTile {
      if (state.withheldSince !== null)
        return {
          id: 'heartbeat',
          label: 'Heartbeat',
          status: 'critical',
          value: 'withheld',
          reason: `no pings to ${host} since ${utcText(state.withheldSince)}, so the dead-man's switch tells someone: ${state.withheldFor}`,
        };
      return {
        id: 'heartbeat',
        label: 'Heartbeat',
        status: state.failingSince !== null ? 'warning' : 'ok',
        value: state.failingSince !== null ? 'failing' : state.lastOkAt !== null ? 'ok' : 'pending',
        reason:
          state.failingSince !== null
            ? `pings to ${host} fail since ${utcText(state.failingSince)}: ${state.lastError}`
            : `pinging ${host} every ${Math.round(interval / 1000)} s`,
      };
    },
  };
}

export type Heartbeat = ReturnType<typeof createHeartbeat>;

/** Wire the heartbeat when `heartbeat:` is configured. */
export function wireHeartbeat(ctx: CoreContext, deps: HeartbeatDeps) {
  const cfg = ctx.config.heartbeat;
  if (!cfg) return null;
  const hb = createHeartbeat(ctx, cfg, deps);
  ctx.statusProviders.push(() => [hb.tile()]);
  ctx.onStart(() => hb.start());
  ctx.onStop(() => hb.stop());
  return hb;
}
