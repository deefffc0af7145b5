import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import type { DecidingFailure } from '../context';
import type { Logger } from '../log';
import type { DeciderLink } from '../router';
import { failedAgain } from '../router';
import { startWithYoung, threadEnded, workerScript } from '../store';
import type { DeciderData, FromDecider, Report, ToDecider } from './protocol';

export type { Report } from './protocol';

/**
 * A thread that ended is started again after RESTART_MS, doubled for each start in a row that ended again (a thread
 * that cannot start — its database unreadable — costs a start every RESTART_MAX_MS, not a busy loop), back to
 * RESTART_MS once a thread has run STABLE_MS.
 */
export interface RestartPolicy {
  restartMs: number;
  restartMaxMs: number;
  stableMs: number;
}
const DEFAULT_RESTART: RestartPolicy = { restartMs: 1_000, restartMaxMs: 60_000, stableMs: 60_000 };
/**
 * The decider thread's young generation (MB; V8 splits it into two semi-spaces and a large-object space): a storm's
 * per-event objects (records, traces, statements' rows) die within a deciding transaction, and with the default
 * (~48 MB) its scavenges ran ~2x as often and copied more of them (in-process, 90,000 decisions: 151 scavenges at the
 * default semi-space, 86 at 32 MB). Costs at most ~64 MB more memory while a storm is being decided. It is the knee:
 * `bench router` round 0 copied 77 MB in 28 scavenges at 48, 41-44 MB in 12-13 at 96 and 43 MB in 6 at 192 (what
 * outlives a 32 MB semi-space lives long: docs/architecture.md "Threads"). VIGIL_DECIDER_YOUNG_MB compares.
 */
const DECIDER_YOUNG_MB = Number(process.env.VIGIL_DECIDER_YOUNG_MB ?? 96);
/**
 * Its first semi-space (MB): all of the young generation's from the start (96 = 3 semi-spaces' worth), not V8's 1 MB
 * doubled scavenge by scavenge through round 0 of a storm (store/young-start.ts). VIGIL_DECIDER_SEMI_START_MB=0 compares.
 */
const DECIDER_SEMI_START_MB = Number(process.env.VIGIL_DECIDER_SEMI_START_MB ?? DECIDER_YOUNG_MB / 3);

export interface DeciderThread extends DeciderLink {
  /** A reload was accepted on the main thread: the decider decides with this config from now on. */
  config(next: Config): void;
  /** Drain the inbox (unless deciding fails), close the thread's connection and end it (shutdown). */
  stop(): Promise<void>;
  /** Threads started after one ended (the restarts so far). */
  restarts(): number;
  /** Tests: end the thread as a crash would (it is started again, as after any crash). */
  crash(): Promise<void>;
}

/**
 * The main thread's side of the decider worker (docs/architecture.md "Threads"): intake batches are
 * handed over by seq, silence and config changes follow in order, and each report after a commit comes
 * back through `onReport`. A thread that dies is started again; it replays whatever is still in the inbox
 * (decided batches left it in the transaction that decided them), so nothing is lost or decided twice.
 * While it fails to decide, or is down, `failing()` says since when and why (the status page, /metrics).
 */
