import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramServer, type TelegramServer } from '../../../e2e/fixtures/telegram-server';
import { buildChannels } from '../channels';
import { ConfigSchema } from '../config';
import { createOutbox, type Outbox } from './outbox';
import { alert, groupStormCore, notifyTestBed, until, type NotifyTestBed } from './testing';
import type { Message } from './types';

/** Quiet storms (R-NOTIFY-8): one Telegram message per incident, follow-ups folded in by editMessageText. */
let tg: TelegramServer;
const beds: NotifyTestBed[] = [];
const outboxes: Outbox[] = [];

beforeAll(async () => {
  tg = await startTelegramServer();
});
afterAll(() => tg.close());
afterEach(async () => {
  for (const o of outboxes.splice(0)) await o.stop();
  for (const b of beds.splice(0)) b.cleanup();
  tg.sent.length = 0;
  tg.edits.length = 0;
});

const telegram = { name: 'tg', type: 'telegram', chatId: '-1001234567890', botToken: { secret: 'tg-bot' } };

function setup(channel: Record<string, unknown> = { ...telegram, apiBase: tg.url }) {
  const bed = notifyTestBed({ channels: [channel], outbox: { maxBackoff: '60s' } }, { 'tg-bot': tg.token });
  beds.push(bed);
  const o = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }));
  outboxes.push(o);
  o.start();
  const name = channel.name as string;
  let n = 0;
  const send = (m: Message) => {
    const key = `k${++n}`;
    o.writer.enqueue(name, m, key);
    return key;
  };
  const row = (key: string) => o.store.list({ channel: name, limit: 100 }).find((r) => r.key === key);
  const delivered = (key: string) => until(() => row(key)?.state === 'sent', `${key} delivered`);
  return { ...bed, outbox: o, send, row, delivered, name };
}

const thread = (key: string, closes = false) => ({ key, ...(closes ? { closes } : {}) });
const ackButtons = [{ text: 'Acknowledge', data: 'ack:fp-db01' }];

