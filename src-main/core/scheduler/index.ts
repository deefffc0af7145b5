import { Cron } from 'croner';
import type { Clock, TimerHandle } from '../clock';
import type { Logger } from '../log';

/**
 * Scheduled jobs on the injected clock, so tests drive them with FakeClock.
 * croner only computes the next fire time (nextRun); the clock arms the
 * timer. A job that throws is handed to onError (the router turns it into
 * a `vigil` event: no failure path is silent, R-ROUTE-1). A job still
 * running when it falls due again is skipped, not stacked.
 */
export interface Job {
  readonly name: string;
  /** Next planned run (epoch ms), null when stopped. */
  nextAt(): number | null;
  cancel(): void;
}

export interface SchedulerOptions {
  clock: Clock;
  log?: Pick<Logger, 'warn' | 'error'>;
  onError(job: string, err: unknown): void;
}

export interface Scheduler {
  /** Run fn every `ms` (first run after `ms`, or at once with runNow). */
  every(name: string, ms: number, fn: () => unknown, opts?: { runNow?: boolean }): Job;
  /** Run fn on a cron pattern ("10 9 * * *") in a time zone (default: the machine's). */
  cron(name: string, pattern: string, opts: { timeZone?: string }, fn: () => unknown): Job;
  /** Run a job body once now, with the same error handling (for on-demand triggers). */
  runOnce(name: string, fn: () => unknown): Promise<void>;
  /** The machine is going to sleep: no timer fires until wake(). */
  pause(): void;
  /**
   * It woke: each job that fell due while paused runs once now (not once per missed tick) and is planned
   * again from now. Returns those jobs and how late each ran.
   */
  wake(): Array<{ job: string; lateMs: number }>;
  stop(): void;
}

/**
 * Long waits are re-checked at least this often: a laptop that slept or a
 * wall clock that jumped still fires at the right wall time.
 */
const MAX_WAIT_MS = 60_000;

/** A job as the scheduler holds it: its next due time, how to plan the one after, and its timer. */
interface Planned extends Job {
  due: number | null;
  /** The first due time after `from`. */
  after(from: number): number | null;
  fn: () => unknown;
  timer: TimerHandle | null;
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { clock } = opts;
  const jobs = new Set<Planned>();
  const running = new Set<string>();
  let paused = false;

  function report(name: string, err: unknown): void {
    try {
      opts.onError(name, err);
    } catch (reportErr) {
      opts.log?.error({ job: name, err, reportErr }, 'scheduled job failed and the failure could not be reported');
    }
  }

  /** Synchronous jobs finish inside the call; only a pending promise marks a job as running. */
  function invoke(name: string, fn: () => unknown): Promise<void> {
    if (running.has(name)) {
      opts.log?.warn({ job: name }, 'scheduled job still running; this run is skipped');
      return Promise.resolve();
    }
    let out: unknown;
    try {
      out = fn();
    } catch (err) {
      report(name, err);
      return Promise.resolve();
    }
    if (!(out instanceof Promise)) return Promise.resolve();
    running.add(name);
    return out.then(
      () => void running.delete(name),
      (err: unknown) => {
        running.delete(name);
        report(name, err);
      },
    );
  }

  /** Wait for the job's due time (in steps of at most MAX_WAIT_MS), run it, plan the next. */
  function arm(j: Planned): void {
    j.timer?.cancel();
    j.timer = null;
    if (paused || j.due === null || !jobs.has(j)) return;
    const wait = Math.min(Math.max(0, j.due - clock.now()), MAX_WAIT_MS);
    j.timer = clock.setTimeout(() => {
      j.timer = null;
      if (j.due === null) return;
      if (clock.now() < j.due) return arm(j);
      j.due = j.after(j.due);
      // A due time already past (the process was busy) is skipped to the next one ahead: one run, not a burst.
      while (j.due !== null && j.due <= clock.now()) j.due = j.after(j.due);
      arm(j);
      void invoke(j.name, j.fn);
    }, wait);
  }

  function plan(name: string, first: number | null, after: (from: number) => number | null, fn: () => unknown, stop?: () => void): Job {
    const job: Planned = {
      name,
      due: first,
      after,
      fn,
      timer: null,
      nextAt: () => (jobs.has(job) ? job.due : null),
      cancel: () => {
        job.timer?.cancel();
        job.timer = null;
        job.due = null;
        stop?.();
        jobs.delete(job);
      },
    };
    jobs.add(job);
    arm(job);
    return job;
  }

  return {
    every(name, ms, fn, { runNow = false } = {}) {
      const step = Math.max(1, ms);
      const job = plan(name, clock.now() + step, (from) => from + step, fn);
      if (runNow) void invoke(name, fn);
      return job;
    },

    cron(name, pattern, { timeZone }, fn) {
      // Without a callback croner starts no timer of its own: it is only the calculator.
      const calc = new Cron(pattern, { timezone: timeZone });
      const after = (from: number) => calc.nextRun(new Date(from))?.getTime() ?? null;
      return plan(name, after(clock.now()), after, fn, () => calc.stop());
    },

    runOnce: (name, fn) => invoke(name, fn),

    pause() {
      paused = true;
      for (const j of jobs) {
        j.timer?.cancel();
        j.timer = null;
      }
    },

    wake() {
      if (!paused) return [];
      paused = false;
      const now = clock.now();
      const late: Array<{ job: string; lateMs: number }> = [];
      for (const j of [...jobs]) {
        if (j.due !== null && j.due <= now) {
          late.push({ job: j.name, lateMs: now - j.due });
          j.due = j.after(now);
          void invoke(j.name, j.fn);
        }
        arm(j);
      }
      return late;
    },

    stop() {
      for (const j of [...jobs]) j.cancel();
    },
  };
}

/** "09:10" → the cron pattern "10 9 * * *". */
export function dailyAt(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  return `${m} ${h} * * *`;
}
