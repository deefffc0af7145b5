import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './log';

describe('log file', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('R-SEC-6: a stop the instant after start flushes the log instead of crashing with "sonic boom is not ready yet"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-log-'));
    dirs.push(dir);
    const log = createLogger(dir);
    log.info('core starting');
    // pino's exit handler calls flushSync; with the file still opening asynchronously it threw and the process died mid-stop.
    const stream = (log as unknown as Record<symbol, { flushSync(): void }>)[pino.symbols.streamSym]!;
    expect(() => stream.flushSync()).not.toThrow();
    // The line reaches the file: written by flushSync, or by the asynchronous write already in flight, which
    // flushSync leaves to finish (the clean-clone CI once read the file before it had).
    const file = join(dir, 'logs', 'vigil.log');
    for (const end = Date.now() + 2_000; !readFileSync(file, 'utf8').includes('core starting') && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 10));
    expect(readFileSync(file, 'utf8')).toContain('core starting');
  });
});