export function deciderThread(
  data: DeciderData,
  log: Logger,
  on: {
    report(r: Report): void;
    /** A thread started after one ended has replayed the inbox. */
    restarted?(): void;
  },
  policy: RestartPolicy = DEFAULT_RESTART,
): DeciderThread | null {
  const script = workerScript(__dirname, 'worker.ts', 'decider-worker.js');
  if (!script) return null;
  let worker: Worker;
  let next = 0;
  let stopping = false;
  let config = data.config;
  const waiting = new Map<number, { type: 'drain' | 'stop'; done(): void }>();
  /** What the running thread reported: its deciding fails. */
  let failure: DecidingFailure | null = null;
  /** Why no thread is deciding: the last one ended (cleared when its successor has replayed the inbox). */
  let down: DecidingFailure | null = null;
  let startedAt = 0;
  let inARow = 0;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  let crashError: string | null = null;
  /**
   * The thread ended and its successor is not started yet: a message posted now is lost, so drain and stop wait for
   * the restart (which asks them again). Not the same as `down`, which lasts until the successor has replayed: a
   * starting thread gets its messages once it runs, so they are posted to it at once.
   */
  let exited = false;

  const post = (m: ToDecider) => worker.postMessage(m);
  const start = () => {
    startedAt = Date.now();
    exited = false;
    crashError = null;
    failure = null;
    const w = startWithYoung(
      DECIDER_SEMI_START_MB,
      () =>
        new Worker(script.source, {
          eval: script.eval,
          workerData: { ...data, config } satisfies DeciderData,
          resourceLimits: { maxYoungGenerationSizeMb: DECIDER_YOUNG_MB },
        }),
    );
    worker = w;
    w.on('message', (m: FromDecider) => {
      if (m.type === 'report') return on.report(m.report);
      if (m.type === 'ready') {
        if (down) on.restarted?.();
        down = null; // up again (a failure its replay met was posted before this, and stands)
        return;
      }
      if (m.type === 'failing') {
        failure = m.failure;
        if (m.failure) log.error({ error: m.failure.error, attempts: m.failure.attempts }, 'decider: deciding failed');
        else log.info('decider: deciding works again');
        return;
      }
      waiting.get(m.id)?.done();
      waiting.delete(m.id);
    });
    w.on('error', (err) => {
      crashError = err.message;
      log.error({ err }, 'decider thread crashed');
    });
    w.on('exit', (code) => {
      if (w !== worker) return;
      exited = true;
      if (data.writeGate) threadEnded(data.writeGate, 'yield'); // a count it left up, ended mid-transaction
      if (stopping) return answerAll(); // nothing left to answer: the thread is gone
      if (Date.now() - startedAt >= policy.stableMs) inARow = 0;
      const delay = Math.min(policy.restartMaxMs, policy.restartMs * 2 ** inARow++);
      const why = crashError ? `it crashed: ${crashError}` : `exit code ${code}`;
      const again = `starting it again in ${Math.round(delay / 100) / 10} s`;
      down = { ...failedAgain(down, `the decider thread ended (${why}); ${again}`, Date.now()), attempts: inARow };
      log.error({ code, delay }, 'decider thread ended; starting it again');
      restartTimer = setTimeout(() => {
        restartTimer = null;
        restarts++;
        start();
        for (const [id, x] of waiting) post({ type: x.type, id }); // asked of the dead thread: ask the new one
      }, delay);
      restartTimer.unref();
    });
  };
  const answerAll = () => {
    for (const x of waiting.values()) x.done();
    waiting.clear();
  };
  start();
  const ask = (type: 'drain' | 'stop') =>
    new Promise<void>((done) => {
      const id = ++next;
      waiting.set(id, { type, done });
      // Before, `if (!down)`: a drain asked while the restarted thread was still starting was never posted (the
      // restart had asked the ones waiting already) and waited for ever.
      if (!exited) post({ type, id });
    });
  return {
    kick: (seq) => post({ type: 'kick', seq }),
    silences: () => post({ type: 'silences' }),
    config(c) {
      config = c;
      post({ type: 'config', config: c });
    },
    drain: () => ask('drain'),
    failing: () => down ?? failure,
    restarts: () => restarts,
    async crash() {
      await worker.terminate();
    },
    async stop() {
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      // Ended and not started again: nothing to stop. A restarted thread still starting (down until it has replayed) is
      // asked to stop like a running one: before, stop returned at once and left it running on a closing database.
      if (exited) {
        stopping = true;
        return answerAll();
      }
      const asked = ask('stop');
      stopping = true;
      await asked;
      await worker.terminate();
    },
  };
}
