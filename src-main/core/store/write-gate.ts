/**
 * Fair turns at SQLite's one write lock of vigil.db between threads. SQLite's busy handler is not fair: a
 * connection waiting for the lock sleeps 1, 2, 5 … 100 ms between tries, and a thread that commits transactions
 * back to back (the router deciding a backlog in 20 ms slices) takes it again in the gap every time, so the waiter
 * failed with SQLITE_BUSY after its 5 s timeout (seen in `bench health`: an HTTP intake append answered 500
 * mid-storm, when the intake thread still appended to vigil.db; since inbox.db it appends to its own file and
 * does not take part). Here the polite writer announces that it wants the lock and tries every 0.25 ms; every
 * transaction begun on a connection that shares the gate first waits, bounded, until no announced write is left.
 * The cell lives in a SharedArrayBuffer handed to each writing thread.
 *
 * Only the connection that commits back to back (the one deciding intake) yields. With the decider on its own
 * thread the main thread must never sleep behind it: its transactions announce themselves instead (`mode:
 * 'announce'`), so the decider steps aside before its next transaction, and wait for the lock in 0.25 ms steps
 * rather than in SQLite's busy handler, which sleeps up to 100 ms between tries and, against a thread that takes
 * the lock again at once, starved a main-thread write until its 5 s timeout (R-SCALE-12).
 */
export interface WriteGate {
  sab: SharedArrayBuffer;
  /** 'yield' (the default): this connection decides and lets announced writes go first; 'announce': it goes first itself. */
  mode: 'yield' | 'announce';
  /** One transaction on `db` (`run` begins and commits it) by this connection's turn; nested in one, it just runs. */
  transaction<T>(db: BusyTimeoutDb, run: () => T): T;
  /**
   * The same, but an 'announce' connection waits for the lock between turns of its event loop (a try every ~1 ms)
   * instead of napping on the thread: the main thread answers /health while the decider, descheduled on a
   * saturated machine at its lower priority, finishes the transaction it holds (R-SCALE-18). Committed at once
   * (no promise) when the lock is free or the connection yields.
   */
  transactionSoon<T>(db: BusyTimeoutDb, run: () => T): T | Promise<T>;
  /** Before BEGIN (not nested): let announced writes go first; waits at most `maxMs`. */
  yieldTo(maxMs?: number): void;
  /** Another connection has announced a write and waits for the lock: a long transaction in progress should commit soon. */
  announced(): boolean;
  /** The polite side: run `write` (one statement or transaction), retrying SQLITE_BUSY every 0.25 ms for up to `timeoutMs`. */
  announce<T>(write: () => T, timeoutMs?: number): T;
}

export function writeGate(sab: SharedArrayBuffer = new SharedArrayBuffer(4)): WriteGate {
  const cell = new Int32Array(sab);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const gate: WriteGate = {
    sab,
    mode: 'yield',
    transaction(db, run) {
      if (db.inTransaction) return run();
      if (gate.mode === 'yield') {
        gate.yieldTo();
        return run();
      }
      return gate.announce(() => withoutBusyHandler(db, run));
    },
    transactionSoon(db, run) {
      if (db.inTransaction || gate.mode === 'yield') return gate.transaction(db, run);
      try {
        return withoutBusyHandler(db, run); // the lock is free: at once, as transaction() would
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
      return waitForLock(cell, () => withoutBusyHandler(db, run));
    },
    announced: () => Atomics.load(cell, 0) > 0,
    yieldTo(maxMs = 500) {
      if (Atomics.load(cell, 0) === 0) return;
      const end = Date.now() + maxMs;
      for (let v = Atomics.load(cell, 0); v > 0 && Date.now() < end; v = Atomics.load(cell, 0)) Atomics.wait(cell, 0, v, 5);
    },
    announce(write, timeoutMs = 5_000) {
      Atomics.add(cell, 0, 1);
      try {
        const end = Date.now() + timeoutMs;
        for (;;) {
          try {
            return write();
          } catch (e) {
            if (!isBusy(e) || Date.now() > end) throw e;
            Atomics.wait(nap, 0, 0, 0.25);
          }
        }
      } finally {
        Atomics.sub(cell, 0, 1);
        Atomics.notify(cell, 0);
      }
    },
  };
  return gate;
}

/** Announced until it commits: retry `write` on SQLITE_BUSY every ~1 ms, letting the event loop run in between. */
async function waitForLock<T>(cell: Int32Array, write: () => T, timeoutMs = 5_000): Promise<T> {
  Atomics.add(cell, 0, 1); // the decider steps aside before its next transaction
  try {
    const end = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1));
      try {
        return write();
      } catch (e) {
        if (!isBusy(e) || Date.now() > end) throw e;
      }
    }
  } finally {
    Atomics.sub(cell, 0, 1);
    Atomics.notify(cell, 0);
  }
}

const isBusy = (e: unknown): boolean => String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY');

/** What the gate needs of a better-sqlite3 connection. */
export interface BusyTimeoutDb {
  readonly inTransaction: boolean;
  pragma(source: string, options?: { simple: boolean }): unknown;
}

/** Run with SQLite's busy handler off, so SQLITE_BUSY reaches `announce` at once; the connection's timeout is restored after. */
function withoutBusyHandler<T>(db: BusyTimeoutDb, run: () => T): T {
  const before = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma('busy_timeout = 0');
  try {
    return run();
  } finally {
    db.pragma(`busy_timeout = ${before}`);
  }
}
