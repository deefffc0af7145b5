import type { Database } from 'better-sqlite3';
import type { AlertStatus, Severity } from '../../../src-shared/constants';
import type { TraceEntry, TriageResult } from '../../../src-shared/domain';
import { manyRows } from './many-rows';
import { fromJson, select, type JsonText } from './sql';
import { packTrace, unpackTrace, type PackedEntry } from './trace-codec';
import { packTriage, unpackTriage } from './triage-codec';
import type { TxScope } from './tx-scope';

/** An event as the router stores it (the inbox row before processing). */
export interface NewEvent {
  id: string;
  source: string;
  fingerprint: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  description: string | null;
  labels: Record<string, string>;
  startsAt: number | null;
  endsAt: number | null;
  receivedAt: number;
  trace: TraceEntry[];
  /** The source's annotations (runbook_url, dashboard_url …), kept whole (R-ALERT-1). */
  annotations?: Record<string, string>;
  generatorURL?: string | null;
  /** Where an Alertmanager webhook came from (externalURL, groupKey, receiver). */
  origin?: EventOrigin | null;
}

export interface EventOrigin {
  externalURL?: string;
  groupKey?: string;
  receiver?: string;
}

export interface EventRecord extends NewEvent {
  seq: number;
  processed: boolean;
  outcome: string | null;
  triage: TriageResult | null;
  channels: string[];
}

export interface ProcessedUpdate {
  outcome: string;
  trace: TraceEntry[];
  triage: TriageResult | null;
  channels: string[];
}

export interface EventFilter {
  severity?: Severity[];
  status?: AlertStatus;
  source?: string;
  /** Events from any source but this one (the first-run checklist: an alert not raised by Vigil itself). */
  notSource?: string;
  label?: { name: string; value: string };
  text?: string;
  cursor?: number;
  limit: number;
}

/** Repository for events (and the inbox). SQL stays here; a PostgreSQL store implements the same interface. */
export interface EventStore {
  /** Insert a batch; the caller wraps it in stores.transaction() so a batch is all-or-nothing. Returns seqs in order. */
  insert(events: NewEvent[]): number[];
  /** Insert an event already decided (processed) in the same transaction as its outcome. Returns its seq. */
  insertDecided(e: NewEvent, upd: ProcessedUpdate): number;
  pending(limit: number): EventRecord[];
  markProcessed(seq: number, upd: ProcessedUpdate): void;
  /** Record a late result (AI triage) and one more trace entry. */
  amend(id: string, entry: TraceEntry, triage?: TriageResult): void;
  get(id: string): EventRecord | null;
  list(f: EventFilter): { items: EventRecord[]; nextCursor: number | null };
  recent(limit: number): EventRecord[];
  stats(from: number, to: number, bucketMs: number): Array<{ t: number; severity: Severity; n: number }>;
  /** Stored and not processed (events rows with processed = 0, the inbox before intake batches); intake waits in store/inbox.ts. */
  inbox(): { count: number; oldest: number | null };
}

interface Row {
  seq: number;
  id: string;
  source: string;
  fingerprint: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  description: string | null;
  labels: JsonText<Record<string, string>>;
  starts_at: number | null;
  ends_at: number | null;
  received_at: number;
  annotations: JsonText<Record<string, string>>;
  generator_url: string | null;
  /** Rows written before event_origins: the JSON text. */
  origin: JsonText<EventOrigin> | null;
  origin_id: number | null;
  processed: number;
  outcome: string | null;
  trace: JsonText<PackedEntry[]>;
  triage: JsonText<TriageResult> | null;
  channels: JsonText<string[]>;
}

/**
 * A row's origin as JSON text: its event_origins row's, or (rows from before that table) its own `origin`. Ids read
 * outside a transaction are committed, and a committed id never names another text (events.tables.ts), so they are
 * kept; one read inside a transaction may roll back and is not.
 */
