import type { OutboxRow, OutboxThread } from '../store';
import { planHold, resolutionMessage, withFolded } from './incident-digest';
import { readsAlert, reconcile, type AlertNow } from './reconcile';
import type { WorkerScope } from './scope';
import { nextThread, planThread } from './threads';
import type { Message, SendResult } from './types';

const DEFAULT_TIMEOUT_MS = 10_000;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A send in flight, so a stop can abort it and wait for it. */
export interface Inflight {
  abort: AbortController;
  done: Promise<unknown>;
}

/** Shows the worker a send in flight; the answer forgets it (several may be in flight at once). */
export type Track = (f: Inflight) => () => void;

/** What an alert is now, for reconciling a message about it. */
export type AlertReader = (fingerprint: string) => AlertNow | null;

/**
 * A batch read this long ago (real time) still stands for a message sent now; a message sent later (behind a slow
 * window) reads its alert again. Within it an acknowledgement counts as one that came while the message was on the wire.
 */
const BATCH_READ_FRESH_MS = 100;

/**
 * What the alerts of a batch's messages are now, read in one statement: on the main thread beside the decider every
 * read outside a transaction finds the file changed and starts from an empty page cache (~100 µs a read, R-SCALE-20).
 */
export function alertsNow({ opts }: WorkerScope, rows: OutboxRow[]): AlertReader {
  const one: AlertReader = (fp) => opts.alertNow?.([fp]).get(fp) ?? null;
  const fps = [...new Set(rows.flatMap((r) => (readsAlert(r.message) ? [r.message.fingerprint] : [])))];
  if (!opts.alertNow || fps.length < 2) return one;
  const read = opts.alertNow(fps);
  const at = performance.now();
  return (fp) => (performance.now() - at <= BATCH_READ_FRESH_MS ? (read.get(fp) ?? null) : one(fp));
}

/** The row as it is sent now: an acknowledgement or resolution while it waited changes it (notify/reconcile.ts). */
export function reconciledRow(scope: WorkerScope, row: OutboxRow, now: number, alert: AlertReader = alertsNow(scope, [])) {
  const { store, channel } = scope;
  const fp = row.message.fingerprint;
  return reconcile({
    row,
    channelType: channel.type,
    now,
    alert: () => (fp === null ? null : alert(fp)),
    resolutionsAfter: () => store.resolutionsAfter(channel.name, row.id),
  });
}

/** One attempt with the channel's timeout; `track` sees the send while it is in flight. */
export async function attempt(
  { ctx, channel }: WorkerScope,
  head: OutboxRow,
  track: Track,
  op: (signal: AbortSignal) => Promise<SendResult> = (signal) => channel.send(head.message, head.key, signal),
): Promise<SendResult> {
  const abort = new AbortController();
  const ms = channel.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = ctx.clock.setTimeout(() => abort.abort(new Error(`no answer within ${ms} ms`)), ms);
  const done = op(abort.signal).catch((e: unknown): SendResult => ({
    ok: false,
    retryable: true,
    error: errorText(abort.signal.reason ?? e),
  }));
  const untrack = track({ abort, done });
  try {
    return await done;
  } finally {
    timer.cancel();
    untrack();
  }
}

/** What delivering one row came to (the worker settles it). */
export interface Delivered {
  result: SendResult;
  /** The incident thread after this delivery (written with its outcome). */
  thread?: OutboxThread;
  /** Held for the incident's digest, not sent (R-NOTIFY-9). */
  held?: boolean;
  /** The incident's resolution carried these held rows; `sent` is what it said. */
  carried?: number[];
  sent?: Message;
}

/**
 * Deliver one row: a message of an incident whose thread is open on a channel that can edit is folded into the
 * incident's message (R-NOTIFY-8, notify/threads.ts); on a channel that digests, a follow-up is held for the
 * incident's digest (R-NOTIFY-9, notify/incident-digest.ts); anything else is sent as a new message.
 */
export async function deliver(scope: WorkerScope, row: OutboxRow, threads: Map<string, OutboxThread>, track: Track): Promise<Delivered> {
  const { ctx, store, channel } = scope;
  const m = row.message;
  const edit = channel.edit?.bind(channel);
  const digests = !edit && (channel.digestEvery ?? 0) > 0;
  if (!m.thread || !(edit || digests)) return { result: await attempt(scope, row, track) };
  const key = m.thread.key;
  const t = threads.get(key) ?? store.thread(channel.name, key);
  const now = ctx.clock.now();
  if (!edit) {
    const d = await deliverHeld(scope, row, t, now, track);
    if (d.thread) threads.set(key, d.thread);
    return d;
  }
  const plan = planThread(m, t, now);
  const result =
    plan.how === 'edit'
      ? await attempt(scope, row, track, (signal) => edit(plan.message, plan.ref, row.key, signal))
      : await attempt(scope, row, track);
  if (!result.ok) return { result };
  const next = nextThread(channel.name, m, plan.how, t, result.ref, now);
  if (!next) return { result };
  threads.set(key, next);
  return { result, thread: next };
}

/** A channel that cannot edit but digests: send, hold, or send the resolution carrying what was held. */
async function deliverHeld(scope: WorkerScope, row: OutboxRow, t: OutboxThread | undefined, now: number, track: Track): Promise<Delivered> {
  const { store, channel } = scope;
  const m = row.message;
  const plan = planHold(row, t, now, channel.digestEvery ?? 0, () => store.held(channel.name, m.thread!.key));
  if (plan.how === 'hold') return { result: { ok: true }, held: true };
  const sent = plan.how === 'resolve' ? resolutionMessage(m, plan.t, plan.held, now) : m;
  const result = await attempt(scope, row, track, (signal) => channel.send(sent, row.key, signal));
  if (!result.ok) return { result };
  // No provider id to edit: the thread remembers the message by its idempotency key.
  const folded = plan.how === 'resolve' ? plan.held.length : m.kind === 'digest' ? Number(m.labels.vigil_digest ?? 1) - 1 : 0;
  const next = withFolded(nextThread(channel.name, m, 'send', t, result.ref ?? row.key, now)!, folded);
  return plan.how === 'resolve' ? { result, thread: next, carried: plan.held.map((r) => r.id), sent } : { result, thread: next };
}
