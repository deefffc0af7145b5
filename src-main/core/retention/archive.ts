import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRow } from '../store';

/** The audit archive: one JSON row per line, oldest first, 0600, beside the database. */
export const auditArchivePath = (dataDir: string): string => join(dataDir, 'audit-archive.ndjson');

/** Rows of the archive, oldest first (none when there is no archive yet). */
export function* readArchive(file: string): Generator<AuditRow> {
  if (!existsSync(file)) return;
  // Read whole: an archive is years of audit rows at ~300 bytes each; streaming can come when it matters.
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line) yield JSON.parse(line) as AuditRow;
}

/** The id of the archive's last row (0 when empty), read from its tail. */
export function lastArchivedId(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8').trimEnd();
  const last = text.slice(text.lastIndexOf('\n') + 1);
  return last ? (JSON.parse(last) as AuditRow).id : 0;
}

/** Append rows and fsync before returning: only then may the database forget them. */
export function appendArchive(file: string, rows: AuditRow[]): void {
  if (!rows.length) return;
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
