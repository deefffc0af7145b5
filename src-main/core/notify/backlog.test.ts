import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramServer, type TelegramServer } from '../../../e2e/fixtures/telegram-server';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import type { OutboxItem } from '../../../src-shared/api/outbox';
import { ackBed, type AckBed } from '../ack/testing';
import { buildChannels } from '../channels';
import { createOutbox, type Outbox } from './outbox';
import { alert, notifyTestBed, until, type NotifyTestBed } from './testing';

/**
 * What a backlog turns into when a channel recovers (issue 14, items 1–2):
 * machine channels get every message, human channels a digest that lists
 * everything (split to fit), messages with buttons stay whole, and a message
 * about an alert acknowledged or resolved meanwhile says so.
 */
let hook: WebhookReceiver;
let tg: TelegramServer;
const beds: NotifyTestBed[] = [];
const outboxes: Outbox[] = [];
const cores: AckBed[] = [];
let hookDown = false;
const down = async () => {
  await hook.goDown();
  hookDown = true;
};
const up = async () => {
  await hook.comeBack();
  hookDown = false;
};

beforeAll(async () => {
  hook = await startWebhookReceiver();
  tg = await startTelegramServer();
});
afterAll(async () => {
  await hook.close();
  await tg.close();
});
afterEach(async () => {
  for (const o of outboxes.splice(0)) await o.stop();
  for (const b of beds.splice(0)) b.cleanup();
  for (const c of cores.splice(0)) {
    await c.close();
    rmSync(c.dir, { recursive: true, force: true });
  }
  if (hookDown) await hook.comeBack();
  hookDown = false;
  hook.answer(null);
  hook.requests.length = hook.delivered.length = hook.shown.length = 0;
  tg.sent.length = 0;
});

function outboxOn(config: Record<string, unknown>, secrets: Record<string, string> = {}) {
  const bed = notifyTestBed({ ...config, outbox: { digestThreshold: 5, maxBackoff: '60s' } }, secrets);
  beds.push(bed);
  const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }), { onFailure: () => undefined });
  outboxes.push(outbox);
  outbox.start();
  const channel = (config.channels as Array<{ name: string }>)[0]!.name;
  const toNextAttempt = () => {
    const head = outbox.store.head(channel);
    if (head) bed.clock.advance(Math.max(0, head.nextAttemptAt - bed.clock.now()));
  };
  return { bed, outbox, toNextAttempt, backlog: () => outbox.store.backlog(channel) };
}

describe('a backlog after an outage (R-NOTIFY-2)', () => {
  it('R-NOTIFY-2: a webhook (a machine) gets every held message, complete and in order, never a digest', async () => {
    // concurrency 1: the queue's order across alerts (with more in flight only each incident's order holds, R-NOTIFY-11).
    const { bed, outbox, toNextAttempt, backlog } = outboxOn({
      channels: [{ name: 'hook', type: 'webhook', url: hook.url, concurrency: 1 }],
    });
    await down();
    for (let i = 1; i <= 12; i++) bed.db.transaction(() => outbox.writer.enqueue('hook', alert(`disk full ${i}`), `d${i}`))();
    await until(() => outbox.store.head('hook')?.attempts === 1, 'the head failed');
    await up();
    toNextAttempt();
    await until(() => backlog() === 0, 'the backlog replayed');
    expect(hook.shown.map((d) => d.key)).toEqual(Array.from({ length: 12 }, (_, i) => `d${i + 1}`));
    expect(hook.shown.map((d) => d.body.message.kind)).toEqual(Array(12).fill('alert'));
    expect(hook.shown[11]!.body.message).toMatchObject({ title: 'disk full 12', body: 'disk full 12 body' });
  });

  it('R-NOTIFY-2/4: a Telegram digest lists every held message, split into messages Telegram accepts; a message with buttons is never folded', async () => {
    const { bed, outbox, toNextAttempt, backlog } = outboxOn(
      { channels: [{ name: 'tg', type: 'telegram', chatId: '-100200', apiBase: tg.url, botToken: { secret: 'tg-bot' } }] },
      { 'tg-bot': tg.token },
    );
    const put = (key: string, m: ReturnType<typeof alert>) => bed.db.transaction(() => outbox.writer.enqueue('tg', m, key))();
    tg.failNext({ kind: 'bad_gateway' });
    const title = (i: number) => `Disk almost full on web${i}.prod.example.com (/var/lib/docker at 97%) <& "quoted">`;
    put('u1', alert(title(1), { kind: 'update' }));
    await until(() => outbox.store.head('tg')?.attempts === 1, 'the head failed');
    for (let i = 2; i <= 150; i++) {
      put(`u${i}`, alert(title(i), { kind: 'update' }));
      if (i === 70)
        put(
          'approve',
          alert('Approval needed: restart nginx on web3', {
            kind: 'hitl',
            buttons: [
              { text: 'Approve', data: 'hitl:a:1' },
              { text: 'Reject', data: 'hitl:r:1' },
            ],
          }),
        );
    }
    toNextAttempt();
    await until(() => backlog() === 0, 'the backlog delivered');

    const digests = tg.sent.filter((s) => s.text.includes('held while tg was unreachable'));
    expect(digests.length).toBeGreaterThanOrEqual(3); // 150 long titles do not fit one message
    const listed = digests.flatMap((d) => d.text.split('\n').filter((l) => l.startsWith('• ')));
    expect(listed).toEqual(Array.from({ length: 150 }, (_, i) => `• [critical] ${title(i + 1)}`));
    expect(tg.sent.some((s) => /and \d+ more/.test(s.text))).toBe(false);
    expect(digests.every((d) => d.text.length <= 4096)).toBe(true);
    const prompt = tg.sent.filter((s) => s.text.includes('Approval needed: restart nginx on web3'));
    expect(prompt).toHaveLength(1);
    expect(prompt[0]!.replyMarkup?.inline_keyboard[0]?.map((b) => b.text)).toEqual(['Approve', 'Reject']);
  });
});

