import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured logs (JSON lines) to <data-dir>/logs/vigil.log; silent logger for tests. */
export function createLogger(dataDir: string | null, level = process.env.VIGIL_LOG_LEVEL ?? 'info'): Logger {
  if (!dataDir) return pino({ level: 'silent' });
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  return pino({ level, base: { app: 'vigil' } }, pino.destination({ dest: join(dir, 'vigil.log'), sync: false, mkdir: true }));
}
