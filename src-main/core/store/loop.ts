import type { Database } from './db';

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

/** SQL of the closed loop: heal outcomes and incidents (a PostgreSQL store implements the same interface). */
export interface LoopRepository {
  tx<T>(fn: () => T): T;
  addOutcome(o: OutcomeRow): boolean;
  outcomes(alertname: string, limit: number): OutcomeRow[];
  openIncident(groupKey: string): IncidentRow | null;
  insertIncident(i: IncidentRow): void;
  incident(id: string): IncidentRow | null;
  incidentsOf(fingerprint: string): IncidentRow[];
  listIncidents(limit: number): IncidentRow[];
  /** Add or update a member; returns whether it was new. */
  member(incidentId: string, fingerprint: string, status: string, at: number): boolean;
  firingMembers(incidentId: string): number;
  members(incidentId: string): string[];
  resolve(incidentId: string, at: number): void;
  addEntry(e: EntryRow): void;
  /** Everything that happened to the incident's alerts, from every table, oldest first. */
  timeline(i: IncidentRow): TimelineRecord[];
}

interface IRow {
  id: string;
  group_key: string;
  title: string;
  severity: string;
  status: 'open' | 'resolved';
  labels: string;
  opened_at: number;
  resolved_at: number | null;
}
const toIncident = (r: IRow): IncidentRow => ({
  id: r.id,
  groupKey: r.group_key,
  title: r.title,
  severity: r.severity,
  status: r.status,
  labels: JSON.parse(r.labels) as Record<string, string>,
  openedAt: r.opened_at,
  resolvedAt: r.resolved_at,
});

