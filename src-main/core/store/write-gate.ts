/**
 * Fair turns at SQLite's one write lock of vigil.db between threads. SQLite's busy handler is not fair: a
 * connection waiting for the lock sleeps 1, 2, 5 … 100 ms between tries, and a thread that commits transactions
 * back to back (the router deciding a backlog in 20 ms slices) takes it again in the gap every time, so the waiter
 * failed with SQLITE_BUSY after its 5 s timeout (seen in `bench health`: an HTTP intake append answered 500
 * mid-storm, when the intake thread still appended to vigil.db; since inbox.db it appends to its own file and
 * does not take part). Here the polite writer announces that it wants the lock and tries again whenever a
 * transaction through the gate ends (it sleeps until one does, rather than polling); every transaction begun on a
 * connection that shares the gate first waits, bounded, until no announced write is left. The cells live in a
 * SharedArrayBuffer handed to each writing thread.
 *
 * Only the connection that commits back to back (the one deciding intake) yields. With the decider on its own
 * thread the main thread must never sleep behind it: its transactions announce themselves instead (`mode:
 * 'announce'`), so the decider steps aside before its next transaction, and wait for the lock at the gate
 * rather than in SQLite's busy handler, which sleeps up to 100 ms between tries and, against a thread that takes
 * the lock again at once, starved a main-thread write until its 5 s timeout (R-SCALE-12). The sender thread's
 * claims and settles (`mode: 'bulk'`) are announced to the decider too, but let the main thread's go first, and
 * never fail for waiting (R-SCALE-17).
 */
export interface WriteGate {
  sab: SharedArrayBuffer;
  /**
   * 'yield' (the default): this connection decides and lets announced writes go first; 'announce': it goes first
   * itself (the main thread); 'bulk': it lets the main thread's writes go first, and the decider lets it in (the
   * sender thread's claims and settles).
   */
  mode: 'yield' | 'announce' | 'bulk';
  /** One transaction on `db` (`run` begins and commits it) by this connection's turn; nested in one, it just runs. */
  transaction<T>(db: BusyTimeoutDb, run: () => T): T;
  /**
   * The same, but an 'announce' connection waits for the lock between turns of its event loop (a try at each
   * release of the lock through the gate, at least every ASYNC_RETRY_MS) instead of napping on the thread: the main
   * thread answers /health while the decider, descheduled on a saturated machine at its lower priority, finishes
   * the transaction it holds (R-SCALE-18). Committed at once (no promise) when the lock is free or the connection
   * yields; a 'bulk' connection (the sender thread, which serves nothing) waits on its thread as in transaction().
   */
  transactionSoon<T>(db: BusyTimeoutDb, run: () => T, opts?: SoonOptions): T | Promise<T>;
  /** Before BEGIN (not nested): let announced writes go first; waits at most `maxMs`. */
  yieldTo(maxMs?: number): void;
  /** Another connection has announced a write and waits for the lock: a long transaction in progress should commit soon. */
  announced(): boolean;
  /**
   * The announced write holds its thread while it waits: a main-thread `transaction()` (an acknowledgement, a silence).
   * The others wait without holding anything (`transactionSoon` between turns of the main thread's event loop, the
   * sender thread's bulk writes), so the decider ends its transaction for them only once it holds enough events
   * (router/inbox.ts, R-SCALE-24).
   */
  urgent(): boolean;
}

/** `patient`: never give up for waiting (a settle records sends already made; failing it sends them again). */
export interface SoonOptions {
  patient?: boolean;
}

/** How long a bulk write tries at the gate before it waits in SQLite's busy handler instead, again and again. */
const BULK_WAIT_MS = 5_000;
/**
 * A waiter not woken by a release tries again after this long (a writer outside the gate, such as retention's
 * thread, holds the lock): the main thread soon, the sender later (each wake of a thread that runs 10 nice steps
 * down on a loaded machine is a wait for a CPU).
 */
const RETRY_MS = 2;
const BULK_RETRY_MS = 20;
/** The same for transactionSoon, which waits between turns of the event loop (the outbox's claims and settles). */
const ASYNC_RETRY_MS = 20;
/**
 * While another thread's transaction through the gate is in progress a waiting transactionSoon does not try (the lock
 * is taken: each try was three pragmas and a thrown SqliteError), but it tries at least this often: a count left up
 * by a thread that ended mid-transaction, or a transaction that holds no write lock, delays it by no more.
 */
const TRY_ANYWAY_MS = 250;

