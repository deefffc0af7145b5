import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir, startVigil } from './fixtures/serve';

/**
 * R-SEC-6: a supervisor (systemd, a test harness) may stop `vigil serve` the
 * moment it printed its ready line; the stop must be clean every time.
 */
describe('vigil serve shutdown', () => {
  it('R-SEC-6: SIGTERM or SIGINT right after the ready line stops cleanly (exit 0, database closed), every time', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const v = await startVigil();
      const code = await v.stop(i % 2 === 0 ? 'SIGTERM' : 'SIGINT');
      // A clean stop closes SQLite, which checkpoints and removes the WAL file.
      outcomes.push(`${code}/${v.proc.signalCode ?? '-'}${existsSync(join(v.dataDir, 'vigil.db-wal')) ? '/wal-left' : ''}`);
      if (code !== 0) outcomes.push(v.output().slice(-400));
      removeDir(v.dataDir);
    }
    expect(outcomes.filter((o) => o !== '0/-')).toEqual([]);
  }, 240_000);
});

describe('vigil serve shutdown with a console open', () => {
  it('R-SEC-6: SIGTERM stops cleanly while a console holds the SSE stream open (it used to wait for the browser forever)', async () => {
    const v = await startVigil();
    try {
      const res = await fetch(`${v.base}/api/stream`, { headers: { authorization: `Bearer ${v.token}` } });
      const reader = res.body!.getReader();
      await reader.read(); // the status snapshot: the stream is open
      // Frames published meanwhile (a start-up change, a status) may come first: read on to the stream's end.
      const ended = (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })().catch(() => false);
      const code = await Promise.race([v.stop('SIGTERM'), new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000))]);
      expect(code).toBe(0);
      expect(await ended).toBe(true); // the console saw its stream end, not a reset
    } finally {
      await v.stop('SIGKILL');
      removeDir(v.dataDir);
    }
  }, 60_000);
});
