import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutyServer, type PagerDutyServer } from '../../../e2e/fixtures/pagerduty-server';
import { startTelegramServer, type TelegramServer } from '../../../e2e/fixtures/telegram-server';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import { buildChannels } from '../channels';
import { createOutbox, type Outbox } from './outbox';
import { alert, notifyTestBed, settle, until, type NotifyTestBed } from './testing';
import type { Message } from './types';

let tg: TelegramServer;
let pd: PagerDutyServer;
let hook: WebhookReceiver;
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde'; // 32 characters, as PagerDuty requires
const beds: NotifyTestBed[] = [];
const outboxes: Outbox[] = [];

beforeAll(async () => {
  [tg, pd, hook] = await Promise.all([startTelegramServer(), startPagerDutyServer(), startWebhookReceiver({ secret: 'shared-secret' })]);
});
afterAll(async () => {
  await Promise.all([tg.close(), pd.close(), hook.close()]);
});
afterEach(async () => {
  for (const o of outboxes.splice(0)) await o.stop();
  for (const b of beds.splice(0)) b.cleanup();
  tg.sent.length = 0;
  pd.events.length = 0;
  pd.incidents.clear();
  hook.requests.length = 0;
  hook.delivered.length = 0;
  hook.shown.length = 0;
});

function setup(channel: Record<string, unknown>, secrets: Record<string, string>, outbox: Record<string, unknown> = {}) {
  const bed = notifyTestBed({ channels: [channel], outbox: { maxBackoff: '60s', ...outbox } }, secrets);
  beds.push(bed);
  const reports: string[] = [];
  const o = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }), { onFailure: (what) => reports.push(what) });
  outboxes.push(o);
  o.start();
  const name = channel.name as string;
  const send = (m: Message, key: string) => o.writer.enqueue(name, m, key);
  const row = (key: string) => o.store.list({ channel: name, limit: 100 }).find((r) => r.key === key);
  const toNextAttempt = () => {
    const head = o.store.head(name);
    if (head) bed.clock.advance(Math.max(0, head.nextAttemptAt - bed.clock.now()));
  };
  return { ...bed, outbox: o, send, row, reports, toNextAttempt };
}

const telegram = { name: 'tg', type: 'telegram', chatId: '-1001234567890', botToken: { secret: 'tg-bot' } };

