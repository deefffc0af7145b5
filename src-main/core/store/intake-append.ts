import type { IntakeKind } from '../ingest';
import type { InboxStore } from './inbox';
import { threadClient, workerScript, type Waiter } from './threads';
import { INTAKE_NICE } from './thread-priority';

/** An HTTP intake request as the main thread hands it to the intake thread: its body's bytes, untouched. */
export interface RawIntake {
  kind: IntakeKind;
  via: string;
  /** When it arrived (the main thread's clock): the events' receivedAt, and "now" for Prometheus's alerts. */
  now: number;
  bytes: Uint8Array;
}
/**
 * The intake thread's answer: committed and synced (`seq`, and `answer`: the response body, `{"accepted":n,"ids":[…]}`
 * as JSON text, made there, so the ids cross as one string and the main thread writes it as it is), refused by the
 * adapter (its message), or not JSON as Fastify reads it (the text back, for the main thread's parser to answer as it
 * always has).
 */
export type RawAnswer = { seq: number; answer: string } | { refused: string } | { unparsed: string };

/** The bodies of one turn of the main thread's event loop as they cross to the intake thread: entry i of each is request i's. */
export interface RawIntakeRun {
  kinds: IntakeKind[];
  vias: string[];
  nows: number[];
  bodies: Uint8Array[];
}
const emptyRun = (): RawIntakeRun & { waiters: Waiter[] } => ({ kinds: [], vias: [], nows: [], bodies: [], waiters: [] });

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
  /** On the intake thread only: read, check and append one HTTP request's body there (router/intake-thread.ts). */
  raw?(req: RawIntake): Promise<RawAnswer>;
  /**
   * Delete inbox rows through `seq`, a seq vigil.db records as `synced` (InboxStore.markSynced): by inbox.db's intake
   * writer, at its normal priority, between its appends. Before, the niced decider thread deleted them and, descheduled
   * on a loaded machine while it held inbox.db's write lock, kept an append (a 202) waiting past its 5 s busy timeout
   * (HTTP 500 "database is locked", R-INBOX-3). Once the thread is closed (or before it started) on this thread.
   */
  prune(seq: number): void;
  /** Waits for appends in flight, then stops the thread. */
  close(): Promise<void>;
}

export function inlineIntake(inbox: InboxStore): IntakeAppender {
  return {
    runsOn: 'inline',
    append: async (at, via, n, json) => inbox.appendText(at, via, n, json),
    prune: (seq) => inbox.prune(seq),
    close: async () => undefined,
  };
}

const encoder = new TextEncoder();

/** Appends on the `intake-worker` thread (started on first use); `inline` when its script is missing. */
export function offThreadIntake(inboxFile: string, inline: IntakeAppender): IntakeAppender {
  const script = workerScript(__dirname, '../router/intake-worker.ts', 'intake-worker.js');
  if (!script) return inline;
  let client: ReturnType<typeof threadClient> | null = null;
  let closing = false;
  const inFlight = new Set<Promise<unknown>>();
  // The bodies that arrived in one turn of the event loop go over in one message (a postMessage each cost more), as
  // one array per field (RawIntakeRun: cloning an object per body cost the main thread ~3 µs more a body, micro).
  let run: RawIntakeRun & { waiters: Waiter[] } = emptyRun();
  let rawInFlight = 0;
  const rawDrained: Array<() => void> = [];
  const rawDone = () => {
    if (--rawInFlight === 0) for (const go of rawDrained.splice(0)) go();
  };
  const post = () => {
    const { waiters, ...fields } = run;
    run = emptyRun();
    client ??= threadClient(script, { file: inboxFile }, INTAKE_NICE);
    client.postRun(
      'intake',
      fields,
      waiters,
      fields.bodies.map((b) => b.buffer as ArrayBuffer),
    );
  };
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };
  return {
    runsOn: 'worker',
    append(receivedAt, via, n, json) {
      client ??= threadClient(script, { file: inboxFile }, INTAKE_NICE);
      // UTF-8 bytes, moved rather than copied: posting the (often concatenated) string costs the main thread more.
      const bytes = encoder.encode(json);
      return track(client.ask<number>('append', { receivedAt, via, n, bytes }, [bytes.buffer]));
    },
    raw({ kind, via, now, bytes }) {
      // Moved, not copied, when the bytes own their buffer; a body in Node's shared pool of small buffers is copied
      // first (moving that buffer would take it from under the other slices of it).
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
      rawInFlight++;
      return new Promise<RawAnswer>((ok, fail) => {
        if (!run.bodies.length) setImmediate(post);
        run.kinds.push(kind);
        run.vias.push(via);
        run.nows.push(now);
        run.bodies.push(own);
        run.waiters.push({ ok: (a) => (rawDone(), ok(a as RawAnswer)), fail: (e) => (rawDone(), fail(e)) });
      });
    },
    prune(seq) {
      if (!client || closing) return inline.prune(seq);
      void track(client.ask('prune', { seq })).catch(() => undefined); // not done: the next settle asks again
    },
    async close() {
      closing = true;
      if (rawInFlight) await new Promise<void>((go) => rawDrained.push(go));
      await Promise.allSettled([...inFlight]);
      if (process.env.VIGIL_CPU_PROFILE_DIR) await client?.ask('profile').catch(() => undefined); // benches
      await client?.close();
      client = null;
    },
  };
}
