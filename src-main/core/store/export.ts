import type { Database } from 'better-sqlite3';
import { wholeOriginRow } from './events';
import { select } from './sql';
import { unpackTrace } from './trace-codec';
import { unpackTriage } from './triage-codec';

/** How one table is exported as NDJSON: its time column (ms) and the TEXT columns that hold JSON. */
export interface ExportSpec {
  table: string;
  timeColumn: string;
  jsonColumns: string[];
  /** JSON columns stored in a compact form of their own: read back whole (the events' trace, store/trace-codec.ts). */
  unpack?: Record<string, (parsed: unknown, row: Record<string, unknown>) => unknown>;
  /** Makes a raw row whole where it refers to another table (events' origin_id), before its columns are read. */
  whole?: (db: Database) => (row: Record<string, unknown>) => void;
}

/** The tables `vigil export` reads besides smoke (which has its own compact format). */
export const EXPORT_SPECS = {
  events: {
    table: 'events',
    timeColumn: 'received_at',
    jsonColumns: ['labels', 'trace', 'triage', 'channels'],
    // Counted from the row's own time, read against its summary (trace-codec.ts, triage-codec.ts).
    unpack: {
      trace: (p, row) => unpackTrace(p, row.received_at as number),
      triage: (p, row) => unpackTriage(p, { summary: row.summary as string, receivedAt: row.received_at as number }),
    },
    whole: wholeOriginRow,
  },
  audit: { table: 'audit_log', timeColumn: 'at', jsonColumns: ['detail'] },
  incidents: { table: 'incidents', timeColumn: 'at', jsonColumns: ['detail'] },
} satisfies Record<string, ExportSpec>;

const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

export const tableExists = (db: Database, table: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;

/**
 * Rows of a table in insertion (rowid) order whose time is in [since, until),
 * in chunks by rowid keyset: each chunk is one short query, so memory stays
 * flat however large the table. Keys become camelCase, JSON columns are
 * parsed, and the time column is ISO 8601.
 */
export function* exportTableChunks(
  db: Database,
  spec: ExportSpec,
  since: number,
  until: number,
  chunkRows = 2_000,
): Generator<Array<Record<string, unknown>>> {
  const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
  const stmt = select<Record<string, unknown> & { __rowid: number }>(
    db,
    `SELECT rowid AS __rowid, * FROM ${q(spec.table)} WHERE rowid > ? AND ${q(spec.timeColumn)} >= ? AND ${q(spec.timeColumn)} < ? ORDER BY rowid LIMIT ?`,
  );
  const json = new Set(spec.jsonColumns);
  const unpack = spec.unpack ?? {};
  const whole = spec.whole?.(db);
  let after = 0;
  for (;;) {
    const rows = stmt.all(after, since, until, chunkRows);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.__rowid;
    yield rows.map((r) => {
      const out: Record<string, unknown> = {};
      whole?.(r);
      for (const [k, v] of Object.entries(r)) {
        if (k === '__rowid') continue;
        if (k === spec.timeColumn && typeof v === 'number') out[camel(k)] = new Date(v).toISOString();
        else if (json.has(k) && typeof v === 'string' && v !== '') {
          try {
            const parsed: unknown = JSON.parse(v);
            out[camel(k)] = unpack[k] ? unpack[k](parsed, r) : parsed;
          } catch {
            out[camel(k)] = v;
          }
        } else out[camel(k)] = v;
      }
      return out;
    });
    if (rows.length < chunkRows) return;
  }
}