describe('Telegram channel against a Bot API stand-in', () => {
  it('R-NOTIFY-1: the stand-in is as strict as Telegram about HTML (an unescaped "<" is refused)', async () => {
    const res = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: '1', text: 'load < 5 <script>', parse_mode: 'HTML' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error_code: 400, description: expect.stringContaining("can't parse entities") });
  });

  it('R-NOTIFY-1/4: sendMessage with parse_mode HTML shows the text exactly as written, and carries approve/reject buttons as reply_markup', async () => {
    const { send } = setup({ ...telegram, apiBase: tg.url }, { 'tg-bot': tg.token });
    const m = alert('<script>alert("x")</script> & co', {
      body: 'load < 5 && errors > 3; <b>not bold</b> &amp; stays literal',
      labels: { team: 'db&ops' },
      url: 'http://127.0.0.1:7070/#/events/1?a=1&b=2',
      buttons: [
        { text: 'Approve', data: 'hitl:approve:42' },
        { text: 'Reject', data: 'hitl:reject:42' },
      ],
    });
    send(m, 'tg-1');
    await until(() => tg.sent.length === 1, 'telegram message');
    const sent = tg.sent[0]!;
    expect(sent.chatId).toBe('-1001234567890');
    expect(sent.text).toContain('<script>alert("x")</script> & co');
    expect(sent.text).toContain('load < 5 && errors > 3; <b>not bold</b> &amp; stays literal');
    expect(sent.text).toContain('team=db&ops');
    expect(sent.html).toContain('<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</b>');
    expect(sent.html).toContain('<a href="http://127.0.0.1:7070/#/events/1?a=1&amp;b=2">');
    expect(sent.replyMarkup).toEqual({
      inline_keyboard: [
        [
          { text: 'Approve', callback_data: 'hitl:approve:42' },
          { text: 'Reject', callback_data: 'hitl:reject:42' },
        ],
      ],
    });
  });

  it('R-NOTIFY-7: a message with long labels, a long title and a long body is cut to what Telegram takes and delivered, not failed for ever', async () => {
    const { send, row } = setup({ ...telegram, apiBase: tg.url }, { 'tg-bot': tg.token });
    const labels = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`label_${i}`, `v&<${i}>`.repeat(400)]));
    send(alert('T&'.repeat(400), { body: 'b<'.repeat(10_000), labels }), 'tg-long');
    await until(() => row('tg-long')?.state === 'sent' || row('tg-long')?.state === 'failed', 'settled');
    expect(row('tg-long')).toMatchObject({ state: 'sent' });
    const sent = tg.sent[0]!;
    expect(sent.text.length).toBeLessThanOrEqual(4096);
    expect(sent.text).toContain('T&T&T&');
    expect(sent.text).toContain('label_0=v&<0>');
  });

  it('R-NOTIFY-2: 429 with parameters.retry_after is honoured to the second; a 502 from the proxy is retried with backoff', async () => {
    const { clock, send, row } = setup({ ...telegram, apiBase: tg.url }, { 'tg-bot': tg.token });
    const before = tg.requests;
    tg.failNext({ kind: 'rate_limited', retryAfter: 7 }, { kind: 'bad_gateway' });
    send(alert('flood'), 'tg-flood');
    await until(() => row('tg-flood')?.attempts === 1, '429 attempt');
    expect(row('tg-flood')!.lastError).toContain('Too Many Requests: retry after 7');
    expect(row('tg-flood')!.nextAttemptAt - clock.now()).toBe(7_000);
    clock.advance(6_999);
    await settle();
    expect(tg.requests - before).toBe(1);
    clock.advance(1);
    await until(() => row('tg-flood')?.attempts === 2, '502 attempt');
    expect(row('tg-flood')!.lastError).toContain('HTTP 502');
    const wait = row('tg-flood')!.nextAttemptAt - clock.now();
    expect(wait).toBeGreaterThanOrEqual(1_000); // attempt 2: between 1 s and 2 s
    expect(wait).toBeLessThanOrEqual(2_000);
    clock.advance(wait);
    await until(() => row('tg-flood')?.state === 'sent', 'delivered');
    expect(tg.sent).toHaveLength(1);
  });

  it('R-NOTIFY-2: a refused message (400 chat not found) is failed and shown; a missing or wrong token holds messages instead of losing them', async () => {
    const secrets: Record<string, string> = {};
    const { send, row, outbox, reports } = setup({ ...telegram, apiBase: tg.url }, secrets);
    send(alert('no token yet'), 'tg-held');
    await until(() => row('tg-held')?.attempts === 1, 'held');
    expect(row('tg-held')).toMatchObject({ state: 'pending' });
    expect(row('tg-held')!.lastError).toMatch(/secret "tg-bot" is not set/);
    expect(outbox.health()[0]).toMatchObject({ state: 'failing', backlog: 1 });

    secrets['tg-bot'] = 'wrong:token';
    outbox.retryChannel('tg');
    await until(() => row('tg-held')?.attempts === 2, 'wrong token');
    expect(row('tg-held')!.lastError).toContain('HTTP 401: Unauthorized');
    expect(row('tg-held')!.lastError).not.toContain('wrong:token'); // the token never lands in an error

    secrets['tg-bot'] = tg.token;
    outbox.retryChannel('tg');
    await until(() => row('tg-held')?.state === 'sent', 'delivered with the right token');

    tg.failNext({ kind: 'bad_request', description: 'Bad Request: chat not found' });
    send(alert('lost chat'), 'tg-400');
    send(alert('after'), 'tg-after');
    await until(() => tg.sent.length === 2, 'queue moved on');
    expect(row('tg-400')).toMatchObject({ state: 'failed', lastError: 'HTTP 400: Bad Request: chat not found' });
    expect(reports).toContain('channel tg (refused messages)');
  });

  it('R-NOTIFY-4: a button whose callback data exceeds 64 bytes is refused with a clear error, not truncated', async () => {
    const { send, row } = setup({ ...telegram, apiBase: tg.url }, { 'tg-bot': tg.token });
    send(alert('big button', { buttons: [{ text: 'Approve', data: 'x'.repeat(65) }] }), 'tg-big');
    await until(() => row('tg-big')?.state === 'failed', 'refused');
    expect(row('tg-big')!.lastError).toBe('button "Approve" carries more than 64 bytes of callback data');
    expect(tg.sent).toHaveLength(0);
  });
});

