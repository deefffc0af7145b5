import { openSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { ensurePrivateDir, ensurePrivateFile } from './private-fs';

export type { Logger };

/** Structured logs (JSON lines) to <data-dir>/logs/vigil.log; silent logger for tests. */
export function createLogger(dataDir: string | null, level = process.env.VIGIL_LOG_LEVEL ?? 'info'): Logger {
  if (!dataDir) return pino({ level: 'silent' });
  const dir = join(dataDir, 'logs');
  ensurePrivateDir(dataDir);
  ensurePrivateDir(dir);
  const file = join(dir, 'vigil.log');
  ensurePrivateFile(file); // logs carry alert titles and hosts: 0600, not the umask's 0644
  // Opened here, synchronously: given a path, SonicBoom opens it later, and a stop signal that comes
  // first makes pino's exit flush throw "sonic boom is not ready yet" (R-SEC-6).
  const fd = openSync(file, 'a', 0o600);
  return pino({ level, base: { app: 'vigil' } }, pino.destination({ dest: fd, sync: false }));
}