export function writeGate(sab: SharedArrayBuffer = new SharedArrayBuffer(24)): WriteGate {
  // [0]: the main thread's announced writes that hold the thread, waiting or in progress; [1]: bulk ones (the sender
  // thread); [2]: releases of the lock by a transaction through the gate, so a waiter sleeps until one instead of
  // polling; [3]: the main thread's writes waiting between turns of its event loop (transactionSoon); [4] and [5]:
  // transactions through the gate in progress on the deciding ('yield') and the sending ('bulk') thread (R-SCALE-34),
  // a cell each so that one left up by a thread that ended mid-transaction can be cleared (`threadEnded`).
  const cell = new Int32Array(sab);
  const mainAnnounced = () => Atomics.load(cell, 0) + Atomics.load(cell, 3);
  /** Run one transaction counted in its mode's cell (a smaller buffer from an older caller: not counted). */
  const counted = <T>(run: () => T): T => {
    const i = IN_PROGRESS[gate.mode];
    if (i === undefined || cell.length <= i) return run();
    Atomics.add(cell, i, 1);
    try {
      return run();
    } finally {
      Atomics.sub(cell, i, 1);
    }
  };
  /** Another thread's transaction through the gate is in progress (this thread's own is never, when it asks). */
  const held = () => (cell.length > 4 && Atomics.load(cell, 4) > 0) || (cell.length > 5 && Atomics.load(cell, 5) > 0);
  const gate: WriteGate = {
    sab,
    mode: 'yield',
    transaction(db, run) {
      if (db.inTransaction) return run();
      try {
        if (gate.mode === 'yield') {
          gate.yieldTo();
          return counted(run);
        }
        return withoutBusyHandler(db, () => (gate.mode === 'announce' ? announce(() => counted(run)) : bulk(db, () => counted(run))));
      } finally {
        released();
      }
    },
    transactionSoon(db, run, opts) {
      if (db.inTransaction || gate.mode !== 'announce') return gate.transaction(db, run);
      const seen = Atomics.load(cell, 2);
      // Another thread is mid-transaction: wait for its release without a try that would fail.
      if (held()) return waitForLock(db, run, seen, opts?.patient ? Infinity : 5_000, Date.now());
      try {
        return tryOnce(db, run); // the lock is free: at once, as transaction() would
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
      return waitForLock(db, run, seen + 1, opts?.patient ? Infinity : 5_000, Date.now()); // + 1: this try's own release
    },
    announced: () => mainAnnounced() > 0 || Atomics.load(cell, 1) > 0,
    urgent: () => Atomics.load(cell, 0) > 0,
    yieldTo(maxMs = 500) {
      if (!gate.announced()) return;
      const end = Date.now() + maxMs;
      while (gate.announced() && Date.now() < end) {
        const i = Atomics.load(cell, 0) > 0 ? 0 : Atomics.load(cell, 3) > 0 ? 3 : 1;
        const v = Atomics.load(cell, i);
        if (v > 0) Atomics.wait(cell, i, v, 5);
      }
    },
  };

  /** A transaction through the gate ended (committed, rolled back or never began): waiters try again now. */
  function released(): void {
    Atomics.add(cell, 2, 1);
    Atomics.notify(cell, 2);
  }

  /** Try `write` until it gets the lock: after each SQLITE_BUSY sleep until a transaction through the gate ends. */
  function untilLocked<T>(write: () => T, end: number, retryMs: number, before?: () => void): T {
    for (;;) {
      before?.();
      const seen = Atomics.load(cell, 2);
      try {
        return write();
      } catch (e) {
        if (!isBusy(e) || Date.now() > end) throw e;
        Atomics.wait(cell, 2, seen, retryMs);
      }
    }
  }

  /**
   * The main thread's write: announced, so the decider commits after the inbox batch in progress and steps aside
   * before its next transaction, and the sender waits; a 5 s bound, as SQLite's busy timeout.
   */
  function announce<T>(write: () => T): T {
    Atomics.add(cell, 0, 1);
    try {
      return untilLocked(write, Date.now() + 5_000, RETRY_MS);
    } finally {
      Atomics.sub(cell, 0, 1);
      Atomics.notify(cell, 0);
    }
  }

  /**
   * The sender's write: announced to the decider like the main thread's, but before each try it lets the main
   * thread's announced writes go first. It never gives up for waiting (a settle records sends already made): after
   * BULK_WAIT_MS it waits in SQLite's own busy handler, for as long as it takes.
   */
  function bulk<T>(db: BusyTimeoutDb, write: () => T): T {
    Atomics.add(cell, 1, 1);
    try {
      const mainFirst = () => {
        const end = Date.now() + 500;
        for (let v = mainAnnounced(); v > 0 && Date.now() < end; v = mainAnnounced()) {
          const i = Atomics.load(cell, 0) > 0 ? 0 : 3;
          Atomics.wait(cell, i, Atomics.load(cell, i), 5);
        }
      };
      try {
        return untilLocked(write, Date.now() + BULK_WAIT_MS, BULK_RETRY_MS, mainFirst);
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
      db.pragma(`busy_timeout = ${BULK_WAIT_MS}`);
      return untilLocked(write, Infinity, BULK_RETRY_MS, mainFirst);
    } finally {
      Atomics.sub(cell, 1, 1);
      Atomics.notify(cell, 1);
    }
  }

  /** One try with the busy handler off; a release either way (a failed try wakes nobody it should not). */
  function tryOnce<T>(db: BusyTimeoutDb, run: () => T): T {
    try {
      return withoutBusyHandler(db, () => counted(run));
    } finally {
      released();
    }
  }

  /**
   * Announced until it commits: try again each time a transaction through the gate ends (the decider's, which steps
   * aside before its next one), the event loop running in between, or after ASYNC_RETRY_MS for a writer outside the
   * gate. Before, it tried every ~1 ms: each try three pragmas and a thrown SqliteError while the decider held the
   * lock (bench router's main-thread profile, round 0: ~0.5 s of the outbox's claims and settles).
   * `expected`: the release count at which the last try failed; `timeoutMs` Infinity for a patient write. While
   * another thread's transaction through the gate is in progress it does not try (at least every TRY_ANYWAY_MS):
   * in bench router's round 0 the failed tries' SqliteErrors and pragmas were ~5% of the main thread at load ~14.
   */
  async function waitForLock<T>(db: BusyTimeoutDb, run: () => T, expected: number, timeoutMs: number, triedAt: number): Promise<T> {
    Atomics.add(cell, 3, 1); // the decider steps aside before its next transaction (once it holds enough, R-SCALE-24)
    try {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const w = waitAsync(cell, 2, expected, ASYNC_RETRY_MS);
        if (w.async) await w.value;
        const seen = Atomics.load(cell, 2);
        if (held() && Date.now() - triedAt < TRY_ANYWAY_MS && Date.now() <= end) {
          expected = seen;
          continue;
        }
        triedAt = Date.now();
        try {
          return tryOnce(db, run);
        } catch (e) {
          if (!isBusy(e) || Date.now() > end) throw e;
        }
        expected = seen + 1;
      }
    } finally {
      Atomics.sub(cell, 3, 1);
      Atomics.notify(cell, 3);
    }
  }

  return gate;
}

/** The cell counting a mode's transactions in progress; the main thread ('announce') is the only one that asks. */
const IN_PROGRESS: Partial<Record<WriteGate['mode'], number>> = { yield: 4, bulk: 5 };

/**
 * The thread writing in `mode` through the gate of `sab` has ended (its Worker's 'exit', on the main thread): clear
 * what it may have left up. A thread ended mid-transaction or mid-wait without its `finally` (terminated, out of
 * memory) left its count up for good: a decider's made every main-thread claim and settle wait TRY_ANYWAY_MS, a
 * sender's announced write made the decider step aside up to 500 ms before each of its transactions. One thread
 * writes in each of these modes, and its successor starts only after this runs.
 */
export function threadEnded(sab: SharedArrayBuffer, mode: 'yield' | 'bulk'): void {
  const cell = new Int32Array(sab);
  const mine = mode === 'yield' ? [4] : [1, 5];
  for (const i of mine) {
    if (i >= cell.length) continue;
    Atomics.store(cell, i, 0);
    Atomics.notify(cell, i);
  }
  Atomics.add(cell, 2, 1); // and as a release: a waiter tries again now
  Atomics.notify(cell, 2);
}

/** Atomics.waitAsync (Node ≥ 16; not in the ES2023 lib's types): a promise instead of a blocked thread. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** Whether a SQLite error is SQLITE_BUSY (or one of its extended codes): the lock was held, nothing was written. */
export const isBusy = (e: unknown): boolean => String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY');

/** What the gate needs of a better-sqlite3 connection. */
export interface BusyTimeoutDb {
  readonly inTransaction: boolean;
  pragma(source: string, options?: { simple: boolean }): unknown;
  /** When there (better-sqlite3): the busy_timeout pragmas are prepared once, not compiled at every transaction. */
  prepare?(source: string): { run(): unknown; pluck(): { get(): unknown } };
}

/** The busy_timeout pragmas of one connection, prepared: `db.pragma()` compiles its statement each call (~5 µs). */
interface BusyPragmas {
  read(): number;
  set(ms: number): void;
}
const prepared = new WeakMap<BusyTimeoutDb, BusyPragmas>();

/**
 * Careful: SQLite applies `PRAGMA busy_timeout = N` (and reads `PRAGMA busy_timeout`) when it compiles the statement,
 * and recompiles a pragma at each run after its first. So each statement here is run right after it is prepared
 * (its first run is a no-op, the prepare did the work): preparing several ahead and running them later would skip one.
 */
function busyPragmas(db: BusyTimeoutDb): BusyPragmas {
  let p = prepared.get(db);
  if (p) return p;
  const prepare = db.prepare?.bind(db);
  if (!prepare)
    return { read: () => Number(db.pragma('busy_timeout', { simple: true })), set: (ms) => void db.pragma(`busy_timeout = ${ms}`) };
  const read = prepare('PRAGMA busy_timeout').pluck();
  const sets = new Map<number, { run(): unknown }>();
  p = {
    read: () => Number(read.get()),
    set(ms) {
      let st = sets.get(ms);
      if (!st) sets.set(ms, (st = prepare(`PRAGMA busy_timeout = ${Math.trunc(ms)}`)));
      st.run();
    },
  };
  prepared.set(db, p);
  return p;
}

/** Run with SQLite's busy handler off, so SQLITE_BUSY reaches `announce` at once; the connection's timeout is restored after. */
function withoutBusyHandler<T>(db: BusyTimeoutDb, run: () => T): T {
  const p = busyPragmas(db);
  const before = p.read();
  p.set(0);
  try {
    return run();
  } finally {
    p.set(before);
  }
}