describe('PagerDuty channel against an Events API v2 stand-in', () => {
  const pagerduty = () => ({ name: 'pd', type: 'pagerduty', routingKey: { secret: 'pd-key' }, url: pd.url });

  it('R-NOTIFY-1: trigger then resolve with dedup_key = fingerprint opens and closes one incident', async () => {
    const { send } = setup(pagerduty(), { 'pd-key': ROUTING_KEY });
    const labels = { alertname: 'DiskFull', instance: 'web-1:9100' };
    send(alert('Disk full on web-1', { fingerprint: 'fp-disk-web1', labels, severity: 'warning' }), 'pd-1');
    send(alert('Disk full on web-1', { fingerprint: 'fp-disk-web1', labels, status: 'resolved', kind: 'resolved' }), 'pd-2');
    await until(() => pd.events.length === 2, 'two events');
    expect(pd.events[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'fp-disk-web1',
      payload: { summary: 'Disk full on web-1', source: 'web-1:9100', severity: 'warning' },
    });
    expect(pd.events[1]).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'fp-disk-web1' });
    expect(pd.incidents.get('fp-disk-web1')).toMatchObject({ status: 'resolved', triggers: 1 });
  });

  it('R-NOTIFY-7: an alert with 64 labels of 2,000 characters, a 20,000-character title and a 600 KB body is cut to what PagerDuty takes and accepted', async () => {
    const { send, row } = setup(pagerduty(), { 'pd-key': ROUTING_KEY });
    const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`l${i}`, 'x'.repeat(2000)]));
    send(
      alert('S'.repeat(20_000), { fingerprint: 'fp-big', body: 'b'.repeat(600_000), labels: { ...labels, instance: 'i'.repeat(2000) } }),
      'pd-big',
    );
    await until(() => row('pd-big')?.state === 'sent' || row('pd-big')?.state === 'failed', 'settled');
    expect(row('pd-big')).toMatchObject({ state: 'sent' });
    expect(pd.events[0]!.payload!.summary.length).toBeLessThanOrEqual(1024);
    expect(pd.events[0]!.payload!.source.length).toBeLessThanOrEqual(255);
  });

  it('R-NOTIFY-2: 429 (with Retry-After) and 5xx are retried until accepted, once', async () => {
    const { clock, send, row, toNextAttempt } = setup(pagerduty(), { 'pd-key': ROUTING_KEY });
    const before = pd.requests;
    pd.failNext({ kind: 'throttle', retryAfter: 30 }, { kind: 'server_error', status: 503 }, { kind: 'server_error', status: 500 });
    send(alert('DB down', { fingerprint: 'fp-db' }), 'pd-db');
    await until(() => row('pd-db')?.attempts === 1, 'throttled');
    expect(row('pd-db')!.lastError).toContain('HTTP 429: PagerDuty: throttle event');
    expect(row('pd-db')!.nextAttemptAt - clock.now()).toBe(30_000);
    toNextAttempt();
    await until(() => row('pd-db')?.attempts === 2, '503');
    toNextAttempt();
    await until(() => row('pd-db')?.attempts === 3, '500');
    toNextAttempt();
    await until(() => row('pd-db')?.state === 'sent', 'accepted');
    expect(pd.requests - before).toBe(4);
    expect(pd.incidents.get('fp-db')).toMatchObject({ status: 'triggered', triggers: 1 });
    expect(row('pd-db')!.state).toBe('sent');
  });

  it("R-NOTIFY-2: 400 invalid event is final — failed, shown with PagerDuty's reason", async () => {
    const { send, row, reports } = setup(pagerduty(), { 'pd-key': 'too-short' });
    send(alert('bad key'), 'pd-bad');
    await until(() => row('pd-bad')?.state === 'failed', 'failed');
    expect(row('pd-bad')!.lastError).toBe(
      "HTTP 400: PagerDuty: invalid event: Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)",
    );
    expect(reports).toContain('channel pd (refused messages)');
  });

  it('R-NOTIFY-2: a pager never gets a digest — after an outage every alert is its own event, in order', async () => {
    const { send, row, toNextAttempt } = setup(pagerduty(), { 'pd-key': ROUTING_KEY }, { digestThreshold: 2 });
    pd.failNext({ kind: 'server_error', status: 502 });
    for (let i = 1; i <= 5; i++) send(alert(`alert ${i}`, { fingerprint: `fp-${i}` }), `pd-${i}`);
    await until(() => row('pd-1')?.attempts === 1, 'outage');
    toNextAttempt();
    await until(() => pd.events.length === 5, 'all five');
    expect(pd.events.map((e) => e.dedup_key)).toEqual(['fp-1', 'fp-2', 'fp-3', 'fp-4', 'fp-5']);
  });
});

describe('webhook channel', () => {
  const webhook = () => ({ name: 'hook', type: 'webhook', url: hook.url, hmacSecret: { secret: 'hook-hmac' } });

  it('R-NOTIFY-3: JSON POST with Idempotency-Key and X-Vigil-Signature = sha256 HMAC of the exact body, verified by the receiver', async () => {
    const { send } = setup(webhook(), { 'hook-hmac': 'shared-secret' });
    send(alert('signed'), 'key-signed');
    await until(() => hook.shown.length === 1, 'delivered');
    const d = hook.shown[0]!;
    expect(d.key).toBe('key-signed');
    expect(d.body).toMatchObject({ version: 1, channel: 'hook', idempotencyKey: 'key-signed', message: { title: 'signed' } });
    expect(d.signature).toBe(`sha256=${createHmac('sha256', 'shared-secret').update(d.raw).digest('hex')}`);
    expect(d.verified).toBe(true);
  });

  it('R-NOTIFY-2: a wrong or missing signing secret holds the message (never sent unsigned) until it is fixed', async () => {
    const secrets: Record<string, string> = { 'hook-hmac': 'not-the-shared-secret' };
    const { send, row, outbox } = setup(webhook(), secrets);
    send(alert('held'), 'key-held');
    await until(() => row('key-held')?.attempts === 1, 'refused by receiver');
    expect(row('key-held')).toMatchObject({ state: 'pending' });
    expect(row('key-held')!.lastError).toContain('HTTP 401');
    delete secrets['hook-hmac'];
    outbox.retryChannel('hook');
    await until(() => row('key-held')?.attempts === 2, 'missing secret');
    expect(row('key-held')!.lastError).toMatch(/secret "hook-hmac" is not set/);
    expect(hook.requests).toHaveLength(1); // nothing unsigned went out
    secrets['hook-hmac'] = 'shared-secret';
    outbox.retryChannel('hook');
    await until(() => hook.shown.length === 1, 'delivered once fixed');
  });
});
