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
  stop(): void;
}

/**
 * Long waits are re-checked at least this often: a laptop that slept or a
 * wall clock that jumped still fires at the right wall time.
 */
const MAX_WAIT_MS = 60_000;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { clock } = opts;
  const jobs = new Set<Job>();
  const running = new Set<string>();

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

  const track = (job: Job): Job => {
    jobs.add(job);
    return job;
  };

  return {
    every(name, ms, fn, { runNow = false } = {}) {
      let timer: TimerHandle | null = clock.setInterval(() => void invoke(name, fn), ms);
      let next = clock.now() + ms;
      if (runNow) void invoke(name, fn);
      const job: Job = {
        name,
        nextAt: () => {
          if (!timer) return null;
          while (next <= clock.now()) next += ms;
          return next;
        },
        cancel: () => {
          timer?.cancel();
          timer = null;
          jobs.delete(job);
        },
      };
      return track(job);
    },

    cron(name, pattern, { timeZone }, fn) {
      // Without a callback croner starts no timer of its own: it is only the calculator.
      const calc = new Cron(pattern, { timezone: timeZone });
      let target: number | null = null;
      let timer: TimerHandle | null = null;
      let stopped = false;
      const plan = (from: number) => {
        target = calc.nextRun(new Date(from))?.getTime() ?? null;
        arm();
      };
      const arm = () => {
        if (stopped || target === null) return;
        const wait = Math.min(Math.max(0, target - clock.now()), MAX_WAIT_MS);
        timer = clock.setTimeout(() => {
          if (target === null) return;
          if (clock.now() < target) return arm();
          const due = target;
          plan(due);
          void invoke(name, fn);
        }, wait);
      };
      plan(clock.now());
      const job: Job = {
        name,
        nextAt: () => (stopped ? null : target),
        cancel: () => {
          stopped = true;
          timer?.cancel();
          calc.stop();
          jobs.delete(job);
        },
      };
      return track(job);
    },

    runOnce: (name, fn) => invoke(name, fn),

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
