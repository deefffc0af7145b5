import type { Database, Statement } from 'better-sqlite3';

/**
 * Typed rows, declared once where the SQL is. better-sqlite3 returns `unknown` rows; `select<Row>(db, sql)`
 * names the shape of the SELECT's columns beside the statement, so `.get()`/`.all()`/`.iterate()` need no cast
 * at each call. (SQLite cannot check the claim: the row type must match the column list, and the
 * repository tests read real rows back.)
 */
export const select = <Row, Params extends unknown[] = unknown[]>(db: Database, sql: string): Statement<Params, Row> =>
  db.prepare<Params, Row>(sql);

/** A `SELECT count(*) AS n …` (or any single number named `n`): one row always, so its number. */
export function counter<Params extends unknown[] = unknown[]>(db: Database, sql: string): (...params: Params) => number {
  const stmt = db.prepare<Params, { n: number }>(sql);
  return (...params) => stmt.get(...params)?.n ?? 0;
}

/**
 * A TEXT column holding JSON of type T that this store wrote (JSON.stringify of a T). The row type carries T,
 * so `fromJson(row.col)` is typed by the column, not by a cast where it is read back.
 */
export type JsonText<T> = string & { readonly __json?: T };

/** Read back a JSON column written by this store; its type comes from the column's JsonText<T> only (NoInfer: a plain
 * string column gives `unknown`, so the expected type at the call site cannot turn this into a silent cast). */
export const fromJson = <T>(text: JsonText<T>): NoInfer<T> => JSON.parse(text) as T;
