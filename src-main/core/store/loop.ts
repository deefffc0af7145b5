import type { Database } from './db';
import { counter, fromJson, select, type JsonText } from './sql';
import { TxScope } from './tx-scope';
import { manyRows } from './many-rows';
import { openMembers } from './loop-members';
import { wholeOriginRow } from './events';
import { wholeTraceText } from './trace-codec';
import { wholeTriageText } from './triage-codec';
import { toTimeline } from './loop-timeline';

export interface OutcomeRow {
  at: number;
  alertname: string;
  fingerprint: string;
  host: string;
  action: string;
  target: string;
  fixed: boolean;
  planId: string;
  detail: string;
}

export interface IncidentRow {
  id: string;
  groupKey: string;
  title: string;
  severity: string;
  status: 'open' | 'resolved';
  labels: Record<string, string>;
  openedAt: number;
  resolvedAt: number | null;
}

export interface EntryRow {
  incidentId: string;
  at: number;
  kind: string;
  text: string;
  actor: string;
  ref: string | null;
}

/** One raw record of an incident's timeline, from whichever table holds it. */
export interface TimelineRecord {
  at: number;
  kind: string;
  text: string;
  actor: string;
  ref: string | null;
}

/** A row as its table stores it (the ndjson export writes these). */
export interface RawRecord {
  table: string;
  row: Record<string, unknown>;
}

/** SQL of the closed loop: heal outcomes and incidents (a PostgreSQL store implements the same interface). */
export interface LoopRepository {
  addOutcome(o: OutcomeRow): boolean;
  outcomes(alertname: string, limit: number): OutcomeRow[];
  /** The group's open incident; within a transaction one shared row, so read-only (a storm asks once an event). */
  openIncident(groupKey: string): Readonly<IncidentRow> | null;
  /** The group's latest incident resolved at or after `since` (a re-fire within the flap window reopens it). */
  resolvedSince(groupKey: string, since: number): IncidentRow | null;
  reopen(incidentId: string): void;
  insertIncident(i: IncidentRow): void;
  incident(id: string): IncidentRow | null;
  /** The alert's latest incident (by opening), resolved or not. */
  latestIncidentOf(fingerprint: string): IncidentRow | null;
  /** The open incidents the alert is a member of, newest first (the deciding pass: answered from memory). */
  openIncidentsOf(fingerprint: string): IncidentRow[];
  listIncidents(limit: number): IncidentRow[];
  /** Add or update a member; returns whether it was new. */
  member(incidentId: string, fingerprint: string, status: string, at: number): boolean;
  /** Forget the open incidents' members remembered across transactions (a deciding transaction rolled back). */
  forgetMembers(): void;
  firingMembers(incidentId: string): number;
  members(incidentId: string): string[];
  resolve(incidentId: string, at: number): void;
  addEntry(e: EntryRow): void;
  /** Everything that happened to the incident's alerts, from every table, oldest first. */
  timeline(i: IncidentRow): TimelineRecord[];
  /** The raw rows the timeline is read from, table by table. */
  records(i: IncidentRow): RawRecord[];
}

interface IRow {
  id: string;
  group_key: string;
  title: string;
  severity: string;
  status: 'open' | 'resolved';
  labels: JsonText<Record<string, string>>;
  opened_at: number;
  resolved_at: number | null;
}
/** The deferred write of a transaction's new incident member rows. */
type Row = Record<string, unknown>;

const NEW_MEMBERS = 'incident-members:new';

const toIncident = (r: IRow): IncidentRow => ({
  id: r.id,
  groupKey: r.group_key,
  title: r.title,
  severity: r.severity,
  status: r.status,
  labels: fromJson(r.labels),
  openedAt: r.opened_at,
  resolvedAt: r.resolved_at,
});

/**
 * In a transaction, a group's open incident is asked for once: every alert of a storm asks for its group's,
 * and the answer changes only through this repository (insert, reopen, resolve), which keeps the memo true.
 */
