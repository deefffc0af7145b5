import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src-shared/api/agents';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { listenHttp } from '../testing';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const HOOK_SECRET = 'hook-secret-42';
let core: Core;
let app: FastifyInstance;
let base: string;

const CONFIG = `
channels:
  - { name: desktop, type: desktop }
  - { name: tg, type: telegram, chatId: "-100200", botToken: { secret: tg }, approvers: [4242] }
routes:
  - { channels: [desktop] }
`;

beforeAll(async () => {
  const secrets: Record<string, string> = { tg: '123:abc', 'telegram-webhook': HOOK_SECRET };
  // Not started: no outbox worker sends to Telegram; the HITL prompts stay in the outbox table.
  core = createCore({
    config: parseConfig(CONFIG),
    dataDir: null,
    log: createLogger(null),
    secrets: { get: (n) => secrets[n], names: () => Object.keys(secrets) },
  });
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
});
afterAll(async () => {
  await app?.close();
  await core?.stop();
});

const status = async (id: string) => ((await core.call('plans.get', { id })) as { value: Plan }).value.status;
/** The plan runner is asynchronous: wait (a bounded number of event-loop turns) for a state. */
async function until(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

async function waitingPlan(question: string): Promise<{ plan: Plan; approve: string; reject: string }> {
  const r = await core.call('plans.create', { title: question, createdBy: 'alice', steps: [{ type: 'wait_for_approval', question }] });
  if (!r.ok) throw new Error(r.error.message);
  const plan = r.value as Plan;
  await until(async () => (await status(plan.id)) === 'waiting');
  const row = core.areas.db.prepare(`SELECT message FROM outbox WHERE channel = 'tg' AND message LIKE ?`).get(`%${plan.id}%`) as {
    message: string;
  };
  const buttons = (JSON.parse(row.message) as { buttons: Array<{ text: string; data: string }> }).buttons;
  return { plan, approve: buttons[0]!.data, reject: buttons[1]!.data };
}

const press = (from: number, data: string, headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': HOOK_SECRET }) =>
  fetch(`${base}/api/v1/telegram/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      update_id: 9,
      callback_query: {
        id: 'cq-1',
        from: { id: from, is_bot: false, first_name: 'A' },
        message: { message_id: 3, chat: { id: -100200 } },
        data,
      },
    }),
  });

describe('POST /api/v1/telegram/callback', () => {
  it('R-AGENT-4: refuses a caller without the bearer token or the webhook secret', async () => {
    const { approve, plan } = await waitingPlan('auth?');
    expect((await press(4242, approve, {})).status).toBe(401);
    expect((await press(4242, approve, { 'x-telegram-bot-api-secret-token': 'wrong' })).status).toBe(401);
    expect((await press(4242, approve, { authorization: 'Bearer nope' })).status).toBe(401);
    expect(await status(plan.id)).toBe('waiting');
    const bad = await fetch(`${base}/api/v1/telegram/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{"callback_query":1}',
    });
    expect(bad.status).toBe(400);
  });

  it('R-AGENT-4: a non-approver and a button of another approval are refused; the approver decides the exact approval', async () => {
    const a = await waitingPlan('Restart api on web-1?');
    const b = await waitingPlan('Restart db on web-2?');
    const stranger = await press(1001, a.approve);
    expect(stranger.status).toBe(200);
    expect(await stranger.json()).toMatchObject({
      method: 'answerCallbackQuery',
      callback_query_id: 'cq-1',
      accepted: false,
      text: expect.stringContaining('not an approver'),
    });
    const forged = `${a.approve.slice(0, a.approve.lastIndexOf(':'))}:${b.approve.slice(b.approve.lastIndexOf(':') + 1)}`;
    expect(await (await press(4242, forged)).json()).toMatchObject({ accepted: false, text: expect.stringContaining('does not belong') });
    expect([await status(a.plan.id), await status(b.plan.id)]).toEqual(['waiting', 'waiting']);

    expect(await (await press(4242, a.approve, { authorization: `Bearer ${TOKEN}` })).json()).toMatchObject({
      accepted: true,
      text: 'Approved: Restart api on web-1?',
    });
    expect(await (await press(4242, b.reject)).json()).toMatchObject({ accepted: true, text: 'Rejected: Restart db on web-2?' });
    await until(async () => (await status(b.plan.id)) !== 'waiting' && (await status(a.plan.id)) !== 'waiting');
    expect([await status(a.plan.id), await status(b.plan.id)]).toEqual(['succeeded', 'failed']);
    const refusals = core.areas.db.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'plan.approval_refused'`).get() as {
      n: number;
    };
    expect(refusals.n).toBe(2);
  });

  it('updates that are not button presses are acknowledged and ignored', async () => {
    const r = await fetch(`${base}/api/v1/telegram/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ update_id: 1, message: { text: 'hi' } }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, ignored: 'not a callback query' });
  });
});
