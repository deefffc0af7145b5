import type { ChangeKind, ChangeReview } from '../../../src-shared/api/changes';
import type { Database } from './db';
import { fromJson, select, type JsonText } from './sql';

export interface ChangeRow {
  id: string;
  kind: ChangeKind;
  service: string | null;
  hosts: string[];
  version: string | null;
  commit: string | null;
  author: string | null;
  link: string | null;
  at: number;
  summary: string | null;
  diff: string | null;
  source: string;
  extKey: string | null;
  receivedAt: number;
  review: ChangeReview | null;
  planId: string | null;
}

/** SQL for changes; a PostgreSQL store implements the same interface. */
export interface ChangeRepository {
  /** Insert; with an ext_key already stored, nothing is written and the stored row is returned. */
  insert(c: ChangeRow): { row: ChangeRow; created: boolean };
  get(id: string): ChangeRow | null;
  list(f: { limit: number; service?: string; host?: string; since?: number }): ChangeRow[];
  /** Changes in [from, to] that touched the service or any of the hosts, newest first. */
  near(f: { service: string | null; hosts: string[]; from: number; to: number; limit: number }): ChangeRow[];
  setReview(id: string, review: ChangeReview, planId: string | null): void;
}

interface Row {
  id: string;
  kind: ChangeKind;
  service: string | null;
  hosts: JsonText<string[]>;
  version: string | null;
  commit_sha: string | null;
  author: string | null;
  link: string | null;
  at: number;
  summary: string | null;
  diff: string | null;
  source: string;
  ext_key: string | null;
  received_at: number;
  review: JsonText<ChangeReview> | null;
  plan_id: string | null;
}

const toChange = (r: Row): ChangeRow => ({
  id: r.id,
  kind: r.kind,
  service: r.service,
  hosts: fromJson(r.hosts),
  version: r.version,
  commit: r.commit_sha,
  author: r.author,
  link: r.link,
  at: r.at,
  summary: r.summary,
  diff: r.diff,
  source: r.source,
  extKey: r.ext_key,
  receivedAt: r.received_at,
  review: r.review ? fromJson(r.review) : null,
  planId: r.plan_id,
});

export function sqliteChangeRepository(db: Database): ChangeRepository {
  const s = {
    insert: db.prepare(
      `INSERT INTO changes (id, kind, service, hosts, version, commit_sha, author, link, at, summary, diff, source, ext_key, received_at, review, plan_id)
       VALUES (@id, @kind, @service, @hosts, @version, @commit, @author, @link, @at, @summary, @diff, @source, @extKey, @receivedAt, NULL, NULL)
       ON CONFLICT(ext_key) DO NOTHING`,
    ),
    host: db.prepare('INSERT OR IGNORE INTO change_hosts (change_id, host, at) VALUES (?, ?, ?)'),
    get: select<Row>(db, 'SELECT * FROM changes WHERE id = ?'),
    byExt: select<Row>(db, 'SELECT * FROM changes WHERE ext_key = ?'),
    review: db.prepare('UPDATE changes SET review = ?, plan_id = ? WHERE id = ?'),
  };
  const get = (id: string): ChangeRow | null => {
    const r = s.get.get(id);
    return r ? toChange(r) : null;
  };
  return {
    insert(c) {
      return db
        .transaction(() => {
          const n = s.insert.run({ ...c, hosts: JSON.stringify(c.hosts) }).changes;
          if (n === 0) return { row: toChange(s.byExt.get(c.extKey)!), created: false };
          for (const h of c.hosts) s.host.run(c.id, h, c.at);
          return { row: c, created: true };
        })
        .immediate(); // IMMEDIATE: see Stores.transaction
    },
    get,
    list(f) {
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        where.push(sql);
        args.push(v);
      };
      if (f.service) add('service = ?', f.service);
      if (f.host) add('id IN (SELECT change_id FROM change_hosts WHERE host = ?)', f.host);
      if (f.since !== undefined) add('at >= ?', f.since);
      const sql = `SELECT * FROM changes ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY at DESC, id LIMIT ?`;
      return select<Row>(db, sql)
        .all(...args, f.limit)
        .map(toChange);
    },
    near(f) {
      const parts: string[] = [];
      const args: unknown[] = [];
      if (f.service) {
        parts.push('SELECT id FROM changes WHERE service = ? AND at BETWEEN ? AND ?');
        args.push(f.service, f.from, f.to);
      }
      if (f.hosts.length) {
        parts.push(`SELECT change_id FROM change_hosts WHERE host IN (${f.hosts.map(() => '?').join(',')}) AND at BETWEEN ? AND ?`);
        args.push(...f.hosts, f.from, f.to);
      }
      if (!parts.length) return [];
      const sql = `SELECT * FROM changes WHERE id IN (${parts.join(' UNION ')}) ORDER BY at DESC, id LIMIT ?`;
      return select<Row>(db, sql)
        .all(...args, f.limit)
        .map(toChange);
    },
    setReview: (id, review, planId) => void s.review.run(JSON.stringify(review), planId, id),
  };
}
