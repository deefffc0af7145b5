import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramUpdatesServer, type TelegramUpdatesServer } from '../../../../e2e/fixtures/telegram-updates';
import { systemClock } from '../../clock';
import { ChannelConfig } from '../../config';
import { createMetrics } from '../../metrics';
import type { Message } from '../../notify';
import { openDatabase, type Database, sqlitePlanRepository, sqliteStores, sqliteTelegramOffsets } from '../../store';
import { createPlans } from './index';
import { handleTelegramCallback } from './telegram';
import { createTelegramPoller } from './telegram-poller';

let tg: TelegramUpdatesServer;
let dir: string;
let db: Database;
beforeAll(async () => {
  tg = await startTelegramUpdatesServer();
  dir = mkdtempSync(join(tmpdir(), 'vigil-tgpoll-'));
  db = openDatabase(join(dir, 'vigil.db')).db;
});
afterAll(async () => {
  await tg.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup() {
  const channels = [
    ChannelConfig.parse({ name: 'tg', type: 'telegram', chatId: '-100', botToken: { secret: 'bot' }, apiBase: tg.url, approvers: [4242] }),
  ];
  const sent: Array<{ channel: string; message: Message }> = [];
  const audited: string[] = [];
  const audit = { append: (e: { action: string }) => void audited.push(e.action) };
  const { elephant } = createPlans({
    repo: sqlitePlanRepository(db),
    transaction: sqliteStores(db).transaction,
    clock: systemClock,
    metrics: createMetrics(),
    audit,
    outbox: { enqueue: (channel, message) => void sent.push({ channel, message }) },
    hitlChannels: () => channels,
    hosts: () => [],
    channels: () => ['tg'],
    healActions: () => [],
    diagnose: null,
    safeAction: () => ({ insightId: 0 }),
    heal: null,
    changed: () => undefined,
  });
  const poller = () =>
    createTelegramPoller({
      channels: () => channels,
      secrets: { get: (n) => (n === 'bot' ? tg.token : undefined), names: () => ['bot'] },
      fetch: globalThis.fetch,
      clock: systemClock,
      offsets: sqliteTelegramOffsets(db),
      dispatch: (u) => handleTelegramCallback(u, { elephant, channels: () => channels, audit }),
    });
  return { elephant, sent, audited, poller };
}

describe('Telegram getUpdates poller', () => {
  it('R-AGENT-4: takes button presses by long polling, decides them in the core, answers each, and resumes from its offset', async () => {
    const t = setup();
    const { plan } = t.elephant.create({
      title: 'Restart api',
      source: 'test',
      createdBy: 'alice',
      steps: [{ type: 'wait_for_approval', question: 'Restart api?' }],
    });
    await flush();
    const [approve] = t.sent[0]!.message.buttons!;
    const p = t.poller();
    const [bot] = p.bots();
    tg.press({ id: 999, username: 'mallory' }, approve!.data, -100);
    expect(await p.pollOnce(bot!, 0)).toBe(1);
    expect(tg.answers.at(-1)).toMatchObject({ text: expect.stringContaining('Refused: user 999 is not an approver'), show_alert: true });
    expect(t.elephant.repo.get(plan.id)?.status).toBe('waiting');

    const id = tg.press({ id: 4242, username: 'alice' }, approve!.data, -100);
    // A restart in between: a new poller continues after the last update taken.
    const p2 = t.poller();
    expect(await p2.pollOnce(p2.bots()[0]!, 0)).toBe(1);
    expect(tg.polls.at(-1)?.offset).toBe(id);
    expect(tg.answers.at(-1)).toMatchObject({ callback_query_id: `cq-${id}`, text: 'Approved: Restart api?', show_alert: false });
    await flush();
    expect(t.elephant.repo.get(plan.id)?.status).toBe('succeeded');
    expect(await p2.pollOnce(p2.bots()[0]!, 0)).toBe(0); // confirmed: not delivered twice
    expect(t.audited).toEqual(expect.arrayContaining(['plan.approval_refused', 'plan.approved']));
  });

  it('R-AGENT-4: a long poll is answered as soon as a button is pressed', async () => {
    const t = setup();
    const p = t.poller();
    const started = Date.now();
    const polled = p.pollOnce(p.bots()[0]!, 20);
    setTimeout(() => tg.press({ id: 4242 }, 'hitl:a:pzzzzzzzzzzzz-0:0123456789abcdef', -100), 50);
    expect(await polled).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(tg.answers.at(-1)?.text).toContain('does not exist');
  });

  it('with a webhook set (409 Conflict) polling stops and says why', async () => {
    const t = setup();
    tg.webhookSet = true;
    try {
      const p = t.poller();
      const [bot] = p.bots();
      expect(await p.pollOnce(bot!, 0)).toBe(0);
      expect(bot!.stopped).toContain('a webhook is set');
    } finally {
      tg.webhookSet = false;
    }
  });
});