describe('R-NOTIFY-8: follow-ups folded into the incident message (Telegram editMessageText)', () => {
  it('R-NOTIFY-8: the first message goes out at once; the group update and the resolution edit it — one chat message for the incident', async () => {
    const { send, delivered, outbox } = setup();
    const t = thread('r0|alertname=HighCPU');
    await delivered(send(alert('WARNING: HighCPU on app01', { severity: 'warning', thread: t, buttons: ackButtons })));
    expect(tg.sent).toHaveLength(1);
    const id = tg.sent[0]!.messageId;
    expect(outbox.store.thread('tg', t.key)?.ref).toBe(String(id)); // stored with the thread, for the edits

    await delivered(send(alert('WARNING: HighCPU +2 more on app02, app03', { kind: 'group', severity: 'warning', thread: t })));
    expect(tg.sent).toHaveLength(1);
    expect(tg.edits).toHaveLength(1);
    expect(tg.sent[0]!.text).toContain('HighCPU +2 more on app02, app03');
    expect(tg.sent[0]!.text).toContain('WARNING: HighCPU on app01'); // what it said before stays readable
    expect(tg.sent[0]!.replyMarkup?.inline_keyboard[0]?.[0]?.text).toBe('Acknowledge'); // still answerable

    const resolved = alert('RESOLVED: HighCPU — all 3 alerts', {
      kind: 'resolved',
      status: 'resolved',
      severity: 'warning',
      thread: thread(t.key, true),
    });
    await delivered(send(resolved));
    expect(tg.sent).toHaveLength(1);
    expect(tg.edits).toHaveLength(2);
    expect(tg.sent[0]!.text).toMatch(/^🟠 ✅ RESOLVED RESOLVED: HighCPU — all 3 alerts/);
    expect(tg.sent[0]!.replyMarkup).toBeUndefined(); // nothing left to acknowledge
    expect(outbox.store.thread('tg', t.key)).toMatchObject({ messages: 1, folded: 2, closedAt: expect.any(Number) });

    // The incident is over: the group firing again is a new incident, a new message.
    await delivered(send(alert('WARNING: HighCPU on app04', { severity: 'warning', thread: t })));
    expect(tg.sent).toHaveLength(2);
  });

  it('R-NOTIFY-8: the wake rule — an escalation and an incident turning critical are new messages; later follow-ups edit the newest', async () => {
    const { send, delivered } = setup();
    const t = thread('r0|alertname=Latency');
    await delivered(send(alert('WARNING: Latency on api01', { severity: 'warning', thread: t })));
    await delivered(send(alert('CRITICAL: Latency on api02', { thread: t })));
    expect(tg.sent).toHaveLength(2); // turned critical: someone must be woken
    await delivered(send(alert('Latency +3 more', { kind: 'group', thread: t })));
    expect(tg.sent).toHaveLength(2);
    expect(tg.edits.at(-1)?.messageId).toBe(tg.sent[1]!.messageId); // folded into the newest, the one a person looks at
    await delivered(send(alert('ESCALATED: Latency not acknowledged for 10m', { kind: 'escalation', thread: t })));
    expect(tg.sent).toHaveLength(3);
    // A message of no incident (an approval, a smoke summary) is always its own message.
    await delivered(send(alert('Approve restart of api01?', { kind: 'hitl' })));
    expect(tg.sent).toHaveLength(4);
  });

  it('R-NOTIFY-8: "message to edit not found" (deleted in the chat) sends the follow-up as a new message, which later ones edit', async () => {
    const { send, delivered, outbox } = setup();
    const t = thread('r0|alertname=Disk');
    await delivered(send(alert('WARNING: Disk on db01', { severity: 'warning', thread: t })));
    tg.deleteMessage(tg.sent[0]!.messageId);
    await delivered(send(alert('Disk +1 more', { kind: 'group', severity: 'warning', thread: t })));
    expect(tg.sent).toHaveLength(2);
    expect(outbox.store.thread('tg', t.key)?.ref).toBe(String(tg.sent[1]!.messageId));
    await delivered(send(alert('Disk +2 more', { kind: 'group', severity: 'warning', thread: t })));
    expect(tg.sent).toHaveLength(2);
    expect(tg.edits.at(-1)?.messageId).toBe(tg.sent[1]!.messageId);
  });

  it('R-NOTIFY-8: "message is not modified" (an edit that already landed, sent again after a crash) counts as delivered, no new message', async () => {
    const { send, delivered, row } = setup();
    const t = thread('r0|alertname=Queue');
    await delivered(send(alert('WARNING: Queue on mq01', { severity: 'warning', thread: t })));
    tg.failNext({
      kind: 'bad_request',
      description:
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    });
    const key = send(alert('Queue +1 more', { kind: 'group', severity: 'warning', thread: t }));
    await delivered(key);
    expect(row(key)).toMatchObject({ state: 'sent', attempts: 0 });
    expect(tg.sent).toHaveLength(1);
  });

  it('R-NOTIFY-8: a 429 on an edit waits retry_after and then edits (the follow-up is neither lost nor a new message)', async () => {
    const { send, delivered, row, clock } = setup();
    const t = thread('r0|alertname=Net');
    await delivered(send(alert('WARNING: Net on sw01', { severity: 'warning', thread: t })));
    tg.failNext({ kind: 'rate_limited', retryAfter: 7 });
    const key = send(alert('Net +1 more', { kind: 'group', severity: 'warning', thread: t }));
    await until(() => row(key)?.attempts === 1, 'the 429 recorded');
    expect(row(key)).toMatchObject({ state: 'pending', nextAttemptAt: clock.now() + 7_000 });
    clock.advance(7_000);
    await delivered(key);
    expect(tg.sent).toHaveLength(1);
    expect(tg.edits).toHaveLength(1);
    expect(tg.sent[0]!.text).toContain('Net +1 more');
  });
});

