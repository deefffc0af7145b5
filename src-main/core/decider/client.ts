import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { DeciderLink } from '../router';
import { workerScript } from '../store';
import type { DeciderData, FromDecider, Report, ToDecider } from './protocol';

export type { Report } from './protocol';

/** How long a crashed decider thread waits before it is started again (it replays the inbox). */
const RESTART_MS = 1_000;

export interface DeciderThread extends DeciderLink {
  /** A reload was accepted on the main thread: the decider decides with this config from now on. */
  config(next: Config): void;
  /** Drain the inbox, close the thread's connection and end it (shutdown). */
  stop(): Promise<void>;
}

/**
 * The main thread's side of the decider worker (docs/architecture.md "Threads"): intake batches are
 * handed over by seq, silence and config changes follow in order, and each report after a commit comes
 * back through `onReport`. A thread that dies is started again; it replays whatever is still in the inbox
 * (decided batches left it in the transaction that decided them), so nothing is lost or decided twice.
 */
export function deciderThread(data: DeciderData, log: Logger, onReport: (r: Report) => void): DeciderThread | null {
  const script = workerScript(__dirname, 'worker.ts', 'decider-worker.js');
  if (!script) return null;
  let worker: Worker;
  let next = 0;
  let stopping = false;
  let config = data.config;
  const waiting = new Map<number, { type: 'drain' | 'stop'; done(): void }>();

  const post = (m: ToDecider) => worker.postMessage(m);
  const start = () => {
    worker = new Worker(script.source, { eval: script.eval, workerData: { ...data, config } satisfies DeciderData });
    worker.on('message', (m: FromDecider) => {
      if (m.type === 'report') onReport(m.report);
      else if (m.type === 'failed') log.error({ err: m.error }, 'decider thread failed');
      else {
        waiting.get(m.id)?.done();
        waiting.delete(m.id);
      }
    });
    worker.on('error', (err) => log.error({ err }, 'decider thread crashed'));
    worker.on('exit', (code) => {
      if (stopping) return;
      log.error({ code }, `decider thread exited; starting it again in ${RESTART_MS} ms`);
      setTimeout(() => {
        start();
        for (const [id, w] of waiting) post({ type: w.type, id }); // asked of the dead thread: ask the new one
      }, RESTART_MS).unref();
    });
  };
  start();
  const ask = (type: 'drain' | 'stop') =>
    new Promise<void>((done) => {
      const id = ++next;
      waiting.set(id, { type, done });
      post({ type, id });
    });
  return {
    kick: (seq) => post({ type: 'kick', seq }),
    silences: () => post({ type: 'silences' }),
    config(c) {
      config = c;
      post({ type: 'config', config: c });
    },
    drain: () => ask('drain'),
    async stop() {
      await ask('stop');
      stopping = true;
      await worker.terminate();
    },
  };
}