const coreYaml = () => `
router: { cooldown: 1m, repeatInterval: 10m }
outbox: { maxBackoff: 60s }
channels:
  - { name: hook, type: webhook, url: "${hook.url}" }
routes:
  - channels: [hook]
`;

async function coreBed(): Promise<AckBed> {
  const b = await ackBed(coreYaml());
  cores.push(b);
  return b;
}

const toNextAttempt = (b: AckBed) => {
  const head = b.core.areas.db.prepare(`SELECT next_attempt_at AS t FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1`).get() as
    { t: number } | undefined;
  if (head) b.clock.advance(Math.max(0, head.t - b.clock.now()));
};

describe('a queued message about an alert that changed meanwhile (R-NOTIFY-2, R-ROUTE-8)', () => {
  it('R-ROUTE-8: an alert acknowledged while its channel was down is delivered as acknowledged, not as a fresh alert, and without an Acknowledge button', async () => {
    const b = await coreBed();
    await down();
    await b.send();
    await until(
      () => (b.core.areas.db.prepare(`SELECT attempts FROM outbox`).get() as { attempts: number } | undefined)?.attempts === 1,
      'a failed attempt',
    );
    await b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice', via: 'console' });
    await up();
    toNextAttempt(b);
    await b.delivered();
    expect(hook.shown).toHaveLength(1);
    const m = hook.shown[0]!.body.message as unknown as { title: string; body: string; buttons?: unknown[]; acknowledged?: { by: string } };
    expect(m.title).toBe('ACKNOWLEDGED by alice: CRITICAL: Disk almost full on web1');
    expect(m.body).toMatch(/^Acknowledged by alice at 12:00 UTC, before this could be delivered\./);
    expect(m.acknowledged).toMatchObject({ by: 'alice' });
    expect(m.buttons ?? []).toEqual([]);
  });

  it('R-NOTIFY-2: an alert that resolved while its channel was down is not sent as firing; the row says why in Queues and the resolution is delivered', async () => {
    const b = await coreBed();
    await down();
    await b.send();
    await until(
      () => (b.core.areas.db.prepare(`SELECT attempts FROM outbox`).get() as { attempts: number } | undefined)?.attempts === 1,
      'a failed attempt',
    );
    b.clock.advance(30_000);
    await b.send({ status: 'resolved' });
    b.clock.advance(60_000); // the group's resolution message is due
    await until(
      () => (b.core.areas.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n === 2,
      'the resolution queued',
    );
    await until(
      () => (b.core.areas.db.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'sending'`).get() as { n: number }).n === 0,
      'the retry settled',
    );
    await up();
    toNextAttempt(b);
    await b.delivered();
    expect(hook.shown.map((d) => d.body.message.title)).toEqual(['RESOLVED: Disk almost full on web1']);
    const { items } = await b.call<{ items: OutboxItem[] }>('outbox.list', { channel: 'hook' });
    const firing = items.find((i) => i.title === 'CRITICAL: Disk almost full on web1')!;
    expect(firing.state).toBe('dropped');
    expect(firing.lastError).toMatch(/^not sent: the alert resolved at 12:00 UTC before delivery; its resolution is sent instead/);
  });
});

describe('a digest is one durable message (R-NOTIFY-3)', () => {
  it('R-NOTIFY-3: a digest that fails is retried as the same digest (same key); the messages it carries are kept as digested and marked delivered with it', async () => {
    const { bed, outbox, toNextAttempt, backlog } = outboxOn(
      { channels: [{ name: 'tg', type: 'telegram', chatId: '-100200', apiBase: tg.url, botToken: { secret: 'tg-bot' } }] },
      { 'tg-bot': tg.token },
    );
    tg.failNext({ kind: 'bad_gateway' });
    for (let i = 1; i <= 12; i++)
      bed.db.transaction(() => outbox.writer.enqueue('tg', alert(`disk full ${i}`, { kind: 'update' }), `d${i}`))();
    await until(() => outbox.store.head('tg')?.attempts === 1, 'the head failed');
    tg.failNext({ kind: 'bad_gateway' });
    toNextAttempt();
    await until(
      () => outbox.store.head('tg')?.key === 'outbox-digest:1-12' && outbox.store.head('tg')?.attempts === 1,
      'the digest failed once',
    );
    toNextAttempt();
    await until(() => backlog() === 0, 'the digest delivered');
    const rows = outbox.store.list({ channel: 'tg', limit: 50 });
    expect(rows.filter((r) => r.message.kind === 'digest').map((r) => [r.key, r.state])).toEqual([['outbox-digest:1-12', 'sent']]);
    const d3 = rows.find((r) => r.key === 'd3')!;
    expect(d3).toMatchObject({ state: 'digested' });
    expect(d3.sentAt).not.toBeNull();
    expect(tg.sent).toHaveLength(1);
    expect(tg.sent[0]!.text).toContain('12 notifications held while tg was unreachable');
    // R-ALERT-8: the time reads as the console writes it, not as an ISO string.
    expect(tg.sent[0]!.text).toMatch(/Held since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC:/);
  });
});