describe('R-NOTIFY-8: desktop notices of one incident replace each other by tag', () => {
  it('R-NOTIFY-8: the first notice carries the incident tag; a follow-up is an update of the same tag, shown quietly', async () => {
    const { send, delivered, ctx } = setup({ name: 'desk', type: 'desktop' });
    const seen: Array<{ title: string; tag?: string | undefined; update?: boolean | undefined }> = [];
    ctx.bus.subscribe('notice', (n) => seen.push({ title: n.title, tag: n.tag, update: n.update }));
    const t = thread('r0|alertname=HighCPU');
    await delivered(send(alert('WARNING: HighCPU on app01', { severity: 'warning', thread: t })));
    await delivered(send(alert('HighCPU +2 more', { kind: 'group', severity: 'warning', thread: t })));
    await delivered(send(alert('Approve restart?', { kind: 'hitl' })));
    expect(seen).toEqual([
      { title: 'WARNING: HighCPU on app01', tag: t.key, update: undefined },
      { title: 'HighCPU +2 more', tag: t.key, update: true },
      { title: 'Approve restart?', tag: undefined, update: undefined },
    ]);
  });
});

describe('R-NOTIFY-8: through the router — a group storm is one Telegram message', () => {
  it('R-NOTIFY-8: first alert at once; the update naming the joiners and the group resolution fold into it (default router settings)', async () => {
    const config = ConfigSchema.parse({ channels: [{ ...telegram, apiBase: tg.url }], routes: [{ channels: ['tg'] }] });
    const { core, storm, close } = await groupStormCore(config, { name: 'tg-bot', value: tg.token }, 'warning');
    try {
      await storm(() => {
        expect(tg.sent).toHaveLength(1); // at once: no group_wait before the first page
        expect(tg.sent[0]!.text).toContain('HighCPU on app01');
      });
      const rows = core.areas.db.prepare(`SELECT count(*) AS n FROM outbox WHERE channel = 'tg'`).pluck().get() as number;
      expect(rows).toBe(3); // first alert, group update, group resolution …
      expect(tg.sent).toHaveLength(1); // … and the chat shows one message
      expect(tg.edits).toHaveLength(2);
      expect(tg.sent[0]!.text).toContain('RESOLVED');
      expect(tg.sent[0]!.text).toContain('HighCPU +3 more');
    } finally {
      await close();
    }
  });
});

describe('R-NOTIFY-8: an escalation joins its incident thread', () => {
  it('R-NOTIFY-8, R-NOTIFY-5: the escalation is a new Telegram message in the incident thread; the incident’s resolution edits it, not the first message', async () => {
    const config = ConfigSchema.parse({
      channels: [{ ...telegram, apiBase: tg.url }],
      routes: [{ channels: ['tg'], escalate: [{ after: '10m', channels: ['tg'] }] }],
    });
    const { core, clock, ingest, drained, close } = await groupStormCore(config, { name: 'tg-bot', value: tg.token }, 'critical');
    try {
      await ingest(['app01'], 'firing');
      await drained();
      clock.advance(10 * 60_000);
      await until(() => tg.sent.length === 2, 'the escalation message');
      await drained();
      const [first, escalated] = tg.sent;
      expect(escalated!.text).toContain('ESCALATED (step 1)');
      const thread = core.areas.db.prepare(`SELECT json_extract(message, '$.thread.key') FROM outbox WHERE idem_key LIKE 'escalation:%'`);
      expect(thread.pluck().get()).toBe('r0|alertname=HighCPU'); // the key the first message used
      await ingest(['app01'], 'resolved');
      await drained(); // the escalation chain's own resolution (a new message) before the clock moves
      clock.advance(config.router.groupWindow);
      await drained();
      // Before: the escalation had no thread, so the resolution edited the first message and the escalated one kept saying ESCALATED.
      const edited = tg.edits.filter((e) => e.messageId === escalated!.messageId);
      expect(edited.length).toBeGreaterThan(0);
      expect(tg.edits.filter((e) => e.messageId === first!.messageId)).toEqual([]);
      expect(tg.sent.find((m) => m.messageId === escalated!.messageId)!.text).toMatch(/RESOLVED/);
    } finally {
      await close();
    }
  });
});
