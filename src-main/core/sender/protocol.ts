import type { TopicName } from '../../../src-shared/api/topics';
import type { Channel } from '../channels';
import type { Config } from '../config';
import type { WorkerHealth } from '../notify';

/** The sender thread's name (Linux: /proc/<pid>/task/<tid>/comm), for `top -H` and `bench router`'s per-thread times. */
export const SENDER_THREAD_NAME = 'vigil-sender';

/**
 * Channels the main thread sends itself: a desktop notice is shown by the shell (Electron's Notification, or a
 * console connected to `vigil serve` that reports it shown), and its pause is the main thread's state.
 */
const SENT_ON_MAIN: ReadonlySet<string> = new Set(['desktop']);
export const sentByThread = (c: Pick<Channel, 'type'>): boolean => !SENT_ON_MAIN.has(c.type);

/** What the sender thread is built from (workerData). */
export interface SenderData {
  config: Config;
  dataDir: string;
  /** The values of the secrets the channels name (the main thread's store may be the desktop keychain). */
  secrets: Record<string, string>;
  /** The main thread's write gate cells: this thread's transactions go in as 'bulk' ones (store/write-gate.ts). */
  writeGate: SharedArrayBuffer;
  /** A thread started again after one ended: rows it left `sending` go back to pending (sent again, same keys). */
  restarted: boolean;
  /** Send at once (a thread started again); otherwise when told `start`, once the main thread's outbox has started. */
  start: boolean;
}

/** Main → sender, in order. */
export type ToSender =
  | { type: 'start' }
  | { type: 'kick'; channel: string }
  | { type: 'config'; config: Config; secrets: Record<string, string> }
  | { type: 'secrets'; secrets: Record<string, string> }
  | { type: 'stop' };

/**
 * Sender → main: what the main thread does for it — bus publishes (console updates, an on-call page's desktop
 * notice), counters and the backlog gauge for /metrics, the channels' health for the status tile, failures and
 * recoveries that become `vigil` events — and the answer to stop.
 */
export type FromSender =
  | { type: 'publish'; topic: TopicName; payload: unknown }
  | { type: 'count'; metric: string; labels: Record<string, string>; n: number }
  | { type: 'pending'; channel: string; n: number }
  | { type: 'health'; health: Record<string, WorkerHealth> }
  | { type: 'failure'; what: string; error: string }
  | { type: 'recovery'; what: string }
  | { type: 'stopped' };
