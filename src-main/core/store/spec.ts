/**
 * Declarative schema: what every table must look like. Start-up creates
 * missing tables and repairs drift (missing columns, missing indexes)
 * idempotently, after the numbered migrations have run.
 */
export interface TableSpec {
  name: string;
  /** Column name → SQL definition. Columns after the first CREATE must be ADD COLUMN-compatible (nullable or with a constant default). */
  columns: Record<string, string>;
  /** Table constraints appended to CREATE TABLE (PRIMARY KEY (a,b), UNIQUE …). */
  constraints?: string[];
  /** Index name → "ON table(cols)" (with optional UNIQUE prefix: "UNIQUE ON …"). */
  indexes?: Record<string, string>;
  /** Extra idempotent statements (virtual tables, triggers) run after the table exists. */
  extra?: string[];
  /** Options after the closing parenthesis, e.g. "STRICT" or "WITHOUT ROWID". */
  options?: string;
}

const q = (id: string): string => `"${id.replace(/"/g, '""')}"`;

/** The CREATE TABLE statement of a spec (repair creates missing tables with it; a migration rebuilding a table too). */
export const createTableSql = (t: TableSpec, name = t.name): string =>
  `CREATE TABLE ${q(name)} (${[...Object.entries(t.columns).map(([n, def]) => `${q(n)} ${def}`), ...(t.constraints ?? [])].join(', ')})${
    t.options ? ' ' + t.options : ''
  }`;
