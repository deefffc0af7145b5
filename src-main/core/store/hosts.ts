import type { Database } from './db';
import { select } from './sql';

export interface PinnedKey {
  host: string;
  fingerprint: string;
  acceptedBy: string;
  acceptedAt: number;
}

export interface HostStatusRow {
  host: string;
  status: string;
  detail: string;
  seenFingerprint: string | null;
  checkedAt: number | null;
  insideStatus: string | null;
  insideDetail: string | null;
  insideAt: number | null;
}

/** Host keys accepted in the console and the last known state of each host. */
export interface HostRepository {
  pinned(host: string): PinnedKey | undefined;
  pin(k: PinnedKey): void;
  status(host: string): HostStatusRow | undefined;
  setStatus(host: string, s: { status: string; detail: string; seenFingerprint?: string | null; at: number }): void;
  setInside(host: string, s: { status: string; detail: string; at: number }): void;
}

export function sqliteHostRepository(db: Database): HostRepository {
  const pinnedStmt = select<PinnedKey>(
    db,
    'SELECT host, fingerprint, accepted_by AS acceptedBy, accepted_at AS acceptedAt FROM host_keys WHERE host = ?',
  );
  const pinStmt = db.prepare(
    'INSERT INTO host_keys (host, fingerprint, accepted_by, accepted_at) VALUES (@host, @fingerprint, @acceptedBy, @acceptedAt) ON CONFLICT(host) DO UPDATE SET fingerprint = excluded.fingerprint, accepted_by = excluded.accepted_by, accepted_at = excluded.accepted_at',
  );
  const statusStmt = select<HostStatusRow>(
    db,
    'SELECT host, status, detail, seen_fingerprint AS seenFingerprint, checked_at AS checkedAt, inside_status AS insideStatus, inside_detail AS insideDetail, inside_at AS insideAt FROM host_status WHERE host = ?',
  );
  const setStatusStmt = db.prepare(
    `INSERT INTO host_status (host, status, detail, seen_fingerprint, checked_at) VALUES (@host, @status, @detail, @seen, @at)
     ON CONFLICT(host) DO UPDATE SET status = excluded.status, detail = excluded.detail, checked_at = excluded.checked_at,
       seen_fingerprint = COALESCE(excluded.seen_fingerprint, host_status.seen_fingerprint)`,
  );
  const setInsideStmt = db.prepare(
    `INSERT INTO host_status (host, inside_status, inside_detail, inside_at) VALUES (@host, @status, @detail, @at)
     ON CONFLICT(host) DO UPDATE SET inside_status = excluded.inside_status, inside_detail = excluded.inside_detail, inside_at = excluded.inside_at`,
  );
  return {
    pinned: (host) => pinnedStmt.get(host),
    pin: (k) => void pinStmt.run(k),
    status: (host) => statusStmt.get(host),
    setStatus: (host, s) => void setStatusStmt.run({ host, status: s.status, detail: s.detail, seen: s.seenFingerprint ?? null, at: s.at }),
    setInside: (host, s) => void setInsideStmt.run({ host, ...s }),
  };
}
