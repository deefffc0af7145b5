import type { Database } from './db';
import { select } from './sql';

/** One open incident an alert is a member of, in a list (only when its group key changed while it fired: two or more). */
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
 *
 * An alert in one open incident (nearly every one) is a small integer, its incident's slot and whether it fires
 * (`slot * 2 + 1` firing, `slot * 2` not): held in the map itself, no object of its own for the scavenger to copy
 * (R-SCALE-44: an object each was ~48 bytes of the decider's live heap an alert). Two or more: a list.
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
  /** fingerprint → its memberships of open incidents: one packed (slot and firing), or a list. */
  const byFp = new Map<string, number | Membership>();
  /** open incident id → members firing. */
  const firing = new Map<string, number>();
  /** open incident id → its slot; slot → id (a closed incident's slot is given to the next one opened). */
  const slotOf = new Map<string, number>();
  const ids: Array<string | null> = [];
  const free: number[] = [];
  let loaded = false;

  const known = (id: string): void => {
    firing.set(id, 0);
    if (slotOf.has(id)) return;
    const slot = free.length ? free.pop()! : ids.length;
    ids[slot] = id;
    slotOf.set(id, slot);
  };
  const add = (id: string, fp: string, isFiring: boolean): void => {
    const had = byFp.get(fp);
    if (had === undefined) byFp.set(fp, slotOf.get(id)! * 2 + (isFiring ? 1 : 0));
    else {
      const rest = typeof had === 'number' ? { id: ids[had >> 1]!, firing: (had & 1) === 1, next: null } : had;
      byFp.set(fp, { id, firing: isFiring, next: rest });
    }
    if (isFiring) firing.set(id, (firing.get(id) ?? 0) + 1);
  };
  /** The member's status: true firing, false resolved, null not a member. */
  const firingIn = (fp: string, id: string): boolean | null => {
    const v = byFp.get(fp);
    if (v === undefined) return null;
    if (typeof v === 'number') return ids[v >> 1] === id ? (v & 1) === 1 : null;
    for (let m: Membership | null = v; m; m = m.next) if (m.id === id) return m.firing;
    return null;
  };
  const addOpen = (id: string): void => {
    written();
    known(id);
    for (const r of s.of.all(id)) add(id, r.fingerprint, r.status === 'firing');
  };
  function load(): void {
    if (loaded) return;
    written();
    for (const r of s.open.all()) known(r.id);
    for (const r of s.rows.all()) add(r.incident_id, r.fingerprint, r.status === 'firing');
    loaded = true;
  }
  /** The alert leaves this (closed) incident. */
  const leave = (fp: string, id: string): void => {
    const v = byFp.get(fp);
    if (v === undefined) return;
    if (typeof v === 'number') {
      if (ids[v >> 1] === id) byFp.delete(fp);
      return;
    }
    let prev: Membership | null = null;
    for (let m: Membership | null = v; m; prev = m, m = m.next) {
      if (m.id !== id) continue;
      if (prev) prev.next = m.next;
      else if (m.next) byFp.set(fp, m.next);
      else byFp.delete(fp);
      return;
    }
  };

  return {
    /**
     * The member's status as the rows hold it ('firing' | 'resolved'), null when it is not one; undefined when the
     * incident is not open (not known here: ask SQLite).
     */
    status(id: string, fp: string): string | null | undefined {
      load();
      if (!firing.has(id)) return undefined;
      const f = firingIn(fp, id);
      return f === null ? null : f ? 'firing' : 'resolved';
    },
    /** The member row was written with this status (the incident is open). */
    set(id: string, fp: string, status: string): void {
      if (!loaded || !firing.has(id)) return;
      const isFiring = status === 'firing';
      const was = firingIn(fp, id);
      if (was === null) return add(id, fp, isFiring);
      if (was === isFiring) return;
      firing.set(id, firing.get(id)! + (isFiring ? 1 : -1));
      const v = byFp.get(fp)!;
      if (typeof v === 'number') byFp.set(fp, (v & ~1) | (isFiring ? 1 : 0));
      else for (let m: Membership | null = v; m; m = m.next) if (m.id === id) m.firing = isFiring;
    },
    /** Ids of the open incidents this alert is a member of. */
    incidentsOf(fp: string): string[] {
      load();
      const v = byFp.get(fp);
      if (v === undefined) return [];
      if (typeof v === 'number') return [ids[v >> 1]!];
      const out: string[] = [];
      for (let m: Membership | null = v; m; m = m.next) out.push(m.id);
      return out;
    },
    /** Members firing in an open incident; undefined when it is not open. */
    firing(id: string): number | undefined {
      load();
      return firing.get(id);
    },
    /** An incident opened (new) or reopened (its member rows read once). */
    opened(id: string, isNew: boolean): void {
      if (!loaded || firing.has(id)) return;
      if (isNew) known(id);
      else addOpen(id);
    },
    /** An incident resolved: its members leave. */
    closed(id: string): void {
      if (!loaded || !firing.delete(id)) return;
      written();
      for (const r of s.of.all(id)) leave(r.fingerprint, id);
      const slot = slotOf.get(id)!;
      slotOf.delete(id);
      ids[slot] = null;
      free.push(slot);
    },
    /** The transaction that wrote some of this rolled back: read the rows again at the next question. */
    forget(): void {
      byFp.clear();
      firing.clear();
      slotOf.clear();
      ids.length = 0;
      free.length = 0;
      loaded = false;
    },
  };
}
