import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramServer, type TelegramServer } from '../../../e2e/fixtures/telegram-server';
import type { AckInfo } from '../../../src-shared/api/acks';
import type { Plan } from '../../../src-shared/api/agents';
import { ackBed, type AckBed } from '../../core/ack/testing';
import { until } from '../../core/notify/testing';
import { createHttpServer } from '../http';

/**
 * Telegram users are people (R-PEOPLE-2): a press from a user id on record
 * acts as that person with that person's role, whatever the channel's
 * `approvers` list says; four-eyes holds over RPC and Telegram alike.
 */
const TOKEN = 'people-tg-token-0123456789abcdefghijklm';
const CHAT = '-100777';
let tg: TelegramServer;
let b: AckBed;
let app: FastifyInstance;
let base = '';
const tokens: Record<string, string> = {};

beforeAll(async () => {
  tg = await startTelegramServer();
  b = await ackBed(
    `
people: { fourEyes: true }
channels:
  - { name: desktop, type: desktop }
  - { name: tg, type: telegram, chatId: "${CHAT}", botToken: { secret: tg-bot }, apiBase: "${tg.url}", approvers: [4242] }
routes:
  - match: { severity: critical }
    channels: [tg]
  - channels: [desktop]
`,
    { secrets: { 'tg-bot': tg.token } },
  );
  app = await createHttpServer({ core: b.core, token: TOKEN });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  for (const [name, role, telegram] of [
    ['tina', 'viewer', '5151'],
    ['rick', 'responder', '6161'],
    ['alice', 'approver', '7171'],
    ['bob', 'approver', '8181'],
  ] as const) {
    tokens[name] = (await b.call<{ token: string }>('people.add', { name, role, telegram })).token;
  }
});
afterAll(async () => {
  await app?.close();
  await b?.close();
  await tg?.close();
});

const press = async (from: number, data: string) =>
  (await (
    await fetch(`${base}/api/v1/telegram/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        update_id: from,
        callback_query: {
          id: `cq-${from}`,
          from: { id: from, is_bot: false, first_name: 'X' },
          message: { message_id: 1, chat: { id: Number(CHAT) } },
          data,
        },
      }),
    })
  ).json()) as { accepted: boolean; text: string };
const rpc = async (who: string, method: string, input: unknown) =>
  fetch(`${base}/api/rpc/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[who]}` },
    body: JSON.stringify(input),
  });

describe('Telegram users act as their person (R-PEOPLE-2)', () => {
  it("R-PEOPLE-2: a viewer's press is refused with the reason; a responder on record acknowledges as themself though not in approvers", async () => {
    await b.send({ fingerprint: 'fp-tg-people', severity: 'critical' });
    await until(() => tg.sent.some((m) => m.replyMarkup?.inline_keyboard[0]?.[0]?.text === 'Acknowledge'), 'the alert in Telegram');
    const data = tg.sent.at(-1)!.replyMarkup!.inline_keyboard[0]![0]!.callback_data!;
    expect(await press(5151, data)).toMatchObject({
      accepted: false,
      text: 'Refused: tina is a viewer; acknowledging needs the responder role or higher',
    });
    expect((await b.call<AckInfo>('alerts.ackInfo', { fingerprint: 'fp-tg-people' })).acknowledged).toBe(false);
    expect(await press(6161, data)).toMatchObject({ accepted: true, text: expect.stringMatching(/^Acknowledged/) });
    expect((await b.call<AckInfo>('alerts.ackInfo', { fingerprint: 'fp-tg-people' })).ack).toMatchObject({ by: 'rick', via: 'telegram' });
  });

  it('R-PEOPLE-2: four-eyes — the person who created a plan may not approve it (RPC 403 and Telegram), a responder may not either; another approver can', async () => {
    const created = await rpc('alice', 'plans.create', {
      title: 'Restart api?',
      createdBy: 'bob',
      steps: [{ type: 'wait_for_approval', question: 'Restart api on web-1?' }],
    });
    expect(created.status).toBe(200);
    const plan = ((await created.json()) as { value: Plan }).value;
    expect(plan.createdBy).toBe('alice');
    const waiting = async () => (await b.call<Plan>('plans.get', { id: plan.id })).status === 'waiting';
    await until(waiting, 'the plan to wait');
    const approval = (await b.call<Plan>('plans.get', { id: plan.id })).approvals[0]!;
    const own = await rpc('alice', 'plans.decide', { approvalId: approval.id, decision: 'approve', by: 'bob' });
    expect(own.status).toBe(403);
    expect(((await own.json()) as { error: { message: string } }).error.message).toBe(
      'four-eyes rule: alice proposed plan "Restart api?" and may not approve it; another approver must',
    );
    const row = b.core.areas.db.prepare(`SELECT message FROM outbox WHERE channel = 'tg' AND message LIKE ?`).get(`%${plan.id}%`) as {
      message: string;
    };
    const approve = (JSON.parse(row.message) as { buttons: Array<{ data: string }> }).buttons[0]!.data;
    expect(await press(7171, approve)).toMatchObject({ accepted: false, text: expect.stringContaining('four-eyes rule: alice proposed') });
    expect(await press(6161, approve)).toMatchObject({
      accepted: false,
      text: 'Refused: rick is a responder; deciding approvals needs the approver role or higher',
    });
    expect(await waiting()).toBe(true);
    expect(await press(8181, approve)).toMatchObject({ accepted: true, text: 'Approved: Restart api on web-1?' });
    expect((await b.call<Plan>('plans.get', { id: plan.id })).approvals[0]).toMatchObject({ decidedBy: 'bob', status: 'approved' });
  });
});
