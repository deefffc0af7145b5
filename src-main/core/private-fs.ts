import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/** POSIX modes only: Windows has ACLs, where these bits mean nothing. */
const posix = process.platform !== 'win32';

/**
 * The data dir holds the database, logs and secrets: create it 0700, and tighten one that exists
 * with group/other bits (we own it, so we may); refuse if it cannot be tightened, as secrets.json is
 * refused when readable by others, rather than write alert data where other users can read it.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!posix) return;
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(dir, mode & 0o700);
  } catch {
    throw new Error(`${dir} is open to other users (mode ${mode.toString(8)}) and could not be tightened; run chmod 700 on it`);
  }
}

/**
 * Create a file 0600 before a library opens it (SQLite gives its -wal/-shm the main file's mode;
 * pino opens with the umask), and tighten an existing one left 0644 by an older version.
 * An existing file is never opened here, only chmod'ed by path: closing any descriptor of a file drops every
 * POSIX lock this process holds on it, and SQLite's locks on vigil.db/-wal/-shm held by another connection in
 * this process (the decider thread opens its own) would go with it — another process would then take itself
 * for the last connection, checkpoint and delete the WAL under ours ("disk image is malformed").
 */
export function ensurePrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600)); // create only: fails on a file that exists
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (posix && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}
