import type { Person, Role, SessionInfo } from '../../../src-shared/api/people';
import type { Severity } from '../../../src-shared/constants';
import type { Database } from './db';
import { counter, fromJson, select, type JsonText } from './sql';

export interface PersonRow extends Person {
  tokenHash: string;
}
export interface SessionRow extends SessionInfo {
  revokedAt: number | null;
}

/** People, intake tokens and sessions; lookups are by token hash. */
export interface PeopleRepository {
  count(): number;
  list(): Person[];
  get(name: string): Person | null;
  /**
   * Whom a token's hash belongs to: a person, else an intake token's name, else nobody. Remembered while
   * token_owners_version stands (outside transactions), so a request reads one row instead of the token's.
   */
  tokenOwner(hash: string): { person: Person } | { intake: string } | null;
  byTelegram(id: string): Person | null;
  insert(p: PersonRow): void;
  update(name: string, patch: { role?: Role; telegram?: string | null }): void;
  setToken(name: string, hash: string, at: number): void;
  remove(name: string): boolean;
  /** Which severities reach this person's desktop; null = all. */
  notifySeverities(name: string): Severity[] | null;
  setNotifySeverities(name: string, severities: Severity[] | null): void;
  notifyPausedUntil(name: string): number | null;
  setNotifyPausedUntil(name: string, until: number | null): void;
  intake: {
    list(): Array<{ name: string; createdAt: number }>;
    insert(name: string, hash: string, at: number): void;
    remove(name: string): boolean;
  };
  sessions: {
    insert(s: SessionRow & { secretHash: string }): void;
    bySecretHash(hash: string): SessionRow | null;
    touch(id: string, at: number): void;
    revoke(id: string, at: number): boolean;
    revokePerson(person: string, at: number): void;
    live(now: number): SessionInfo[];
  };
}

type PRow = { name: string; role: Role; telegram: string | null; created_at: number; token_issued_at: number };
const person = (r: PRow | undefined): Person | null =>
  r ? { name: r.name, role: r.role, telegram: r.telegram, createdAt: r.created_at, tokenIssuedAt: r.token_issued_at } : null;
type SRow = {
  id: string;
  person: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  user_agent: string;
  revoked_at: number | null;
};
const session = (r: SRow): SessionRow => ({
  id: r.id,
  person: r.person,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastSeenAt: r.last_seen_at,
  userAgent: r.user_agent,
  revokedAt: r.revoked_at,
});

