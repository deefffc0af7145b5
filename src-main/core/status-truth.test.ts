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

  it('R-STATUS-1: the Channels tile does not call a channel with an unset secret, or one that sent nothing yet, "reachable"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-status-'));
    const core: Core = createCore({
      config: ConfigSchema.parse({
        smoke: { enabled: false },
        channels: [
          { name: 'desktop', type: 'desktop' },
          { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/hook', hmacSecret: { secret: 'status-truth-unset-key' } },
        ],
      }),
      dataDir: dir,
      log: createLogger(null),
    });
    cleanups.push(async () => {
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await core.start();
    const tile = core.status().tiles.find((t) => t.id === 'channels')!;
    // Before: "2/2 ok — all channels reachable".
    expect(tile).toMatchObject({ status: 'warning', value: '1/2 ok' });
    expect(tile.reason).toContain('hook: secret status-truth-unset-key not set, messages are held');
    expect(tile.reason).toContain('desktop: nothing delivered since start, reachability unknown');
    expect(tile.reason).not.toContain('reachable;');
  });
});
