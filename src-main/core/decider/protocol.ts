import type { Collection } from '../../../src-shared/api/topics';
import type { Config } from '../config';
import type { DecidedMetrics, DecidingFailure, FollowUpJob, ToMain } from '../context';

/** The decider thread's name among the process's threads (Linux: `ps -L`, `top -H`; `bench router` reads its CPU time). */
export const DECIDER_THREAD_NAME = 'vigil-decider';

/** What the decider thread is built from (workerData). */
export interface DeciderData {
  config: Config;
  dataDir: string;
  configSource?: string;
  desktopShownByConsole?: boolean;
  /**
   * The main thread's write gate cell (store/write-gate.ts) for vigil.db's write lock: before each transaction this
   * thread yields (bounded) to writes the main thread (or the sender thread) announced, and ends a long deciding
   * transaction early when one is announced. The intake thread writes only inbox.db and takes no part.
   */
  writeGate?: SharedArrayBuffer;
}

/** Main → decider. Posted in order: a change posted before a kick is in force when that kick's batches are decided. */
export type ToDecider =
  | { type: 'kick'; seq: number }
  | { type: 'silences' }
  | { type: 'config'; config: Config }
  | { type: 'drain'; id: number }
  | { type: 'stop'; id: number };

/**
 * Decider → main: `ready` once its start-up replay is done; one report after each commit (or noise flush);
 * `failing` when deciding fails or works again; answers to drain/stop.
 */
export type FromDecider =
  | { type: 'ready' }
  | { type: 'report'; report: Report }
  | { type: 'failing'; failure: DecidingFailure | null }
  | { type: 'drained'; id: number }
  | { type: 'stopped'; id: number };

export interface Report {
  seqs: number[];
  metrics: DecidedMetrics[];
  channels: string[];
  escalate: boolean;
  propose: string[];
  followUps: FollowUpJob[];
  changed: Collection[];
  counted: Array<{ metric: string; labels: Record<string, string>; n: number }>;
  /** Inbox rows through this seq may be deleted (vigil.db's `synced`; 0: unchanged). */
  synced: number;
}

/**
 * The decider side of ToMain: calls are gathered and posted as one report once the synchronous work is done;
 * a failure (or the recovery from one) is posted at once, after the report of what committed before it.
 */
export function reportingToMain(post: (m: FromDecider) => void): ToMain & { changed(what: Collection[]): void; flush(): void } {
  let r: Report | null = null;
  const open = (): Report => {
    if (!r) {
      r = { seqs: [], metrics: [], channels: [], escalate: false, propose: [], followUps: [], changed: [], counted: [], synced: 0 };
      queueMicrotask(flush); // after the transaction that produced it has committed (it is synchronous)
    }
    return r;
  };
  const flush = () => {
    if (!r) return;
    const done = r;
    r = null;
    post({ type: 'report', report: done });
  };
  return {
    kickChannel: (ch) => void (open().channels.includes(ch) || open().channels.push(ch)),
    kickEscalator: () => void (open().escalate = true),
    propose: (id) => void open().propose.push(id),
    followUp: (job) => void open().followUps.push(job),
    decided: (seqs, m) => {
      const o = open();
      o.seqs.push(...seqs);
      o.metrics.push(m);
    },
    count: (metric, labels, n) => void open().counted.push({ metric, labels, n }),
    synced: (seq) => void (open().synced = seq),
    failing: (failure) => {
      flush();
      post({ type: 'failing', failure });
    },
    changed: (what) => {
      const o = open();
      for (const w of what) if (!o.changed.includes(w)) o.changed.push(w);
    },
    flush,
  };
}