export function originReader(db: Database): (origin: string | null, id: number | null) => string | null {
  const known = new Map<number, string>();
  const get = select<{ origin: string }>(db, `SELECT origin FROM event_origins WHERE id = ?`);
  return (origin, id) => {
    if (id === null || id === undefined) return origin;
    let text = known.get(id);
    if (text === undefined) {
      text = get.get(id)?.origin ?? 'null';
      if (!db.inTransaction && known.size < 10_000) known.set(id, text);
    }
    return text;
  };
}

/** A raw events row (exports) as rows held it before event_origins: `origin` the JSON text, no `origin_id`. */
export function wholeOriginRow(db: Database): (row: Record<string, unknown>) => void {
  const read = originReader(db);
  return (row) => {
    if (!('origin_id' in row)) return;
    row.origin = read(row.origin as string | null, row.origin_id as number | null);
    delete row.origin_id;
  };
}

const parseOrigin = (text: string | null): EventOrigin | null => (text ? (JSON.parse(text) as EventOrigin | null) : null);

const toRecordWith =
  (origin: (origin: string | null, id: number | null) => string | null) =>
  (r: Row): EventRecord => ({
    seq: r.seq,
    id: r.id,
    source: r.source,
    fingerprint: r.fingerprint,
    severity: r.severity,
    status: r.status,
    summary: r.summary,
    description: r.description,
    labels: fromJson(r.labels),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    receivedAt: r.received_at,
    annotations: fromJson(r.annotations),
    generatorURL: r.generator_url,
    origin: parseOrigin(origin(r.origin, r.origin_id)),
    processed: r.processed === 1,
    outcome: r.outcome,
    trace: unpackTrace(fromJson(r.trace), r.received_at),
    triage: r.triage ? unpackTriage(fromJson(r.triage), { summary: r.summary, receivedAt: r.received_at }) : null,
    channels: fromJson(r.channels),
  });

/** Keys of the last origin, reused (no array per event). */
const lastKeys: string[] = [];
let lastOrigin: Record<string, unknown> | null = null;
let lastOriginText = '';
/**
 * An origin's JSON text; the last one's is kept while the next has the same keys in the same order and the same
 * values (a webhook's alerts come with one origin each, equal to their neighbours'): a stringify and a new key for
 * the id memo per event cost a storm. Anything else, a value that is not the same string above all, is stringified.
 */
function originText(o: EventOrigin): string {
  const x = o as Record<string, unknown>;
  if (lastOrigin !== null) {
    let i = 0;
    let same = true;
    for (const k in x) {
      if (i >= lastKeys.length || lastKeys[i] !== k || x[k] !== lastOrigin[k] || typeof x[k] !== 'string') {
        same = false;
        break;
      }
      i++;
    }
    if (same && i === lastKeys.length) return lastOriginText;
  }
  lastKeys.length = 0;
  for (const k in x) lastKeys.push(k);
  lastOrigin = { ...x };
  lastOriginText = JSON.stringify(o);
  return lastOriginText;
}

/** The deferred write of a transaction's decided events, and the values of one of their rows. */
const DECIDED = 'events:decided';
const DECIDED_WIDTH = 19;

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => '\\' + c);

