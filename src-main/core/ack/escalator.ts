import type { CoreContext } from '../context';
import type { TimerHandle } from '../clock';
import type { Message, OutboxWriter } from '../notify';
import type { AckStore, AlertState, Escalation, EscalationStore } from '../store';
import { clockTime, humanDuration } from './format';
import { ackButton, ackRef } from './refs';
import { acknowledges, CANCELLED_BY_ACK } from './service';
import { Collection } from '../../../src-shared/api/topics';
import { targetLabel } from '../oncall';
import { threadOf } from '../router';

/** Look at the table at least this often (a laptop that slept; a clock that jumped). */
const SWEEP_MS = 30_000;
/** A step fired this long after it fell due is marked late. */
const LATE_AFTER_MS = 60_000;
const RETRY_MS = 5_000;
export const DOWN_REASON = 'Vigil was not running';

export interface EscalatorDeps {
  acks: AckStore;
  escalations: EscalationStore;
  outbox: OutboxWriter;
  stateOf(fingerprint: string): AlertState | null;
  /** A silence that covers the alert now (someone decided not to be told): its description, or null. */
  silencedBy(s: AlertState, now: number): string | null;
  /** R-ROUTE-1: a failing scheduler becomes a vigil event (once per streak), resolved when it works again. */
  onFailure?(what: string, err: Error): void;
  onRecovery?(what: string): void;
}

const WHAT = 'escalation scheduler';

/** "on the console" when the first notification was a desktop one, else the channels it went to. */
function where(ctx: CoreContext, channels: string[]): string {
  const desktop = channels.filter((c) => ctx.config.channels.find((x) => x.name === c)?.type === 'desktop');
  if (desktop.length === channels.length && channels.length) return 'on the console';
  return channels.length ? `via ${channels.join(', ')}` : 'anywhere';
}

