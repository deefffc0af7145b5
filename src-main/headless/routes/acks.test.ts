import type { FastifyInstance } from 'fastify';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramServer, type TelegramServer } from '../../../e2e/fixtures/telegram-server';
import type { AckInfo } from '../../../src-shared/api/acks';
import { ackBed, type AckBed } from '../../core/ack/testing';
import { metricValue, until } from '../../core/notify/testing';
import { listenHttp } from '../testing';

const TOKEN = 'acks-token-0123456789abcdefghijklmnopq';
const CHAT = '-100200300';
let tg: TelegramServer;
let b: AckBed;
let app: FastifyInstance;
let base = '';

beforeAll(async () => {
  tg = await startTelegramServer();
  b = await ackBed(
    `
channels:
  - { name: desktop, type: desktop }
  - { name: tg, type: telegram, chatId: "${CHAT}", botToken: { secret: tg-bot }, apiBase: "${tg.url}", approvers: [4242, "777"] }
routes:
  - match: { severity: critical }
    channels: [desktop, tg]
  - channels: [desktop]
`,
    { secrets: { 'tg-bot': tg.token } },
  );
  ({ app, base } = await listenHttp({ core: b.core, token: TOKEN }));
});
afterAll(async () => {
  await app.close();
  await b.close();
  rmSync(b.dir, { recursive: true, force: true });
  await tg.close();
});

const req = (method: string, path: string, body?: unknown, auth = true) =>
  fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const ackPath = (fp: string) => `/api/v1/alerts/${encodeURIComponent(fp)}/ack`;
const info = (fingerprint: string) => b.call<AckInfo>('alerts.ackInfo', { fingerprint });

describe('acknowledge over HTTP (R-ROUTE-8)', () => {
  it('R-ROUTE-8, R-PEOPLE-2: POST …/ack acknowledges (via api) as the token\'s person, not the body\'s "by"; DELETE withdraws it; the fingerprint may contain ":" and "/"', async () => {
    const fp = 'am:web1/disk';
    await b.send({ fingerprint: fp, severity: 'warning' });
    const res = await req('POST', ackPath(fp), { by: 'alice', note: 'on it' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ fingerprint: fp, acknowledged: true, ack: { by: 'admin', via: 'api', note: 'on it' } });
    expect(await metricValue(b.core.ctx, 'vigil_acks_total', { via: 'api' })).toBe(1);

    const del = await req('DELETE', ackPath(fp));
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ acknowledged: false, ack: { state: 'unacked', endedBy: 'admin' } });
    const del2 = await req('DELETE', `${ackPath(fp)}?by=bob`);
    expect(del2.status).toBe(409);
    expect(((await del2.json()) as { error: { code: string } }).error.code).toBe('conflict');
  });

  it('R-ROUTE-8: 404 for an unknown fingerprint, 400 naming bad fields, 401 without the token; nothing changes', async () => {
    await b.send({ fingerprint: 'fp-http', severity: 'warning' });
    const unknown = await req('POST', ackPath('no-such-alert'), { by: 'alice' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no alert with fingerprint "no-such-alert" (it has never been seen by Vigil)' },
    });

    const bad = await req('POST', ackPath('fp-http'), { by: '', note: 7, extra: true });
    expect(bad.status).toBe(400);
    const msg = ((await bad.json()) as { error: { message: string } }).error.message;
    expect(msg).toMatch(/by: /);
    expect(msg).toMatch(/note: /);
    expect(msg).toMatch(/extra/);
    expect((await req('POST', ackPath('fp-http'), { note: '' })).status).toBe(400);
    expect((await req('POST', ackPath('fp-http'), { by: 'alice' }, false)).status).toBe(401);
    expect((await info('fp-http')).ack).toBeNull();
  });
});

describe('acknowledge from Telegram (R-ROUTE-8, R-NOTIFY-4)', () => {
  /** A Telegram Update for a button press, as the Bot API delivers it to a webhook. */
  const update = (fromId: number, data: string, chatId: string | number = Number(CHAT)) => ({
    update_id: 9000 + fromId,
    callback_query: {
      id: `cq-${fromId}-${data.length}`,
      from: {
        id: fromId,
        is_bot: false,
        first_name: fromId === 4242 ? 'Alice' : 'Mallory',
        username: fromId === 4242 ? 'alice_oncall' : 'mallory',
        language_code: 'en',
      },
      message: {
        message_id: 101,
        date: 1767614400,
        chat: { id: chatId, title: 'ops', type: 'supergroup' },
        text: 'CRITICAL: Disk almost full on web1',
      },
      chat_instance: '-5551234',
      data,
    },
  });

  it('R-ROUTE-8: a critical alert in Telegram carries an "Acknowledge" button; only a configured approver can use it', async () => {
    await b.send({ fingerprint: 'fp-tg' });
    await until(() => tg.sent.length >= 1, 'the alert in Telegram');
    const sent = tg.sent.at(-1)!;
    expect(sent.text).toMatch(/CRITICAL: Disk almost full on web1/);
    const button = sent.replyMarkup!.inline_keyboard[0]![0]!;
    expect(button.text).toBe('Acknowledge');
    expect(Buffer.byteLength(button.callback_data!)).toBeLessThanOrEqual(64);

    // Someone in the chat who is not an approver: refused, nothing changes.
    const refused = await req('POST', '/api/v1/telegram/callback', update(31337, button.callback_data!));
    expect(refused.status).toBe(200);
    expect(await refused.json()).toMatchObject({
      method: 'answerCallbackQuery',
      callback_query_id: 'cq-31337-20',
      accepted: false,
      show_alert: true,
      text: expect.stringMatching(/Refused: user 31337 may not acknowledge/),
    });
    expect((await info('fp-tg')).acknowledged).toBe(false);
    // An approver of another chat is not an approver here.
    const otherChat = await req('POST', '/api/v1/telegram/callback', update(4242, button.callback_data!, -999));
    expect(await otherChat.json()).toMatchObject({ accepted: false });
    expect((await info('fp-tg')).acknowledged).toBe(false);
    expect(await metricValue(b.core.ctx, 'vigil_acks_total', { via: 'telegram' })).toBe(0);

    const ok = await req('POST', '/api/v1/telegram/callback', update(4242, button.callback_data!));
    expect(await ok.json()).toMatchObject({ method: 'answerCallbackQuery', accepted: true, text: expect.stringMatching(/^Acknowledged/) });
    expect((await info('fp-tg')).ack).toMatchObject({ by: '@alice_oncall (telegram 4242)', via: 'telegram', state: 'active' });
    expect(await metricValue(b.core.ctx, 'vigil_acks_total', { via: 'telegram' })).toBe(1);
  });

  it('R-ROUTE-8: a forged or unknown ack button is refused', async () => {
    const forged = await req('POST', '/api/v1/telegram/callback', update(4242, 'ack:AAAAAAAAAAAAAAAA'));
    expect(await forged.json()).toMatchObject({ accepted: false, text: expect.stringMatching(/does not name an alert/) });
    const malformed = await req('POST', '/api/v1/telegram/callback', update(4242, 'ack:../../etc'));
    expect(await malformed.json()).toMatchObject({ accepted: false });
  });
});