export function sqlitePeopleRepository(db: Database): PeopleRepository {
  const cols = 'name, role, telegram, created_at, token_issued_at';
  const byHash = select<PRow>(db, `SELECT ${cols} FROM people WHERE token_hash = ?`);
  const byName = select<PRow>(db, `SELECT ${cols} FROM people WHERE name = ?`);
  const byTg = select<PRow>(db, `SELECT ${cols} FROM people WHERE telegram = ?`);
  // Prepared once: every request with an intake token looks it up.
  const intakeByHash = select<{ name: string }>(db, 'SELECT name FROM intake_tokens WHERE token_hash = ?');
  const sCols = 'id, person, created_at, expires_at, last_seen_at, user_agent, revoked_at';
  const count = counter(db, 'SELECT COUNT(*) AS n FROM people');
  const owners = tokenOwners(db, (hash) => {
    const p = person(byHash.get(hash));
    if (p) return { person: p };
    const intake = intakeByHash.get(hash)?.name;
    return intake === undefined ? null : { intake };
  });
  return {
    count: () => count(),
    list: () =>
      select<PRow>(db, `SELECT ${cols} FROM people ORDER BY name`)
        .all()
        .map((r) => person(r)!),
    get: (name) => person(byName.get(name)),
    tokenOwner: owners,
    byTelegram: (id) => person(byTg.get(id)),
    insert: (p) =>
      void db
        .prepare('INSERT INTO people (name, role, token_hash, telegram, created_at, token_issued_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(p.name, p.role, p.tokenHash, p.telegram, p.createdAt, p.tokenIssuedAt),
    update(name, patch) {
      if (patch.role !== undefined) db.prepare('UPDATE people SET role = ? WHERE name = ?').run(patch.role, name);
      if (patch.telegram !== undefined) db.prepare('UPDATE people SET telegram = ? WHERE name = ?').run(patch.telegram, name);
    },
    setToken: (name, hash, at) =>
      void db.prepare('UPDATE people SET token_hash = ?, token_issued_at = ? WHERE name = ?').run(hash, at, name),
    notifySeverities(name) {
      const r = select<{ s: JsonText<Severity[]> | null }>(db, 'SELECT notify_severities AS s FROM people WHERE name = ?').get(name);
      return r?.s ? fromJson(r.s) : null;
    },
    setNotifySeverities: (name, severities) =>
      void db.prepare('UPDATE people SET notify_severities = ? WHERE name = ?').run(severities ? JSON.stringify(severities) : null, name),
    notifyPausedUntil: (name) =>
      select<{ u: number | null }>(db, 'SELECT notify_paused_until AS u FROM people WHERE name = ?').get(name)?.u ?? null,
    setNotifyPausedUntil: (name, until) => void db.prepare('UPDATE people SET notify_paused_until = ? WHERE name = ?').run(until, name),
    remove: (name) => db.prepare('DELETE FROM people WHERE name = ?').run(name).changes > 0,
    intake: {
      list: () =>
        select<{ name: string; createdAt: number }>(db, 'SELECT name, created_at AS createdAt FROM intake_tokens ORDER BY name').all(),
      insert: (name, hash, at) =>
        void db.prepare('INSERT INTO intake_tokens (name, token_hash, created_at) VALUES (?, ?, ?)').run(name, hash, at),
      remove: (name) => db.prepare('DELETE FROM intake_tokens WHERE name = ?').run(name).changes > 0,
    },
    sessions: {
      insert: (s) =>
        void db
          .prepare(
            'INSERT INTO sessions (id, secret_hash, person, created_at, expires_at, last_seen_at, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(s.id, s.secretHash, s.person, s.createdAt, s.expiresAt, s.lastSeenAt, s.userAgent),
      bySecretHash(hash) {
        const r = select<SRow>(db, `SELECT ${sCols} FROM sessions WHERE secret_hash = ?`).get(hash);
        return r ? session(r) : null;
      },
      touch: (id, at) => void db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id),
      revoke: (id, at) => db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0,
      revokePerson: (p, at) => void db.prepare('UPDATE sessions SET revoked_at = ? WHERE person = ? AND revoked_at IS NULL').run(at, p),
      live: (now) =>
        select<SRow>(db, `SELECT ${sCols} FROM sessions WHERE revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC`)
          .all(now)
          .map((r) => {
            const { revokedAt: _r, ...info } = session(r);
            return info;
          }),
    },
  };
}

/** How many presented tokens' owners are remembered (a flood of wrong tokens only empties the memory). */
const OWNERS_MAX = 1_000;

/**
 * `read`, remembered per hash while token_owners_version stands. The version is read first: a change committed after
 * it moves the number past the remembered one, so what was read after it is never kept longer than it holds. Inside
 * a transaction every call reads (what it wrote may yet roll back, and the number with it).
 */
function tokenOwners<T>(db: Database, read: (hash: string) => T): (hash: string) => T {
  const version = select<{ n: number }>(db, 'SELECT n FROM token_owners_version WHERE id = 1');
  const known = new Map<string, T>();
  let knownAt = -1;
  return (hash) => {
    if (db.inTransaction) return read(hash);
    const v = version.get()?.n ?? -1;
    if (v !== knownAt || known.size >= OWNERS_MAX) known.clear();
    knownAt = v;
    if (known.has(hash)) return known.get(hash) as T;
    const owner = read(hash);
    known.set(hash, owner);
    return owner;
  };
}