export function sqliteLoopRepository(db: Database): LoopRepository {
  const s = {
    outcome: db.prepare(
      `INSERT INTO heal_outcomes (at, alertname, fingerprint, host, action, target, fixed, plan_id, detail)
       VALUES (@at, @alertname, @fingerprint, @host, @action, @target, @fixed, @planId, @detail) ON CONFLICT(plan_id) DO NOTHING`,
    ),
    outcomes: db.prepare('SELECT * FROM heal_outcomes WHERE alertname = ? ORDER BY at DESC LIMIT ?'),
    open: db.prepare(`SELECT * FROM alert_incidents WHERE group_key = ? AND status = 'open' ORDER BY opened_at DESC LIMIT 1`),
    insert: db.prepare(
      `INSERT INTO alert_incidents (id, group_key, title, severity, status, labels, opened_at, resolved_at) VALUES (@id, @groupKey, @title, @severity, @status, @labels, @openedAt, @resolvedAt)`,
    ),
    get: db.prepare('SELECT * FROM alert_incidents WHERE id = ?'),
    of: db.prepare(
      'SELECT i.* FROM alert_incidents i JOIN incident_members m ON m.incident_id = i.id WHERE m.fingerprint = ? ORDER BY i.opened_at DESC',
    ),
    list: db.prepare(`SELECT * FROM alert_incidents ORDER BY status = 'open' DESC, opened_at DESC LIMIT ?`),
    memberNew: db.prepare('INSERT OR IGNORE INTO incident_members (incident_id, fingerprint, status, joined_at) VALUES (?, ?, ?, ?)'),
    memberSet: db.prepare('UPDATE incident_members SET status = ? WHERE incident_id = ? AND fingerprint = ?'),
    firing: db.prepare(`SELECT COUNT(*) AS n FROM incident_members WHERE incident_id = ? AND status = 'firing'`),
    members: db.prepare('SELECT fingerprint FROM incident_members WHERE incident_id = ? ORDER BY joined_at'),
    resolve: db.prepare(`UPDATE alert_incidents SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'`),
    entry: db.prepare(
      'INSERT INTO incident_entries (incident_id, at, kind, text, actor, ref) VALUES (@incidentId, @at, @kind, @text, @actor, @ref)',
    ),
  };
  const members = (id: string): string[] => (s.members.all(id) as Array<{ fingerprint: string }>).map((r) => r.fingerprint);

  function timeline(i: IncidentRow): TimelineRecord[] {
    const fps = members(i.id);
    const from = i.openedAt - 1;
    const to = i.resolvedAt ?? Number.MAX_SAFE_INTEGER;
    const inList = (n: number) => Array(n).fill('?').join(',');
    const out: TimelineRecord[] = [];
    const all = <T>(sql: string, ...args: unknown[]): T[] => db.prepare(sql).all(...args) as T[];
    out.push(...all<TimelineRecord>('SELECT at, kind, text, actor, ref FROM incident_entries WHERE incident_id = ?', i.id));
    if (!fps.length) return out.sort((a, b) => a.at - b.at);
    const events = all<{ id: string; received_at: number; status: string; summary: string; fingerprint: string; outcome: string | null }>(
      `SELECT id, received_at, status, summary, fingerprint, outcome FROM events WHERE fingerprint IN (${inList(fps.length)}) AND received_at BETWEEN ? AND ? ORDER BY seq`,
      ...fps,
      from,
      to,
    );
    for (const e of events)
      out.push({
        at: e.received_at,
        kind: 'alert',
        text: `${e.status}: ${e.summary} (${e.outcome ?? 'queued'})`,
        actor: 'source',
        ref: `event:${e.id}`,
      });
    const ids = events.map((e) => e.id);
    if (ids.length) {
      for (const r of all<{ channel: string; state: string; created_at: number; sent_at: number | null; kind: string; title: string }>(
        `SELECT channel, state, created_at, sent_at, json_extract(message, '$.kind') AS kind, json_extract(message, '$.title') AS title FROM outbox
         WHERE json_extract(message, '$.eventId') IN (${inList(ids.length)}) ORDER BY id`,
        ...ids,
      )) {
        out.push({
          at: r.sent_at ?? r.created_at,
          kind: r.kind === 'escalation' ? 'escalation' : 'notification',
          text: `${r.kind} "${r.title}" to ${r.channel}: ${r.state}`,
          actor: 'vigil',
          ref: null,
        });
      }
      for (const p of all<{
        id: string;
        title: string;
        created_by: string;
        created_at: number;
        status: string;
        finished_at: number | null;
        error: string | null;
        approvals: string;
      }>(
        `SELECT id, title, created_by, created_at, status, finished_at, error, approvals FROM plans WHERE event_id IN (${inList(ids.length)})`,
        ...ids,
      )) {
        out.push({
          at: p.created_at,
          kind: 'plan',
          text: `plan "${p.title}" proposed by ${p.created_by}`,
          actor: p.created_by,
          ref: `plan:${p.id}`,
        });
        for (const a of JSON.parse(p.approvals) as Array<{
          decidedAt: number | null;
          decidedBy: string | null;
          status: string;
          question: string;
        }>) {
          if (a.decidedAt)
            out.push({
              at: a.decidedAt,
              kind: 'approval',
              text: `${a.status}: ${a.question}`,
              actor: a.decidedBy ?? 'unknown',
              ref: `plan:${p.id}`,
            });
        }
        if (p.finished_at)
          out.push({
            at: p.finished_at,
            kind: 'plan',
            text: `plan "${p.title}" ${p.status}${p.error ? `: ${p.error}` : ''}`,
            actor: 'elephant',
            ref: `plan:${p.id}`,
          });
      }
      for (const h of all<{ at: number; command: string; host: string; result: string; actor: string; exit_code: number | null }>(
        `SELECT l.at, l.command, l.host, l.result, l.actor, l.exit_code FROM heal_log l JOIN heal_approvals a ON a.id = l.approval_id WHERE a.event_id IN (${inList(ids.length)}) ORDER BY l.id`,
        ...ids,
      )) {
        out.push({
          at: h.at,
          kind: 'heal',
          text: `${h.command} on ${h.host}: ${h.result}${h.exit_code !== null ? ` (exit ${h.exit_code})` : ''}`,
          actor: h.actor,
          ref: null,
        });
      }
    }
    for (const a of all<{ at: number; by: string; via: string; action: string; note: string | null; fingerprint: string }>(
      `SELECT at, by, via, action, note, fingerprint FROM alert_ack_log WHERE fingerprint IN (${inList(fps.length)}) AND at BETWEEN ? AND ?`,
      ...fps,
      from,
      to,
    )) {
      out.push({ at: a.at, kind: 'ack', text: `${a.action} via ${a.via}${a.note ? `: ${a.note}` : ''}`, actor: a.by, ref: null });
    }
    return out.sort((a, b) => a.at - b.at);
  }

  return {
    tx: (fn) => db.transaction(fn)(),
    addOutcome: (o) => s.outcome.run({ ...o, fixed: o.fixed ? 1 : 0 }).changes === 1,
    outcomes: (alertname, limit) =>
      (s.outcomes.all(alertname, limit) as Array<Omit<OutcomeRow, 'fixed' | 'planId'> & { fixed: number; plan_id: string }>).map((r) => ({
        ...r,
        fixed: r.fixed === 1,
        planId: r.plan_id,
      })),
    openIncident: (key) => {
      const r = s.open.get(key) as IRow | undefined;
      return r ? toIncident(r) : null;
    },
    insertIncident: (i) => void s.insert.run({ ...i, labels: JSON.stringify(i.labels) }),
    incident: (id) => {
      const r = s.get.get(id) as IRow | undefined;
      return r ? toIncident(r) : null;
    },
    incidentsOf: (fp) => (s.of.all(fp) as IRow[]).map(toIncident),
    listIncidents: (limit) => (s.list.all(limit) as IRow[]).map(toIncident),
    member(id, fp, status, at) {
      const added = s.memberNew.run(id, fp, status, at).changes === 1;
      if (!added) s.memberSet.run(status, id, fp);
      return added;
    },
    firingMembers: (id) => (s.firing.get(id) as { n: number }).n,
    members,
    resolve: (id, at) => void s.resolve.run(at, id),
    addEntry: (e) => void s.entry.run(e),
    timeline,
  };
}