export function sqliteLoopRepository(db: Database, scope = new TxScope()): LoopRepository {
  const wholeOrigin = wholeOriginRow(db);
  const s = {
    outcome: db.prepare(
      `INSERT INTO heal_outcomes (at, alertname, fingerprint, host, action, target, fixed, plan_id, detail)
       VALUES (@at, @alertname, @fingerprint, @host, @action, @target, @fixed, @planId, @detail) ON CONFLICT(plan_id) DO NOTHING`,
    ),
    outcomes: select<Omit<OutcomeRow, 'fixed' | 'planId'> & { fixed: number; plan_id: string }>(
      db,
      'SELECT * FROM heal_outcomes WHERE alertname = ? ORDER BY at DESC LIMIT ?',
    ),
    open: select<IRow>(db, `SELECT * FROM alert_incidents WHERE group_key = ? AND status = 'open' ORDER BY opened_at DESC LIMIT 1`),
    resolvedSince: select<IRow>(
      db,
      `SELECT * FROM alert_incidents WHERE group_key = ? AND status = 'resolved' AND resolved_at >= ? ORDER BY opened_at DESC LIMIT 1`,
    ),
    reopen: db.prepare(`UPDATE alert_incidents SET status = 'open', resolved_at = NULL WHERE id = ? AND status = 'resolved'`),
    insert: db.prepare(
      `INSERT INTO alert_incidents (id, group_key, title, severity, status, labels, opened_at, resolved_at) VALUES (@id, @groupKey, @title, @severity, @status, @labels, @openedAt, @resolvedAt)`,
    ),
    get: select<IRow>(db, 'SELECT * FROM alert_incidents WHERE id = ?'),
    // No index by fingerprint (loop-members.ts says why): open incidents, then resolved ones, newest first (the
    // alert_incidents_opened index), each asked whether the alert is a member (a seek); the first that is answers.
    latestOf: select<IRow>(
      db,
      `SELECT * FROM alert_incidents i WHERE status = ? AND EXISTS
         (SELECT 1 FROM incident_members m WHERE m.incident_id = i.id AND m.fingerprint = ?)
       ORDER BY opened_at DESC LIMIT 1`,
    ),
    memberStatus: select<{ status: string }>(db, 'SELECT status FROM incident_members WHERE incident_id = ? AND fingerprint = ?'),
    list: select<IRow>(db, `SELECT * FROM alert_incidents ORDER BY status = 'open' DESC, opened_at DESC LIMIT ?`),
    // Only a change is written: a repeat of a firing member (most of a storm's events) leaves its page clean.
    memberSet: db.prepare('UPDATE incident_members SET status = ? WHERE incident_id = ? AND fingerprint = ? AND status <> ?'),
    firing: counter(db, `SELECT COUNT(*) AS n FROM incident_members WHERE incident_id = ? AND status = 'firing'`),
    members: select<{ fingerprint: string }>(db, 'SELECT fingerprint FROM incident_members WHERE incident_id = ? ORDER BY joined_at'),
    resolve: db.prepare(`UPDATE alert_incidents SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'`),
    entry: db.prepare(
      'INSERT INTO incident_entries (incident_id, at, kind, text, actor, ref) VALUES (@incidentId, @at, @kind, @text, @actor, @ref)',
    ),
  };
  /**
   * New member rows, 32 to a statement run (a first delivery's INSERT each was a run an alert, R-SCALE-37), the last
   * few just before COMMIT or before a statement of this repository that reads or updates incident_members.
   */
  const memberNew = manyRows(db, 'INSERT OR IGNORE INTO incident_members (incident_id, fingerprint, status, joined_at)', '(?, ?, ?, ?)', 4);
  /** Before a statement that reads member rows: this transaction's new ones written first. */
  const written = (): void => {
    if (!scope.pending(NEW_MEMBERS)) return;
    scope.cancel(NEW_MEMBERS);
    memberNew.flush();
  };
  scope.beforeSavepoint(written);
  // A rollback (outermost, or a savepoint: written before it opened) drops what is held.
  scope.onRollback(() => {
    scope.cancel(NEW_MEMBERS);
    memberNew.clear();
  });
  const addMember = (id: string, fp: string, status: string, at: number): void => {
    if (!scope.pending(NEW_MEMBERS)) {
      memberNew.clear(); // a rolled-back transaction's
      if (scope.inside()) scope.defer(NEW_MEMBERS, memberNew.flush);
      else {
        memberNew.values.push(id, fp, status, at); // outside a transaction: at once
        return memberNew.flush();
      }
    }
    memberNew.values.push(id, fp, status, at);
    memberNew.added();
  };
  /** The open incidents' members: a repeat of a firing member — most of a storm's events — asks SQLite nothing. */
  const open = openMembers(db, written);
  const members = (id: string): string[] => (written(), s.members.all(id)).map((r) => r.fingerprint);

  /** The incident's raw rows from every table that holds part of its story (events, outbox, plans, heal log, acks, entries). */
  function records(i: IncidentRow): RawRecord[] {
    const fps = members(i.id);
    const from = i.openedAt - 1;
    const to = i.resolvedAt ?? Number.MAX_SAFE_INTEGER;
    const inList = (n: number) => Array(n).fill('?').join(',');
    const all = (table: string, sql: string, ...args: unknown[]): RawRecord[] =>
      select<Row>(db, sql)
        .all(...args)
        .map((row) => ({ table, row }));
    const out = all('incident_entries', 'SELECT * FROM incident_entries WHERE incident_id = ? ORDER BY id', i.id);
    if (!fps.length) return out;
    const fpIn = inList(fps.length);
    const events = all(
      'events',
      // By time (events_received), then by member: events have no index by fingerprint (events.tables.ts).
      `SELECT * FROM events WHERE received_at BETWEEN ? AND ? AND fingerprint IN (${fpIn}) ORDER BY seq`,
      from,
      to,
      ...fps,
    );
    // Trace and triage are stored compactly (store/trace-codec.ts, triage-codec.ts): raw records carry them whole, as before.
    for (const { row } of events) {
      const ev = { summary: row.summary as string, receivedAt: row.received_at as number };
      if (typeof row.trace === 'string') row.trace = wholeTraceText(row.trace, ev.receivedAt);
      if (typeof row.triage === 'string') row.triage = wholeTriageText(row.triage, ev);
      wholeOrigin(row);
    }
    out.push(...events);
    const ids = events.map((e) => e.row.id);
    if (ids.length) {
      const idIn = inList(ids.length);
      out.push(...all('outbox', `SELECT * FROM outbox WHERE json_extract(message, '$.eventId') IN (${idIn}) ORDER BY id`, ...ids));
      out.push(...all('plans', `SELECT * FROM plans WHERE event_id IN (${idIn}) ORDER BY created_at`, ...ids));
      out.push(
        ...all(
          'heal_log',
          `SELECT l.* FROM heal_log l JOIN heal_approvals a ON a.id = l.approval_id WHERE a.event_id IN (${idIn}) ORDER BY l.id`,
          ...ids,
        ),
      );
    }
    out.push(
      ...all(
        'alert_ack_log',
        `SELECT * FROM alert_ack_log WHERE fingerprint IN (${fpIn}) AND at BETWEEN ? AND ? ORDER BY id`,
        ...fps,
        from,
        to,
      ),
    );
    return out;
  }

  function timeline(i: IncidentRow): TimelineRecord[] {
    return records(i)
      .flatMap(toTimeline)
      .sort((a, b) => a.at - b.at);
  }

  return {
    addOutcome: (o) => s.outcome.run({ ...o, fixed: o.fixed ? 1 : 0 }).changes === 1,
    outcomes: (alertname, limit) =>
      s.outcomes.all(alertname, limit).map((r) => ({
        ...r,
        fixed: r.fixed === 1,
        planId: r.plan_id,
      })),
    openIncident: (key) => {
      const memo = scope.memo<Readonly<IncidentRow> | null>('open-incident');
      const known = memo?.get(key);
      if (known !== undefined) return known;
      const r = s.open.get(key);
      const inc = r ? toIncident(r) : null;
      memo?.set(key, inc);
      return inc;
    },
    resolvedSince: (key, since) => {
      const r = s.resolvedSince.get(key, since);
      return r ? toIncident(r) : null;
    },
    reopen(id) {
      scope.memo('open-incident')?.clear(); // by id: whichever group it was, ask again
      if (s.reopen.run(id).changes) open.opened(id, false);
    },
    insertIncident(i) {
      s.insert.run({ ...i, labels: JSON.stringify(i.labels) });
      if (i.status === 'open') open.opened(i.id, true);
      const memo = scope.memo<Readonly<IncidentRow> | null>('open-incident');
      // Only an open incident is the group's answer; anything else (an import, a test's resolved row): ask again.
      if (i.status === 'open') memo?.set(i.groupKey, { ...i, labels: { ...i.labels } });
      else memo?.delete(i.groupKey);
    },
    incident: (id) => {
      const r = s.get.get(id);
      return r ? toIncident(r) : null;
    },
    latestIncidentOf: (fp) => {
      written();
      const a = s.latestOf.get('open', fp);
      const b = s.latestOf.get('resolved', fp);
      const r = a && b ? (b.opened_at > a.opened_at ? b : a) : (a ?? b);
      return r ? toIncident(r) : null;
    },
    openIncidentsOf: (fp) => {
      const rows = open.incidentsOf(fp).flatMap((id) => s.get.get(id) ?? []);
      if (rows.length > 1) rows.sort((x, y) => y.opened_at - x.opened_at);
      return rows.map(toIncident);
    },
    listIncidents: (limit) => s.list.all(limit).map(toIncident),
    member(id, fp, status, at) {
      // An open incident's members are known (no statement for a repeat); another's are asked for.
      const known = open.status(id, fp);
      const was = known !== undefined ? known : (written(), s.memberStatus.get(id, fp)?.status ?? null);
      if (was === status) return false;
      if (was === null) addMember(id, fp, status, at);
      else {
        written();
        s.memberSet.run(status, id, fp, status);
      }
      open.set(id, fp, status);
      return was === null;
    },
    forgetMembers: () => open.forget(),
    firingMembers: (id) => open.firing(id) ?? (written(), s.firing(id)),
    members,
    resolve(id, at) {
      scope.memo('open-incident')?.clear();
      if (s.resolve.run(at, id).changes) open.closed(id);
    },
    addEntry: (e) => void s.entry.run(e),
    timeline,
    records,
  };
}