export function sqliteEventStore(db: Database, scope?: TxScope): EventStore {
  const toRecord = toRecordWith(originReader(db));
  const findOrigin = select<{ id: number }>(db, `SELECT id FROM event_origins WHERE origin = ?`);
  const addOrigin = db.prepare(`INSERT INTO event_origins (origin) VALUES (?)`);
  // An origin's used_seq is at least the seq of every events row naming it (retention's test for "no row names it").
  const usedBy = db.prepare(`UPDATE event_origins SET used_seq = max(coalesce(used_seq, 0), ?) WHERE id = ?`);
  const usedNow = db.prepare(
    `UPDATE event_origins SET used_seq = (SELECT max(seq) FROM events) WHERE id IN (SELECT value FROM json_each(?))`,
  );
  /**
   * An origin's id, added when new. Known ids are remembered for the transaction (one look-up per origin a batch,
   * not per event); not across transactions: an id added by one that rolls back may be given to another origin.
   * Inside a transaction the origins it named get their used_seq once, just before COMMIT (after its inserts); outside
   * one the insert marks its row itself (`used`).
   */
  const originId = (o: EventOrigin | null | undefined): number | null => {
    if (!o) return null;
    const text = originText(o);
    const memo = scope?.memo<number>('event-origins');
    let id = memo?.get(text);
    if (id === undefined) {
      id = findOrigin.get(text)?.id ?? Number(addOrigin.run(text).lastInsertRowid);
      memo?.set(text, id);
    }
    const named = scope?.memo<number>('event-origins-named');
    if (named) {
      // Empty: the first origin of the transaction, or the deferred write ran early (a flush before a read).
      if (!named.size) scope!.defer('event-origins:used_seq', () => markNamed(named));
      named.set(text, id);
    }
    return id;
  };
  const markNamed = (named: Map<string, number>) => {
    written(); // its rows first: used_seq is the greatest seq
    const ids = [...named.values()];
    named.clear();
    usedNow.run(JSON.stringify(ids));
  };
  /** Outside a transaction scope: mark the origin of the row just inserted. */
  const used = (originId: number | null, seq: number | bigint): void => {
    if (originId !== null && !scope?.memo('event-origins-named')) usedBy.run(seq, originId);
  };
  /** An events row's values from `id` to `origin_id` (the columns both inserts write), pushed; returns its origin id. */
  const rowValues = (out: unknown[], e: NewEvent, trace: TraceEntry[]): number | null => {
    const origin = originId(e.origin);
    out.push(
      e.id,
      e.source,
      e.fingerprint,
      e.severity,
      e.status,
      e.summary,
      e.description,
      JSON.stringify(e.labels),
      e.startsAt,
      e.endsAt,
      e.receivedAt,
      packTrace(trace, e.receivedAt),
      e.annotations ? JSON.stringify(e.annotations) : '{}',
      e.generatorURL ?? null,
      origin,
    );
    return origin;
  };
  const ins = db.prepare(
    `INSERT INTO events (id, source, fingerprint, severity, status, summary, description, labels, starts_at, ends_at, received_at, trace, annotations, generator_url, origin_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Rows decided in a transaction are written 32 to a statement run (R-SCALE-37), not one per event; the last few just
  // before COMMIT. Their seqs are given here as SQLite would (the greatest + 1, read once a transaction), so
  // insertDecided still answers its seq at once; any other statement of this store writes the held rows first.
  // OR FAIL, not the default ABORT: a multi-row statement that may abort keeps a statement journal of every page it
  // changes, which spilled past 64 KB to a temp file (micro: 3.3 times the pwrites of single-row INSERTs). A failed row
  // fails the statement and the caller's transaction rolls back, as before.
  const decided = manyRows(
    db,
    `INSERT OR FAIL INTO events (seq, id, source, fingerprint, severity, status, summary, description, labels, starts_at, ends_at, received_at, trace, annotations, generator_url, origin_id,
       processed, outcome, triage, channels)`,
    `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    DECIDED_WIDTH,
  );
  const lastSeq = select<{ seq: number | null }>(db, `SELECT (SELECT max(seq) FROM events) AS seq`);
  /** The next decided row's seq, while the transaction's deferred write DECIDED is pending. */
  let nextSeq = 0;
  /** Before any other statement on events (or a savepoint): the held rows written. */
  const written = (): void => {
    if (!scope?.pending(DECIDED)) return;
    scope.cancel(DECIDED);
    decided.flush();
  };
  scope?.beforeSavepoint(written);
  // A rollback (outermost, or a savepoint: written before it opened) drops what is held; the next seq is read again.
  scope?.onRollback(() => {
    scope.cancel(DECIDED);
    decided.clear();
  });
  const pending = select<Row>(db, `SELECT * FROM events WHERE processed = 0 ORDER BY seq LIMIT ?`);
  const done = db.prepare(`UPDATE events SET processed = 1, outcome = ?, trace = ?, triage = ?, channels = ? WHERE seq = ?`);
  const amend = db.prepare(`UPDATE events SET trace = json_insert(trace, '$[#]', json(?)), triage = coalesce(?, triage) WHERE id = ?`);
  const get = select<Row>(db, `SELECT * FROM events WHERE id = ?`);
  const owner = select<{ summary: string; receivedAt: number }>(db, `SELECT summary, received_at AS receivedAt FROM events WHERE seq = ?`);
  const recent = select<Row>(db, `SELECT * FROM events ORDER BY seq DESC LIMIT ?`);
  const stats = select<{ t: number; severity: Severity; n: number }>(
    db,
    `SELECT (received_at / CAST(@b AS INTEGER)) * CAST(@b AS INTEGER) AS t, severity, count(*) AS n FROM events
     WHERE received_at >= @from AND received_at < @to GROUP BY t, severity ORDER BY t`,
  );
  // Walks only the live inbox (the partial index events_inbox), never history: this runs on every status snapshot.
  const inbox = select<{ count: number; oldest: number | null }>(
    db,
    `SELECT (SELECT count(*) FROM events WHERE processed = 0) AS count,
            (SELECT received_at FROM events WHERE processed = 0 ORDER BY seq LIMIT 1) AS oldest`,
  );

  return {
    insert(events) {
      written();
      return events.map((e) => {
        const v: unknown[] = [];
        const origin = rowValues(v, e, e.trace);
        const seq = Number(ins.run(v).lastInsertRowid);
        used(origin, seq);
        return seq;
      });
    },
    insertDecided(e, u) {
      const inside = scope?.inside() === true;
      if (!inside || !scope!.pending(DECIDED)) {
        decided.clear(); // a rolled-back transaction's
        nextSeq = (lastSeq.get()?.seq ?? 0) + 1;
        if (inside) scope!.defer(DECIDED, decided.flush);
      }
      const seq = nextSeq++;
      // Values made now: the caller refills the update's trace for its next event.
      const v = decided.values;
      v.push(seq);
      const origin = rowValues(v, e, u.trace);
      v.push(u.outcome, u.triage ? packTriage(u.triage, e) : null, u.channels.length ? JSON.stringify(u.channels) : '[]');
      if (inside) decided.added();
      else {
        decided.flush(); // outside a transaction: at once
        used(origin, seq);
      }
      return seq;
    },
    pending: (limit) => (written(), pending.all(limit)).map(toRecord),
    markProcessed(seq, u) {
      written();
      // Rows stored unprocessed (an older version's inbox, decided at start-up only): their trace counts from their own time.
      const ev = owner.get(seq);
      if (!ev) return;
      done.run(u.outcome, packTrace(u.trace, ev.receivedAt), u.triage ? packTriage(u.triage, ev) : null, JSON.stringify(u.channels), seq);
    },
    amend(id, entry, triage) {
      written();
      amend.run(JSON.stringify(entry), triage ? packTriage(triage) : null, id);
    },
    get(id) {
      written();
      const r = get.get(id);
      return r ? toRecord(r) : null;
    },
    list(f) {
      written();
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (sql: string, ...values: unknown[]) => {
        where.push(sql);
        args.push(...values);
      };
      if (f.cursor !== undefined) add('seq < ?', f.cursor);
      if (f.severity?.length) add(`severity IN (${f.severity.map(() => '?').join(',')})`, ...f.severity);
      if (f.status) add('status = ?', f.status);
      if (f.source) add('source = ?', f.source);
      if (f.notSource) add('source <> ?', f.notSource);
      if (f.label) add('json_extract(labels, ?) = ?', `$."${f.label.name.replace(/"/g, '\\"')}"`, f.label.value);
      if (f.text) {
        const t = `%${likeEscape(f.text)}%`;
        add(`(summary LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')`, t, t);
      }
      const sql = `SELECT * FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
      const rows = select<Row>(db, sql).all(...args, f.limit + 1);
      const more = rows.length > f.limit;
      const items = rows.slice(0, f.limit).map(toRecord);
      return { items, nextCursor: more ? items[items.length - 1]!.seq : null };
    },
    recent: (limit) => (written(), recent.all(limit)).map(toRecord),
    stats: (from, to, b) => (written(), stats.all({ from, to, b })),
    inbox() {
      written();
      const r = inbox.get() ?? { count: 0, oldest: null };
      return { count: r.count, oldest: r.oldest };
    },
  };
}
