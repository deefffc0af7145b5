import type { Database } from 'better-sqlite3';
import { counter, fromJson, select, type JsonText } from './sql';

export type EscalationState = 'armed' | 'fired' | 'cancelled';

/** One step of an alert's escalation chain: a durable timer (R-NOTIFY-5). */
export interface Escalation {
  id: number;
  fingerprint: string;
  /** firstSeen of the firing episode the chain belongs to. */
  episode: number;
  step: number;
  steps: number;
  afterMs: number;
  channels: string[];
  eventId: string;
  notifiedChannels: string[];
  notifiedAt: number;
  dueAt: number;
  state: EscalationState;
  firedAt: number | null;
  late: boolean;
  lateReason: string | null;
  cancelledAt: number | null;
  cancelReason: string | null;
  rearmedAt: number | null;
  rearmedBy: string | null;
}

export type NewEscalation = Pick<
  Escalation,
  'fingerprint' | 'episode' | 'step' | 'steps' | 'afterMs' | 'channels' | 'eventId' | 'notifiedChannels' | 'notifiedAt' | 'dueAt'
>;

export interface EscalationStore {
  /** Arm steps; a step already present for the episode is left alone. Returns how many were new. */
  arm(rows: NewEscalation[]): number;
  get(id: number): Escalation | null;
  /** Armed steps due at `now`, oldest first. */
  due(now: number, limit: number): Escalation[];
  /** The earliest due time of an armed step, or null. */
  nextDue(): number | null;
  /** armed → fired; false if the step was no longer armed. `late` (default: a reason is given) false: it fired early, for the reason. */
  markFired(id: number, at: number, lateReason: string | null, late?: boolean): boolean;
  cancel(id: number, at: number, reason: string): boolean;
  /** Cancel every armed step of a fingerprint; returns how many. */
  cancelAll(fingerprint: string, at: number, reason: string): number;
  /** Steps of one episode, in step order. */
  ofEpisode(fingerprint: string, episode: number): Escalation[];
  /** Steps of the latest episode that has any. */
  latest(fingerprint: string): Escalation[];
  /** An armed step made due now (a heal that did not help escalates at once). */
  dueNow(id: number, now: number): boolean;
  /** A cancelled step armed again (un-acknowledged). */
  rearm(id: number, dueAt: number, at: number, by: string): boolean;
  /** Fingerprints among `fps` with a fired step in their latest episode. */
  escalatedAmong(fps: Array<{ fingerprint: string; episode: number }>): Set<string>;
  /** Armed steps, the earliest due time among them, and steps fired since `since`. */
  counts(since: number): { armed: number; earliestDue: number | null; firedSince: number };
}

interface Row {
  id: number;
  fingerprint: string;
  episode: number;
  step: number;
  steps: number;
  after_ms: number;
  channels: JsonText<string[]>;
  event_id: string;
  notified_channels: JsonText<string[]>;
  notified_at: number;
  due_at: number;
  state: EscalationState;
  fired_at: number | null;
  late: number;
  late_reason: string | null;
  cancelled_at: number | null;
  cancel_reason: string | null;
  rearmed_at: number | null;
  rearmed_by: string | null;
}

const toEscalation = (r: Row): Escalation => ({
  id: r.id,
  fingerprint: r.fingerprint,
  episode: r.episode,
  step: r.step,
  steps: r.steps,
  afterMs: r.after_ms,
  channels: fromJson(r.channels),
  eventId: r.event_id,
  notifiedChannels: fromJson(r.notified_channels),
  notifiedAt: r.notified_at,
  dueAt: r.due_at,
  state: r.state,
  firedAt: r.fired_at,
  late: r.late === 1,
  lateReason: r.late_reason,
  cancelledAt: r.cancelled_at,
  cancelReason: r.cancel_reason,
  rearmedAt: r.rearmed_at,
  rearmedBy: r.rearmed_by,
});

