import type { Database } from './db';
import { select } from './sql';

/** One open incident an alert is a member of (nearly always one: a list only when its group key changed while it fired). */
interface Membership {
  id: string;
  firing: boolean;
  next: Membership | null;
}

/**
 * The members of the OPEN incidents, in memory, for the deciding pass: which open incidents an alert belongs to
 * (a resolution asks), whether it fires there, and how many fire in each. The deciding pass is the only writer of
 * incident members, incidents' status and their opening (the incident stage, one connection), so after one read of
 * the open incidents' member rows (lazily, at the first question) the rows need not be asked again: a storm's first
 * deliveries write their rows together (store/loop.ts; `written` writes them before a read here) and read nothing. incident_members has no index by fingerprint: its random
 * inserts were the largest item of a first delivery's WAL pages (0.41 of 1.35 an alert at 30,000). A deciding
 * transaction that rolls back forgets it all (`forget`, router/inbox.ts); the next question reads the rows again.
 */
export function openMembers(db: Database, written: () => void = () => {}) {
  const s = {
    open: select<{ id: string }>(db, `SELECT id FROM alert_incidents WHERE status = 'open'`),
    rows: select<{ incident_id: string; fingerprint: string; status: string }>(
      db,
      `SELECT m.incident_id, m.fingerprint, m.status FROM alert_incidents i JOIN incident_members m ON m.incident_id = i.id
       WHERE i.status = 'open'`,
    ),
    of: select<{ fingerprint: string; status: string }>(db, 'SELECT fingerprint, status FROM incident_members WHERE incident_id = ?'),
  };
  /** fingerprint → its memberships of open incidents. */
  const byFp = new Map<string, Membership>();
  /** open incident id → members firing. */
  const firing = new Map<string, number>();
  let loaded = false;

  const find = (fp: string, id: string): Membership | null => {
    for (let m = byFp.get(fp) ?? null; m; m = m.next) if (m.id === id) return m;
    return null;
  };
  const add = (id: string, fp: string, isFiring: boolean): void => {
    byFp.set(fp, { id, firing: isFiring, next: byFp.get(fp) ?? null });
    if (isFiring) firing.set(id, (firing.get(id) ?? 0) + 1);
  };
  const addOpen = (id: string): void => {
    written();
    firing.set(id, 0);
    for (const r of s.of.all(id)) add(id, r.fingerprint, r.status === 'firing');
  };
  function load(): void {
    if (loaded) return;
    written();
    for (const r of s.open.all()) firing.set(r.id, 0);
    for (const r of s.rows.all()) add(r.incident_id, r.fingerprint, r.status === 'firing');
    loaded = true;
  }

  return {
    /**
     * The member's status as the rows hold it ('firing' | 'resolved'), null when it is not one; undefined when the
     * incident is not open (not known here: ask SQLite).
     */
    status(id: string, fp: string): string | null | undefined {
      load();
      if (!firing.has(id)) return undefined;
      const m = find(fp, id);
      return m ? (m.firing ? 'firing' : 'resolved') : null;
    },
    /** The member row was written with this status (the incident is open). */
    set(id: string, fp: string, status: string): void {
      if (!loaded || !firing.has(id)) return;
      const m = find(fp, id);
      const isFiring = status === 'firing';
      if (!m) return add(id, fp, isFiring);
      if (m.firing !== isFiring) firing.set(id, firing.get(id)! + (isFiring ? 1 : -1));
      m.firing = isFiring;
    },
    /** Ids of the open incidents this alert is a member of. */
    incidentsOf(fp: string): string[] {
      load();
      const ids: string[] = [];
      for (let m = byFp.get(fp) ?? null; m; m = m.next) ids.push(m.id);
      return ids;
    },
    /** Members firing in an open incident; undefined when it is not open. */
    firing(id: string): number | undefined {
      load();
      return firing.get(id);
    },
    /** An incident opened (new) or reopened (its member rows read once). */
    opened(id: string, isNew: boolean): void {
      if (!loaded || firing.has(id)) return;
      if (isNew) firing.set(id, 0);
      else addOpen(id);
    },
    /** An incident resolved: its members leave. */
    closed(id: string): void {
      if (!loaded || !firing.delete(id)) return;
      written();
      for (const r of s.of.all(id)) {
        let prev: Membership | null = null;
        for (let m = byFp.get(r.fingerprint) ?? null; m; prev = m, m = m.next) {
          if (m.id !== id) continue;
          if (prev) prev.next = m.next;
          else if (m.next) byFp.set(r.fingerprint, m.next);
          else byFp.delete(r.fingerprint);
          break;
        }
      }
    },
    /** The transaction that wrote some of this rolled back: read the rows again at the next question. */
    forget(): void {
      byFp.clear();
      firing.clear();
      loaded = false;
    },
  };
}
