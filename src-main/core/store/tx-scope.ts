import type { Database } from './db';

/**
 * What one outermost `Stores.transaction` knows for as long as it runs. It holds the write lock from BEGIN
 * (IMMEDIATE), so no other connection writes meanwhile: a row a repository read or wrote in it stays as
 * it left it, and the router's deciding pass need not ask SQLite again for every event (the open incident
 * of a group, an alert's acknowledgement). A row rewritten for every event (a group's head) can be written
 * once, just before COMMIT. Memos and deferred writes end with the transaction, committed or rolled back:
 * nothing outlives it, so nothing goes stale across threads or connections. Outside such a transaction
 * there are no memos and a deferred write runs at once.
 */
export class TxScope {
  private active = false;
  private readonly memos = new Map<string, Map<string, unknown>>();
  private readonly deferred = new Map<string, () => void>();
  private readonly rollbackListeners: Array<() => void> = [];
  private readonly savepointListeners: Array<() => void> = [];

  /**
   * Caches that outlive transactions (an alert's state, the open incidents' members) forget what they hold when any
   * transaction on this connection rolls back, outermost or a nested savepoint, whoever ran it: a cache updated
   * as it wrote would otherwise keep rows that were never committed.
   */
  onRollback(listener: () => void): void {
    this.rollbackListeners.push(listener);
  }

  /**
   * Rows a store holds for a multi-row INSERT (R-SCALE-37) are written before a nested transaction (a savepoint)
   * opens: what is held when it rolls back is then its own, and the store drops it (its onRollback listener).
   */
  beforeSavepoint(listener: () => void): void {
    this.savepointListeners.push(listener);
  }

  /** Run `begin` (which opens the transaction around its callback) as the outermost transaction, or join. */
  run<T>(db: Database, fn: () => T, open: (body: () => T) => T): T {
    if (this.active || db.inTransaction) {
      for (const l of this.savepointListeners) l();
      // The deferred writes as the savepoint opens: a rollback of it takes back what it deferred (or wrote early for a
      // read), and the outer transaction's own are deferred again, written at its COMMIT as before.
      const deferred = new Map(this.deferred);
      try {
        return open(fn);
      } catch (e) {
        this.deferred.clear();
        for (const [key, write] of deferred) this.deferred.set(key, write);
        this.memos.clear(); // a nested savepoint rolled back: what it wrote may be remembered here
        this.rolledBack();
        throw e;
      }
    }
    this.active = true;
    try {
      return open(() => {
        const out = fn();
        this.flush();
        return out;
      });
    } catch (e) {
      this.rolledBack();
      throw e;
    } finally {
      this.active = false;
      this.memos.clear();
      this.deferred.clear();
    }
  }

  /** A memo table of this transaction (undefined outside one): `name` keeps repositories apart. */
  memo<V>(name: string): Map<string, V> | undefined {
    if (!this.active) return undefined;
    let m = this.memos.get(name);
    if (!m) this.memos.set(name, (m = new Map()));
    return m as Map<string, V>;
  }

  /**
   * Run `write` just before this transaction commits; a later call with the same key replaces it. Outside one: now.
   * Keys are rows' own keys (the noise store's) or prefixed by their store (`event-origins:`): keep them apart.
   */
  defer(key: string, write: () => void): void {
    if (!this.active) return write();
    this.deferred.delete(key); // re-inserted last: deferred writes run in the order of their latest call
    this.deferred.set(key, write);
  }

  private rolledBack(): void {
    for (const l of this.rollbackListeners) l();
  }

  /** Whether a transaction is running (deferred writes wait for its COMMIT). */
  inside(): boolean {
    return this.active;
  }

  /** Whether a write is deferred under `key` (false after the transaction ended, committed or rolled back). */
  pending(key: string): boolean {
    return this.deferred.has(key);
  }

  /** Drop a deferred write (its row was deleted meanwhile). */
  cancel(key: string): void {
    this.deferred.delete(key);
  }

  /** Run the deferred writes now (before a read that must see them, and at commit). */
  flush(): void {
    while (this.deferred.size) {
      const [key, write] = this.deferred.entries().next().value!;
      this.deferred.delete(key);
      write();
    }
  }
}