export function sqliteEscalationStore(db: Database): EscalationStore {
  const s = {
    arm: db.prepare(
      `INSERT INTO escalations (fingerprint, episode, step, steps, after_ms, channels, event_id, notified_channels, notified_at, due_at, state)
       VALUES (@fingerprint, @episode, @step, @steps, @afterMs, @channels, @eventId, @notifiedChannels, @notifiedAt, @dueAt, 'armed')
       ON CONFLICT (fingerprint, episode, step) DO NOTHING`,
    ),
    get: select<Row>(db, `SELECT * FROM escalations WHERE id = ?`),
    due: select<Row>(db, `SELECT * FROM escalations WHERE state = 'armed' AND due_at <= ? ORDER BY due_at, id LIMIT ?`),
    nextDue: select<{ t: number | null }>(db, `SELECT min(due_at) AS t FROM escalations WHERE state = 'armed'`),
    fired: db.prepare(`UPDATE escalations SET state = 'fired', fired_at = ?, late = ?, late_reason = ? WHERE id = ? AND state = 'armed'`),
    cancel: db.prepare(`UPDATE escalations SET state = 'cancelled', cancelled_at = ?, cancel_reason = ? WHERE id = ? AND state = 'armed'`),
    cancelAll: db.prepare(
      `UPDATE escalations SET state = 'cancelled', cancelled_at = ?, cancel_reason = ? WHERE fingerprint = ? AND state = 'armed'`,
    ),
    episode: select<Row>(db, `SELECT * FROM escalations WHERE fingerprint = ? AND episode = ? ORDER BY step`),
    latest: select<Row>(
      db,
      `SELECT * FROM escalations WHERE fingerprint = ? AND episode = (SELECT max(episode) FROM escalations WHERE fingerprint = ?) ORDER BY step`,
    ),
    rearm: db.prepare(
      `UPDATE escalations SET state = 'armed', due_at = ?, cancelled_at = NULL, cancel_reason = NULL, rearmed_at = ?, rearmed_by = ? WHERE id = ? AND state = 'cancelled'`,
    ),
    escalated: select<{ fingerprint: string }>(
      db,
      `SELECT DISTINCT e.fingerprint FROM escalations e JOIN json_each(?) j
         ON e.fingerprint = json_extract(j.value, '$.fingerprint') AND e.episode = json_extract(j.value, '$.episode')
       WHERE e.state = 'fired'`,
    ),
    armed: select<{ n: number; oldest: number | null }>(
      db,
      `SELECT count(*) AS n, min(due_at) AS oldest FROM escalations WHERE state = 'armed'`,
    ),
    firedSince: counter(db, `SELECT count(*) AS n FROM escalations WHERE state = 'fired' AND fired_at >= ?`),
  };
  return {
    arm(rows) {
      let n = 0;
      for (const r of rows)
        n += s.arm.run({ ...r, channels: JSON.stringify(r.channels), notifiedChannels: JSON.stringify(r.notifiedChannels) }).changes;
      return n;
    },
    get(id) {
      const r = s.get.get(id);
      return r ? toEscalation(r) : null;
    },
    due: (now, limit) => s.due.all(now, limit).map(toEscalation),
    nextDue: () => s.nextDue.get()?.t ?? null,
    markFired: (id, at, lateReason, late = lateReason !== null) => s.fired.run(at, late ? 1 : 0, lateReason, id).changes === 1,
    cancel: (id, at, reason) => s.cancel.run(at, reason, id).changes === 1,
    cancelAll: (fp, at, reason) => s.cancelAll.run(at, reason, fp).changes,
    ofEpisode: (fp, ep) => s.episode.all(fp, ep).map(toEscalation),
    latest: (fp) => s.latest.all(fp, fp).map(toEscalation),
    rearm: (id, dueAt, at, by) => s.rearm.run(dueAt, at, by, id).changes === 1,
    dueNow: (id, now) =>
      db.prepare(`UPDATE escalations SET due_at = ? WHERE id = ? AND state = 'armed' AND due_at > ?`).run(now, id, now).changes === 1,
    escalatedAmong: (fps) => new Set(s.escalated.all(JSON.stringify(fps)).map((r) => r.fingerprint)),
    counts(since) {
      const a = s.armed.get();
      return { armed: a?.n ?? 0, earliestDue: a?.oldest ?? null, firedSince: s.firedSince(since) };
    },
  };
}
