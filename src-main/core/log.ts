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
  return pino({ level, base: { app: 'vigil' } }, pino.destination({ dest: file, sync: false }));
}
