import type { InboxStore } from './inbox';
import { threadClient, workerScript } from './threads';

/**
 * The fsynced append that gates an HTTP 202 (one inbox row per group commit, store/inbox.ts). With a data
 * dir it runs on the `intake-worker` thread, its own connection to inbox.db (synchronous = FULL, as every
 * intake commit): the main thread posts the batch's JSON text and serves /health, the console and the next
 * requests' bodies while the disk syncs. inbox.db has its own write lock, so the append never waits for a
 * deciding transaction on vigil.db. With an in-memory database it runs inline.
 */
export interface IntakeAppender {
  runsOn: 'worker' | 'inline';
  /** Resolves with the batch's seq once it is committed and synced: only then acknowledge. */
  append(receivedAt: number, via: string, n: number, json: string): Promise<number>;
  /** Waits for appends in flight, then stops the thread. */
  close(): Promise<void>;
}

export function inlineIntake(inbox: InboxStore): IntakeAppender {
  return {
    runsOn: 'inline',
    append: async (at, via, n, json) => inbox.appendText(at, via, n, json),
    close: async () => undefined,
  };
}

const encoder = new TextEncoder();

/** Appends on the `intake-worker` thread (started on first use); `inline` when its script is missing. */
export function offThreadIntake(inboxFile: string, inline: IntakeAppender): IntakeAppender {
  const script = workerScript(__dirname, 'intake-worker.ts', 'intake-worker.js');
  if (!script) return inline;
  let client: ReturnType<typeof threadClient> | null = null;
  const inFlight = new Set<Promise<unknown>>();
  return {
    runsOn: 'worker',
    append(receivedAt, via, n, json) {
      client ??= threadClient(script, { file: inboxFile });
      // UTF-8 bytes, moved rather than copied: posting the (often concatenated) string costs the main thread more.
      const bytes = encoder.encode(json);
      const p = client.ask<number>('append', { receivedAt, via, n, bytes }, [bytes.buffer]);
      inFlight.add(p);
      const done = () => inFlight.delete(p);
      p.then(done, done);
      return p;
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      await client?.close();
      client = null;
    },
  };
}
