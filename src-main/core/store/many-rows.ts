import type { Database, Statement } from 'better-sqlite3';

/** Rows a statement run takes: a full chunk at once, the rest (fewer) in runs of 8 and of 1. */
const FULL = 32;
const REST = [8, 1] as const;

export interface ManyRows {
  /** The rows not written yet, their values one after another (`width` a row): push a row's here, then call added(). */
  readonly values: unknown[];
  /** A row was pushed: a full chunk is written now (its values were made for it and need not outlive it). */
  added(): void;
  /** Write what is held. */
  flush(): void;
  /** Forget what is held (the transaction it belonged to is over). */
  clear(): void;
}

/**
 * `INSERT … VALUES (…), (…), …` for rows written one after another in a transaction: one statement run per 32 rows
 * instead of one per row (a run of better-sqlite3 costs its call, bind and reset whatever its row count, R-SCALE-37).
 * Each size is prepared once, when first needed. `row` is one row's placeholders (constants may stand in it). Rows are
 * held until their chunk is full, not until COMMIT: their strings stay young garbage, never promoted by a scavenge.
 * A rowid table's rows of one run take consecutive rowids, in order, as separate INSERTs would.
 */
export function manyRows(db: Database, head: string, row: string, width: number): ManyRows {
  const statements = new Map<number, Statement>();
  const run = (n: number, values: unknown[]): void => {
    let st = statements.get(n);
    if (!st) statements.set(n, (st = db.prepare(`${head} VALUES ${Array<string>(n).fill(row).join(', ')}`)));
    st.run(values);
  };
  const values: unknown[] = [];
  return {
    values,
    added() {
      if (values.length < FULL * width) return;
      run(FULL, values);
      values.length = 0;
    },
    flush() {
      const rows = values.length / width;
      let i = 0;
      for (const n of REST) for (; rows - i >= n; i += n) run(n, values.slice(i * width, (i + n) * width));
      values.length = 0;
    },
    clear() {
      values.length = 0;
    },
  };
}
