import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { VigilError } from '../errors';
import type { AuditQuery, AuditRow, Stores } from '../store';

export type { AuditRow, AuditQuery };

/** What an area records: who did what to which subject, with structured detail. */
export interface AuditEntry {
  actor: string;
  action: string;
  subject?: string;
  detail?: Record<string, unknown>;
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  /** First row whose prev_hash or hash does not match (null when ok). */
  firstBroken: { id: number; reason: string } | null;
}

export interface Audit {
  /** Append one entry to the chain. Throws VigilError('unavailable') if it cannot be written: callers must not act then. */
  append(entry: AuditEntry): AuditRow;
  list(q?: AuditQuery): AuditRow[];
  verifyChain(): ChainReport;
}

export const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** hash = sha256(prev_hash + canonical JSON of the row's content, id included so rows cannot be reordered). */
export function rowHash(prevHash: string, r: Pick<AuditRow, 'id' | 'at' | 'actor' | 'action' | 'subject' | 'detail'>): string {
  return sha256(prevHash + canonicalJson({ id: r.id, at: r.at, actor: r.actor, action: r.action, subject: r.subject, detail: r.detail }));
}

/**
 * Walk a chain from the genesis row. `rows` is the archive (oldest rows, moved out by retention) followed
 * by the live table; a row present in both (a crash between archiving and deleting) is read once.
 */
const RECENT = 10_000;

export function verifyRows(rows: Iterable<AuditRow>): ChainReport {
  let prev = GENESIS;
  let count = 0;
  let expectId = 1;
  // Hashes of the most recent rows, so a live row that is also in the archive is recognised (one retention batch at most).
  const recent = new Map<number, string>();
  for (const r of rows) {
    if (r.id < expectId && recent.get(r.id) === r.hash) continue;
    count++;
    const broken = (reason: string): ChainReport => ({ ok: false, rows: count, firstBroken: { id: r.id, reason } });
    if (r.id !== expectId) return broken(`row ${expectId} is missing (next row is ${r.id})`);
    if (r.prevHash !== prev) return broken('prev_hash does not match the previous row');
    if (rowHash(prev, r) !== r.hash) return broken('hash does not match the row content (edited)');
    prev = r.hash;
    recent.set(r.id, r.hash);
    recent.delete(r.id - RECENT);
    expectId++;
  }
  return { ok: true, rows: count, firstBroken: null };
}

export interface AuditOptions {
  /** Told after each row, so the Audit page refetches (every area appends here, not only remote). */
  appended?: () => void;
  /** The rows retention moved to the NDJSON archive, oldest first (none when nothing was archived). */
  archive?: () => Iterable<AuditRow>;
}

export function createAudit(stores: Pick<Stores, 'audit' | 'transaction'>, clock: Clock, opts: AuditOptions = {}): Audit {
  const repo = stores.audit;
  const appended = opts.appended ?? (() => undefined);
  const archive = opts.archive ?? (() => []);
  return {
    append(entry) {
      let written: AuditRow;
      try {
        written = stores.transaction(() => {
          const last = repo.last();
          const prevHash = last?.hash ?? GENESIS;
          const base = {
            id: (last?.id ?? 0) + 1,
            at: clock.now(),
            actor: entry.actor,
            action: entry.action,
            subject: entry.subject ?? '',
            detail: canonicalJson(entry.detail ?? {}),
          };
          const row: AuditRow = { ...base, prevHash, hash: rowHash(prevHash, base) };
          repo.insert(row);
          return row;
        }, 'immediate');
      } catch (e) {
        throw new VigilError(
          'unavailable',
          `The audit log cannot be written (${(e as Error).message}); nothing was done. Check the data directory's disk and permissions.`,
        );
      }
      appended();
      return written;
    },
    list: (q = {}) => repo.list(q),
    verifyChain() {
      // The live iterator opens only after the archive is read, and closes when the walk stops early.
      return verifyRows(
        (function* () {
          yield* archive();
          yield* repo.iterate();
        })(),
      );
    },
  };
}
export { auditCall, audited } from './calls';
