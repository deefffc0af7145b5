import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from './app';
import { ConfigSchema } from './config';
import { createLogger } from './log';
import { startWebhookReceiver } from '../../e2e/fixtures/webhook-receiver';
import { until } from './notify/testing';

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

  it('R-SETUP-7, R-STATUS-1: once a channel delivered real alerts, the Channels tile and the first-run step agree and say what each means', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-status-'));
    const hook = await startWebhookReceiver();
    const core: Core = createCore({
      config: ConfigSchema.parse({
        smoke: { enabled: false },
        channels: [{ name: 'hook', type: 'webhook', url: hook.url, digest: 0 }],
        routes: [{ channels: ['hook'] }],
      }),
      dataDir: dir,
      log: createLogger(null),
    });
    cleanups.push(async () => {
      await core.stop();
      await hook.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await core.start();
    const step = async () => {
      const r = await core.dispatch('setup.checklist', {});
      if (!r.ok) throw new Error(r.error.message);
      return (r.value as { items: Array<{ id: string; done: boolean; detail: string }> }).items.find((i) => i.id === 'channel')!;
    };
    expect(await step()).toEqual({ id: 'channel', done: false, detail: 'hook configured; no test message delivered yet' });
    core.areas.router.ingest(
      [
        {
          source: 'api',
          fingerprint: 'fp-disk',
          severity: 'critical',
          status: 'firing',
          summary: 'db1 disk full',
          description: null,
          labels: { alertname: 'DiskFull' },
          startsAt: null,
          endsAt: null,
        },
      ],
      'test',
    );
    await until(() => hook.shown.length === 1, 'the alert delivered to the hook');
    await until(
      () =>
        core
          .status()
          .tiles.find((t) => t.id === 'channels')!
          .reason.startsWith('each'),
      'the tile updated',
    );
    // Before: the tile said "all channels delivered since start" while the step beside it said "no test message delivered yet".
    const tile = core.status().tiles.find((t) => t.id === 'channels')!;
    expect(tile).toMatchObject({ status: 'ok', value: '1/1 ok' });
    expect(tile.reason).toMatch(/^each channel delivered a message since start \(last: hook \d+ s ago\)$/);
    await until(async () => (await step()).done, 'the step ticked off by the delivery');
    expect((await step()).detail).toMatch(
      /^delivered messages \(last: hook at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\), so no test message is needed$/,
    );
  });
});
