import type { Database } from 'better-sqlite3';
import type { Matcher } from '../../../src-shared/api/events';
import { fromJson, select, type JsonText } from './sql';

export interface SilenceRecord {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  expiredAt: number | null;
}

export interface SilenceStore {
  create(s: SilenceRecord): void;
  get(id: string): SilenceRecord | null;
  /** Silences not yet ended at `now` (active or pending). */
  current(now: number): SilenceRecord[];
  list(includeEnded: boolean, now: number): SilenceRecord[];
  expire(id: string, at: number): void;
}

interface Row {
  id: string;
  matchers: JsonText<Matcher[]>;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
  expired_at: number | null;
}

const toRecord = (r: Row): SilenceRecord => ({
  id: r.id,
  matchers: fromJson(r.matchers),
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  createdBy: r.created_by,
  comment: r.comment,
  createdAt: r.created_at,
  expiredAt: r.expired_at,
});

export function sqliteSilenceStore(db: Database): SilenceStore {
  const ins = db.prepare(
    `INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = select<Row>(db, `SELECT * FROM silences WHERE id = ?`);
  const current = select<Row>(db, `SELECT * FROM silences WHERE ends_at > ? ORDER BY starts_at`);
  const all = select<Row>(db, `SELECT * FROM silences ORDER BY created_at DESC LIMIT 1000`);
  // Expiring moves ends_at to now, so "current" needs one range condition only.
  const expire = db.prepare(`UPDATE silences SET expired_at = ?, ends_at = min(ends_at, ?) WHERE id = ?`);
  return {
    create: (s) => void ins.run(s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment, s.createdAt),
    get(id) {
      const r = get.get(id);
      return r ? toRecord(r) : null;
    },
    current: (now) => current.all(now).map(toRecord),
    list: (includeEnded, now) => (includeEnded ? all.all() : current.all(now)).map(toRecord),
    expire: (id, at) => void expire.run(at, at, id),
  };
}