/** The escalated message: the alert, how long nobody answered and where, which step this is, and whether it is late. */
export function escalationMessage(
  ctx: CoreContext,
  e: Escalation,
  s: AlertState,
  now: number,
  lateReason: string | null,
  early = false,
): Message {
  const waited =
    e.rearmedAt !== null
      ? `un-acknowledged by ${e.rearmedBy} ${humanDuration(now - e.rearmedAt)} ago and not acknowledged again`
      : `not acknowledged for ${humanDuration(e.afterMs)} ${where(ctx, e.notifiedChannels)}`;
  const labels = Object.entries(s.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const body = [
    `Escalated: ${waited} (first notified ${clockTime(e.notifiedAt, now)}${e.notifiedChannels.length ? ` via ${e.notifiedChannels.join(', ')}` : ''}).`,
    `Escalation step ${e.step} of ${e.steps} → ${e.channels.map(targetLabel).join(', ')}.`,
    lateReason && early ? `Handed over before its time: ${lateReason} (this step was due at ${clockTime(e.dueAt, now)}).` : '',
    lateReason && !early ? `Fired late: ${lateReason} when this step fell due at ${clockTime(e.dueAt, now)}.` : '',
    s.count > 1 ? `Seen ${s.count} times since ${clockTime(s.firstSeen, now)}.` : '',
    labels ? `Labels: ${labels}` : '',
    'Acknowledge in Vigil (or with the button) to stop further escalation.',
  ]
    .filter(Boolean)
    .join('\n');
  return {
    kind: 'escalation',
    title: `ESCALATED (step ${e.step}): ${s.severity.toUpperCase()}: ${s.summary}`,
    body,
    severity: s.severity,
    eventId: e.eventId,
    fingerprint: s.fingerprint,
    status: 'firing',
    labels: s.labels,
    buttons: [ackButton(s.fingerprint)],
    // The incident's thread, as its first message's: later follow-ups edit the escalated message (Telegram), and the
    // incident's resolution reaches whoever the escalation paged (R-ONCALL-5). An escalation is always a new message.
    thread: threadOf(ctx.config, s),
  };
}

/**
 * The escalation scheduler: fires armed steps when they fall due on the
 * injected clock. Firing a step is one transaction: the outbox rows for its
 * channels and the step's state (fired) commit together, so a crash either
 * leaves the step armed (it fires after the restart) or fired with its
 * messages queued — never lost, never twice. At start-up, steps that fell
 * due while Vigil was down fire at once, marked late.
 */
export function createEscalator(ctx: CoreContext, deps: EscalatorDeps) {
  const { escalations, acks } = deps;
  let timer: TimerHandle | null = null;
  let stopped = true;
  let failing = false;

  function failed(e: unknown): void {
    ctx.log.error({ err: e }, 'escalation scheduler failed; retrying');
    if (!failing) deps.onFailure?.(WHAT, e instanceof Error ? e : new Error(String(e)));
    failing = true;
    timer = ctx.clock.setTimeout(tick, RETRY_MS);
  }

  /** Fire one step (or cancel it if the alert no longer needs it). True if it fired. `early`: before its due time, for `lateReason`. */
  function fire(id: number, lateReason: string | null, early = false): boolean {
    const now = ctx.clock.now();
    return ctx.stores.transaction(() => {
      const e = escalations.get(id);
      if (e?.state !== 'armed') return false;
      const s = deps.stateOf(e.fingerprint);
      if (!s || s.status !== 'firing' || s.firstSeen !== e.episode) {
        escalations.cancel(e.id, now, 'the alert is no longer firing');
        return false;
      }
      if (acknowledges(acks.get(e.fingerprint), s)) {
        escalations.cancel(e.id, now, CANCELLED_BY_ACK);
        return false;
      }
      const silence = deps.silencedBy(s, now);
      if (silence) {
        escalations.cancel(e.id, now, `silenced by ${silence}`);
        return false;
      }
      const msg = escalationMessage(ctx, e, s, now, lateReason, early);
      acks.rememberRef(ackRef(e.fingerprint), e.fingerprint);
      for (const ch of e.channels) deps.outbox.enqueue(ch, msg, `escalation:${e.id}:${ch}`);
      return escalations.markFired(e.id, now, lateReason, !early && lateReason !== null);
    });
  }

  /**
   * Before the machine sleeps (sleep.handOverCriticals, issue 18.6): the next armed step of every unacknowledged
   * critical alert fires now, recorded with `reason`, so someone awake is told. Returns how many fired.
   */
  function handOver(reason: string): number {
    const next = new Map<string, Escalation>();
    for (const e of escalations.due(Number.MAX_SAFE_INTEGER, 10_000)) {
      const cur = next.get(e.fingerprint);
      if (!cur || e.step < cur.step) next.set(e.fingerprint, e);
    }
    let fired = 0;
    for (const e of next.values()) {
      if (deps.stateOf(e.fingerprint)?.severity !== 'critical' || !fire(e.id, reason, true)) continue;
      fired++;
      ctx.metrics.escalations.inc({ step: String(e.step) });
      ctx.log.warn({ fingerprint: e.fingerprint, step: e.step, channels: e.channels, reason }, 'alert handed over to its escalation');
    }
    if (fired) ctx.changed(Collection.events, Collection.acks, Collection.outbox);
    return fired;
  }

  /** `reason`: why everything due now is late (down, asleep); null: late only if overdue by more than LATE_AFTER_MS. */
  function runDue(reason: string | null): void {
    let fired = 0;
    for (let rows = escalations.due(ctx.clock.now(), 100); rows.length; rows = escalations.due(ctx.clock.now(), 100)) {
      for (const e of rows) {
        const overdue = ctx.clock.now() - e.dueAt;
        const late = reason ?? (overdue > LATE_AFTER_MS ? `Vigil was suspended or busy for ${humanDuration(overdue)}` : null);
        if (!fire(e.id, late)) continue;
        fired++;
        ctx.metrics.escalations.inc({ step: String(e.step) });
        ctx.log.warn({ fingerprint: e.fingerprint, step: e.step, channels: e.channels, late }, 'alert escalated');
      }
    }
    if (fired) ctx.changed(Collection.events, Collection.acks, Collection.outbox);
  }

  function schedule(): void {
    timer?.cancel();
    timer = null;
    if (stopped) return;
    const next = escalations.nextDue();
    const wait = next === null ? SWEEP_MS : Math.min(SWEEP_MS, Math.max(0, next - ctx.clock.now()));
    timer = ctx.clock.setTimeout(tick, wait);
  }

  function tick(): void {
    timer = null;
    if (stopped || !ctx.stores.isOpen()) return;
    try {
      runDue(null);
      if (failing) deps.onRecovery?.(WHAT);
      failing = false;
      schedule();
    } catch (e) {
      failed(e);
    }
  }

  /** What fell due while Vigil was down or asleep fires now, once each, marked late with `reason`; then the loop runs. */
  function wake(reason: string): void {
    stopped = false;
    try {
      runDue(reason);
      schedule();
    } catch (e) {
      // Start-up goes on; the steps stay armed and are tried again.
      failed(e);
    }
  }

  return {
    /** Start-up: what fell due while Vigil was down fires now, marked late; then the loop runs. */
    start: (): void => wake(DOWN_REASON),
    stop(): void {
      stopped = true;
      timer?.cancel();
      timer = null;
    },
    wake,
    handOver,
    /** Steps were armed or re-armed: look at the next due time again. */
    kick(): void {
      if (!stopped) schedule();
    },
    /** Fire whatever is due now (tests, benchmarks). */
    runDue: () => runDue(null),
  };
}

export type Escalator = ReturnType<typeof createEscalator>;
