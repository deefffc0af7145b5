import type { CoreContext } from '../context';
import type { FailureRun } from './failure';
import type { InboxPass } from './inbox';

/** Quiet time after the last HTTP intake before its batches are decided (ms). */
const IDLE = 10;
/** Longest an acknowledged HTTP batch waits while intake stays busy (ms), and the most events left waiting. */
const MAX_WAIT = 1_000;
const MAX_BACKLOG = 50_000;

export type Schedule = ReturnType<typeof createSchedule>;

/** When the inbox pass runs: at once, once intake pauses, between other work, or again after a failure. */
export function createSchedule(ctx: CoreContext, pass: InboxPass, failure: FailureRun) {
  let running = false;
  let retry: { cancel(): void } | null = null;
  let later: { cancel(): void } | null = null;
  let lastAccept = 0;
  let urgent = false;
  let waiters: Array<() => void> = [];

  async function loop(): Promise<void> {
    try {
      while (pass.hasWork()) {
        if (intakeBusy()) return; // intake came back: let it have the thread (finally reschedules)
        pass.processBatch();
        await new Promise((r) => setImmediate(r)); // let intake and /health in between batches
      }
    } catch (e) {
      // The batch rolled back and is still in the inbox (and the queue): retry later, loudly.
      ctx.log.error({ err: e }, 'router batch failed; retrying in 5 s');
      failure.failed(e);
      retry = ctx.clock.setTimeout(() => ((retry = null), kick()), 5_000);
    } finally {
      running = false;
      if (!pass.hasWork()) {
        urgent = false;
        for (const w of waiters.splice(0)) w();
      } else if (!retry) soon();
    }
  }

  function kick(): void {
    if (running || retry || !pass.hasWork()) return;
    later?.cancel();
    later = null;
    running = true;
    setImmediate(() => void loop());
  }

  /**
   * A burst of HTTP intake keeps the thread: acknowledged batches are
   * decided once intake pauses for IDLE ms, or at once when the oldest has
   * waited MAX_WAIT ms or the backlog reaches MAX_BACKLOG events (so a storm
   * delays a notification by at most ~MAX_WAIT and memory stays bounded).
   * drain() ends the wait; in-process intake queued behind such a batch waits with it.
   */
  function intakeBusy(): boolean {
    if (urgent || !pass.waiting.size) return false;
    const now = ctx.clock.now();
    const oldest = pass.oldestKnown() ?? now;
    return now - lastAccept < IDLE && now - oldest < MAX_WAIT && pass.waiting.size < MAX_BACKLOG;
  }

  function soon(): void {
    if (running || retry || later) return;
    if (!intakeBusy()) return kick();
    later = ctx.clock.setTimeout(() => ((later = null), soon()), IDLE);
  }

  return {
    kick,
    soon,
    /** Nothing running, waiting to retry or waiting in the inbox. */
    idle: (): boolean => !running && !retry && !pass.hasWork(),
    /** HTTP intake was accepted now (intakeBusy). */
    accepted(): void {
      lastAccept = ctx.clock.now();
    },
    decideNow(): void {
      try {
        pass.processBatch();
      } catch (e) {
        ctx.log.error({ err: e }, 'deciding at intake failed; the batch stays in the inbox and is retried');
        failure.failed(e);
        kick(); // once at once (a transient failure), then every 5 s (loop)
      }
    },
    /** Resolves when the inbox queue is empty. */
    drain(): Promise<void> {
      if (!pass.hasWork() && !running) return Promise.resolve();
      urgent = true; // no more waiting for intake to pause
      kick();
      return new Promise((r) => waiters.push(r));
    },
    stop(): void {
      retry?.cancel();
      later?.cancel();
      waiters = [];
    },
  };
}
