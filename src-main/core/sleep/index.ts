import type { ContextRuntime, CoreContext, Wake } from '../context';
import type { AckArea } from '../ack';
import type { Heartbeat } from '../heartbeat';
import type { IntakeEvent } from '../router';
import type { AlertState } from '../store';
import { humanDuration } from '../duration';

/**
 * Each sleep is its own `vigil` alert, `vigil:sleep:<ISO time it began>` (two sleeps are two events, not a repeat the
 * Events page calls deduped); the ISO time sorts, so the Overview reads the last one with one primary-key seek.
 */
export const SLEEP_FINGERPRINT_PREFIX = 'vigil:sleep:';
const sleepFingerprint = (from: number) => `${SLEEP_FINGERPRINT_PREFIX}${new Date(from).toISOString()}`;
/** The reason recorded on escalation steps handed over at suspend (sleep.handOverCriticals). */
export const HANDOVER_REASON = 'laptop going to sleep';
/** The Overview shows the last sleep for this long after waking. */
const SHOWN_FOR_MS = 86_400_000;

export interface LastSleep {
  from: number;
  to: number;
}

export interface SleepDeps {
  sleepers: ContextRuntime['sleepers'];
  wakers: ContextRuntime['wakers'];
  escalator: Pick<AckArea['escalator'], 'stop' | 'wake' | 'handOver'>;
  heartbeat: Heartbeat | null;
  ingest(e: IntakeEvent): void;
  /** The latest sleep's alert state (the greatest fingerprint with SLEEP_FINGERPRINT_PREFIX). */
  recorded(): Pick<AlertState, 'startsAt' | 'endsAt'> | null;
}

/** "02:10" in UTC, the console's one time zone for these lines. */
const clockTime = (t: number) => new Date(t).toISOString().slice(11, 16);

/**
 * Sleep and wake (issue 18.6). The core takes suspend/resume as calls; the Electron shell binds powerMonitor to them.
 * Suspend: unacknowledged criticals are handed to their escalation (by setting), the heartbeat says "going to sleep",
 * every area stops its timers. Resume: due escalation steps fire marked late, the areas catch up once (scheduled jobs,
 * SSH reconnect, host and probe checks) and a `vigil` event records "asleep from 02:10 to 06:45" with what ran late.
 */
export function createSleep(ctx: CoreContext, d: SleepDeps) {
  let asleepSince: number | null = null;

  // A wake signal can arrive while suspend() still waits (on the heartbeat's answer): resume() waits for it first.
  let suspending: Promise<void> = Promise.resolve();

  function suspend(): Promise<void> {
    if (asleepSince !== null) return suspending;
    asleepSince = ctx.clock.now();
    return (suspending = goToSleep(asleepSince));
  }

  async function goToSleep(at: number): Promise<void> {
    // Before anything stops: someone awake gets the criticals nobody has answered (their outbox rows are queued now).
    const handedOver = ctx.config.sleep.handOverCriticals ? d.escalator.handOver(HANDOVER_REASON) : 0;
    d.escalator.stop();
    for (const s of d.sleepers) {
      try {
        await s(at);
      } catch (err) {
        ctx.log.error({ err }, 'an area failed to prepare for sleep');
      }
    }
    const told = (await d.heartbeat?.sleep(at)) ?? false;
    ctx.log.info({ at, heartbeatTold: told, handedOver }, 'going to sleep');
  }

  async function resume(): Promise<void> {
    if (asleepSince === null) return;
    const from = asleepSince;
    await suspending;
    if (asleepSince !== from) return; // another wake signal got here first
    const w: Wake = { from, to: ctx.clock.now(), span: '' };
    w.span = `${clockTime(w.from)} to ${clockTime(w.to)} UTC`;
    asleepSince = null;
    d.escalator.wake(`Vigil was asleep from ${w.span}`);
    d.heartbeat?.start();
    // The areas catch up side by side (an unreachable host's re-check must not hold the others back).
    const said = await Promise.all(
      d.wakers.map(async (fn) => {
        try {
          return (await fn(w)) ?? [];
        } catch (err) {
          ctx.log.error({ err }, 'an area failed to catch up after sleep');
          return [];
        }
      }),
    );
    const lines = said.flat();
    d.ingest({
      source: 'vigil',
      fingerprint: sleepFingerprint(w.from),
      severity: 'info',
      status: 'resolved',
      summary: `Vigil was asleep from ${w.span}`,
      description: [
        `The machine slept ${humanDuration(w.to - w.from)}; what fell due meanwhile ran on waking, marked late.`,
        ...lines.map((l) => `- ${l}`),
      ].join('\n'),
      labels: { alertname: 'VigilAsleep' },
      startsAt: w.from,
      endsAt: w.to,
    });
    ctx.log.info({ from: w.from, to: w.to, caughtUp: lines }, 'woke up');
  }

  /** The last sleep as recorded (its `vigil` event's alert state), if it ended within the last 24 h. */
  function last(): LastSleep | null {
    const s = d.recorded();
    if (!s?.startsAt || !s.endsAt || s.endsAt < ctx.clock.now() - SHOWN_FOR_MS) return null;
    return { from: s.startsAt, to: s.endsAt };
  }

  return { suspend, resume, last, asleep: () => asleepSince !== null };
}
export type Sleep = ReturnType<typeof createSleep>;
