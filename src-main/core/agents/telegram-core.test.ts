import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramUpdatesServer, type TelegramUpdatesServer } from '../../../e2e/fixtures/telegram-updates';
import type { Plan } from '../../../src-shared/api/agents';
import { createCore, type Core } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';

/**
 * The core's one getUpdates poller: HITL buttons go to ElephantAlpha,
 * "Acknowledge" buttons to the ack area, each checked against the approvers.
 */
let tg: TelegramUpdatesServer;
let core: Core;
beforeAll(async () => {
  tg = await startTelegramUpdatesServer();
  core = createCore({
    config: parseConfig(`
channels:
  - { name: desktop, type: desktop }
  - { name: tg, type: telegram, chatId: "-100300", botToken: { secret: tg }, apiBase: "${tg.url}", approvers: [4242] }
routes:
  - { channels: [desktop] }
`),
    dataDir: null,
    log: createLogger(null),
    secrets: { get: (n) => (n === 'tg' ? tg.token : undefined), names: () => ['tg'] },
  });
  await core.start();
});
afterAll(async () => {
  await core?.stop();
  await tg?.close();
});

const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Telegram buttons through the running core (getUpdates)', () => {
  it('R-AGENT-4: an approver’s HITL button approves the plan; an ack button goes to the ack area, not to the plans', async () => {
    const created = (await core.call('plans.create', {
      title: 'Restart api',
      createdBy: 'alice',
      steps: [{ type: 'wait_for_approval', question: 'Restart api now?' }],
    })) as { ok: true; value: Plan };
    const id = created.value.id;
    await until(async () => ((await core.call('plans.get', { id })) as { ok: true; value: Plan }).value.status === 'waiting');
    const row = core.areas.db.prepare(`SELECT message FROM outbox WHERE channel = 'tg' AND message LIKE ?`).get(`%${id}%`) as {
      message: string;
    };
    const approve = (JSON.parse(row.message) as { buttons: Array<{ data: string }> }).buttons[0]!.data;

    tg.press({ id: 4242, username: 'alice' }, 'ack:AAAAAAAAAAAAAAAA', -100300);
    await until(() => tg.answers.length === 1);
    expect(tg.answers[0]!.text).toMatch(/^Refused: this button does not name an alert/); // the ack area answered

    tg.press({ id: 4242, username: 'alice' }, approve, -100300);
    await until(() => tg.answers.length === 2);
    expect(tg.answers[1]).toMatchObject({ text: 'Approved: Restart api now?', show_alert: false });
    await until(async () => ((await core.call('plans.get', { id })) as { ok: true; value: Plan }).value.status === 'succeeded');
    expect(tg.polls.every((p) => p.timeout === 25)).toBe(true); // long polling
  });
});
