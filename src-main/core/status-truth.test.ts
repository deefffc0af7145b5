import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from './app';
import { ConfigSchema } from './config';
import { createLogger } from './log';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('statuses derive from the state the checks use (issue 14 item 3)', () => {
  it('R-STATUS-1: the Hosts tile counts only hosts whose last check succeeded: a failed check and a never-checked host are not "reachable"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-status-'));
    const host = (name: string) => ({ name, address: '127.0.0.1', port: 1, user: 'vigiltest', keyFile: join(dir, 'no-key') });
    const core: Core = createCore({
      config: ConfigSchema.parse({ smoke: { enabled: false }, hosts: [host('down1'), host('fresh1')] }),
      dataDir: dir,
      log: createLogger(null),
    });
    cleanups.push(async () => {
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await core.start();
    await core.call('hosts.check', { host: 'down1' }); // port 1: the check fails
    const tile = core.status().tiles.find((t) => t.id === 'hosts')!;
    expect(tile.value).toBe('0/2 reachable');
    expect(tile.status).toBe('warning');
    expect(tile.reason).toMatch(/down1: \w+/);
    expect(tile.reason).toContain('fresh1: not checked yet');
  });
});
