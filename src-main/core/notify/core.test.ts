import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { ConfigSchema } from '../config';
import type { IntakeEvent } from '../router';
import { settle, until } from './testing';

/** The outbox wired into the real core: router → outbox → channels, the outbox.* ConsoleApi, tiles and metrics. */
let hook: WebhookReceiver;
let core: Core;
let dir: string;
const clock = new FakeClock();
const notices: string[] = [];

const event = (name: string): IntakeEvent => ({
  source: 'api',
  fingerprint: `fp-${name}`,
  severity: 'critical',
  status: 'firing',
  summary: `${name} is down`,
  description: null,
  labels: { alertname: name },
  startsAt: null,
  endsAt: null,
});
const ingest = (name: string) => core.areas.router.ingest([event(name)], 'test');
const call = async (method: string, input: unknown) => core.dispatch(method, input);
const hookRows = async () => {
  const r = await call('outbox.list', { channel: 'hook', limit: 100 });
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { items: Array<{ id: number; title: string; state: string; attempts: number; nextAttemptAt: number | null }> }).items;
};

beforeAll(async () => {
  hook = await startWebhookReceiver();
  dir = mkdtempSync(join(tmpdir(), 'vigil-notify-core-'));
  const config = ConfigSchema.parse({
    channels: [
      { name: 'desktop', type: 'desktop' },
      { name: 'hook', type: 'webhook', url: hook.url },
    ],
    routes: [{ channels: ['hook', 'desktop'] }],
    outbox: { maxBackoff: '30s' },
  });
  core = createCore({ config, dataDir: dir, clock, secrets: { get: () => undefined, names: () => [] } });
  core.ctx.bus.subscribe('notice', (n) => notices.push(n.title));
});
afterAll(async () => {
  await core.stop();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('notify wired into the core', () => {
  it('R-METRICS-2: every outbox series is present at zero from start-up', async () => {
    const text = await core.ctx.metrics.registry.metrics();
    for (const ch of ['desktop', 'hook']) {
      expect(text).toContain(`vigil_outbox_pending{channel="${ch}"} 0`);
      expect(text).toContain(`vigil_outbox_replayed_total{channel="${ch}"} 0`);
      for (const r of ['sent', 'failed', 'expired']) expect(text).toContain(`vigil_notify_sent_total{channel="${ch}",result="${r}"} 0`);
    }
  });

  it('R-NOTIFY-1: a routed event reaches the webhook and the desktop (notice topic)', async () => {
    await core.start();
    ingest('api-gateway');
    await until(() => hook.shown.length === 1 && notices.length === 1, 'both channels');
    await until(async () => (await hookRows()).every((r) => r.state === 'sent'), 'recorded as sent');
    expect(hook.shown[0]!.body.message.title).toContain('api-gateway is down');
    expect(notices[0]).toContain('api-gateway is down');
    const r = await call('outbox.channels', {});
    expect(r).toMatchObject({
      ok: true,
      value: {
        channels: [
          { name: 'desktop', state: 'ok' },
          { name: 'hook', state: 'ok' },
        ],
      },
    });
  });

  it('R-NOTIFY-2: bad input to the outbox API is refused with the field named, and changes nothing', async () => {
    expect(await call('outbox.list', { state: 'lost' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('state') },
    });
    expect(await call('outbox.retryNow', { channel: 'hook', id: 1 })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('either channel or id') },
    });
    expect(await call('outbox.expire', { id: 4242 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call('outbox.digestPreview', { channel: 'pager' })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringContaining('"pager"') },
    });
    expect((await hookRows()).map((r) => r.state)).toEqual(['sent']);
  });

  it('R-NOTIFY-2: a channel that keeps failing raises a vigil event and shows on the tiles; after recovery everything is delivered', async () => {
    await hook.goDown();
    ingest('billing');
    for (let n = 1; n <= 3; n++) {
      await waitAttempts(n);
      const head = (await hookRows()).find((r) => r.state === 'pending' && r.attempts === n)!;
      clock.advance(Math.max(0, (head.nextAttemptAt ?? 0) - clock.now()));
    }
    await waitAttempts(4);
    const vigil = await call('events.list', { source: 'vigil', limit: 10 });
    expect(vigil.ok && (vigil.value as { items: Array<{ summary: string }> }).items.some((e) => e.summary.includes('channel hook'))).toBe(
      true,
    );
    const tiles = core.status().tiles;
    expect(tiles.find((t) => t.id === 'channels')).toMatchObject({ status: 'warning', value: '1/2 ok' });
    expect(tiles.find((t) => t.id === 'channels')!.reason).toContain('hook: failing');
    expect(tiles.find((t) => t.id === 'outbox')!.value).toMatch(/[1-9]\d* waiting/);

    await hook.comeBack();
    const r = await call('outbox.retryNow', { channel: 'hook' });
    expect(r).toMatchObject({ ok: true });
    await until(() => hook.shown.some((d) => d.body.message.title.includes('billing is down')), 'billing delivered');
    await until(() => core.status().tiles.find((t) => t.id === 'channels')?.status === 'ok', 'channels ok');
  });

  it('R-NOTIFY-1: while notifications are paused desktop messages are held, and shown on resume', async () => {
    const before = notices.length;
    expect(await call('notifications.pause', { minutes: 10 })).toMatchObject({ ok: true });
    ingest('search');
    await until(() => hook.shown.some((d) => d.body.message.title.includes('search is down')), 'webhook still notified');
    await settle();
    expect(notices.length).toBe(before);
    const ch = await call('outbox.channels', {});
    expect(
      ch.ok && (ch.value as { channels: Array<{ name: string; state: string }> }).channels.find((c) => c.name === 'desktop')?.state,
    ).toBe('paused');
    await call('notifications.pause', { minutes: 0 });
    await until(() => notices.some((t) => t.includes('search is down')), 'desktop after resume');
  });
});

const waitAttempts = (n: number) =>
  until(async () => (await hookRows()).some((r) => r.state === 'pending' && r.attempts >= n), `attempt ${n}`);
