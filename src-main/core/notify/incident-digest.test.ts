import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import { buildChannels } from '../channels';
import { createOutbox, type Outbox } from './outbox';
import { alert, notifyTestBed, settle, until, type NotifyTestBed } from './testing';
import type { Message } from './types';

/** Rate-limited digests on a channel that cannot edit (R-NOTIFY-9), against a real HTTP webhook receiver. */
let hook: WebhookReceiver;
const beds: NotifyTestBed[] = [];
const outboxes: Outbox[] = [];
const MIN = 60_000;

beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(() => hook.close());
afterEach(async () => {
  for (const o of outboxes.splice(0)) await o.stop();
  for (const b of beds.splice(0)) b.cleanup();
  hook.answer(null);
  hook.requests.length = hook.delivered.length = hook.shown.length = 0;
});

const webhook = (extra: Record<string, unknown> = {}) => ({ name: 'hook', type: 'webhook', url: hook.url, ...extra });

function setup(channel: Record<string, unknown> = webhook(), dir?: string) {
  const bed = notifyTestBed({ channels: [channel], outbox: { maxBackoff: '60s' } }, {}, dir);
  beds.push(bed);
  const o = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }));
  outboxes.push(o);
  o.start();
  let n = 0;
  const send = (m: Message) => {
    const key = `k${++n}`;
    o.writer.enqueue('hook', m, key);
    return key;
  };
  const row = (key: string) => o.store.list({ channel: 'hook', limit: 500 }).find((r) => r.key === key);
  const settled = (key: string, state = 'sent') => until(() => row(key)?.state === state, `${key} ${state}`);
  return { ...bed, outbox: o, send, row, settled };
}

const thread = (key: string, closes = false) => ({ key, ...(closes ? { closes } : {}) });
const T = 'r0|alertname=HighCPU';
const update = (title: string, over: Partial<Message> = {}) =>
  alert(title, { kind: 'group', severity: 'warning', thread: thread(T), ...over });
const titles = () => hook.shown.map((d) => d.body.message.title);

describe('R-NOTIFY-9: follow-ups on a channel that cannot edit go out as one digest per incident per interval', () => {
  it('R-NOTIFY-9: first message at once; follow-ups held and sent as one digest after 5 min naming how many it folds; the resolution ends it at once', async () => {
    const { send, settled, row, clock, outbox } = setup();
    await settled(send(alert('WARNING: HighCPU on app01', { severity: 'warning', thread: thread(T) })));
    expect(titles()).toEqual(['WARNING: HighCPU on app01']); // at once: no group_wait

    clock.advance(MIN);
    const held = [
      send(update('WARNING: HighCPU +2 more on app02, app03')),
      send(update('FLAPPING: HighCPU on app02', { kind: 'flapping' })),
    ];
    clock.advance(MIN);
    held.push(send(update('WARNING: HighCPU +1 more on app04')));
    for (const k of held) await settled(k, 'held');
    await settle();
    expect(hook.shown).toHaveLength(1); // nothing more reached the chat yet

    clock.advance(3 * MIN); // 5 min after the incident's first message
    await settled(held[2]!);
    expect(hook.shown).toHaveLength(2);
    const digest = hook.shown[1]!.body.message;
    expect(digest.kind).toBe('digest');
    expect(digest.title).toBe('WARNING: HighCPU +1 more on app04 (3 updates since 00:01:00 UTC)');
    expect(digest.body).toContain('00:01:00 [warning] WARNING: HighCPU +2 more on app02, app03');
    expect(digest.body).toContain('00:01:00 [warning] FLAPPING: HighCPU on app02');
    expect((hook.shown[1]!.body.message as unknown as Message).labels.vigil_digest).toBe('3');
    // Nothing lost: the older held rows are kept, pointing at the digest that carried them.
    const carrier = row(held[2]!)!.id;
    expect(held.slice(0, 2).map((k) => [row(k)?.state, row(k)?.digestId])).toEqual([
      ['digested', carrier],
      ['digested', carrier],
    ]);

    // The next follow-up waits for the next interval; the resolution goes at once and carries it.
    clock.advance(MIN);
    const late = send(update('WARNING: HighCPU +1 more on app05'));
    await settled(late, 'held');
    clock.advance(30_000);
    const res = send(
      alert('RESOLVED: HighCPU — all 5 alerts', { kind: 'resolved', status: 'resolved', severity: 'warning', thread: thread(T, true) }),
    );
    await settled(res);
    expect(hook.shown).toHaveLength(3);
    const end = hook.shown[2]!.body.message;
    expect(end.title).toBe('RESOLVED: HighCPU — all 5 alerts (incident over: 6 updates, resolved at 00:06:30 UTC)');
    expect(end.body).toContain(
      'What happened: 6 updates from 00:00:00 UTC, resolved at 00:06:30 UTC (2 messages sent, 2 folded into digests, 1 folded into this one).',
    );
    expect(end.body).toContain('00:06:00 [warning] WARNING: HighCPU +1 more on app05');
    expect(row(late)).toMatchObject({ state: 'digested', digestId: row(res)!.id });
    expect(outbox.store.thread('hook', T)?.closedAt).not.toBeNull();
    // The incident was 6 notifications; the chat got 3 messages.
    expect(outbox.store.list({ channel: 'hook', limit: 50 })).toHaveLength(6);
  });

  it('R-NOTIFY-9: an escalation and an incident turning critical go out at once while updates are held', async () => {
    const { send, settled, clock } = setup();
    await settled(send(alert('WARNING: HighCPU on app01', { severity: 'warning', thread: thread(T) })));
    clock.advance(10_000);
    const held = send(update('WARNING: HighCPU +1 more on app02'));
    await settled(held, 'held');
    await settled(send(update('CRITICAL: HighCPU +1 more on app03', { severity: 'critical' })));
    expect(titles().at(-1)).toBe('CRITICAL: HighCPU +1 more on app03');
    await settled(send(update('ESCALATED: HighCPU unacknowledged for 10m', { kind: 'escalation', severity: 'critical' })));
    expect(hook.shown).toHaveLength(3);
    expect(hook.shown.map((d) => d.body.message.kind)).toEqual(['alert', 'group', 'escalation']);
  });

  it('R-NOTIFY-9: digest: 0 sends every follow-up at once (a machine that wants each one)', async () => {
    const { send, settled } = setup(webhook({ digest: 0 }));
    await settled(send(alert('WARNING: HighCPU on app01', { severity: 'warning', thread: thread(T) })));
    await settled(send(update('WARNING: HighCPU +1 more on app02')));
    await settled(send(update('WARNING: HighCPU +1 more on app03')));
    expect(hook.shown).toHaveLength(3);
  });

  it('R-NOTIFY-9: a digest the receiver refuses for a while is retried with its key and delivered once; the queue behind it waits', async () => {
    const { send, settled, clock, outbox, row } = setup();
    await settled(send(alert('WARNING: HighCPU on app01', { severity: 'warning', thread: thread(T) })));
    const held = [send(update('WARNING: HighCPU +1 more on app02')), send(update('WARNING: HighCPU +1 more on app03'))];
    for (const k of held) await settled(k, 'held');
    hook.answer(() => ({ status: 503 }));
    clock.advance(5 * MIN);
    await until(() => row(held[1]!)?.attempts === 1, 'the digest attempted and settled for a retry');
    const other = send(alert('CRITICAL: DiskFull on db01', { thread: thread('r0|alertname=DiskFull') }));
    hook.answer(null);
    const head = outbox.store.head('hook')!;
    expect(head.key).toBe(held[1]); // the digest is the head: DiskFull waits behind it
    clock.advance(Math.max(0, head.nextAttemptAt - clock.now()));
    await settled(other);
    expect(titles()).toEqual([
      'WARNING: HighCPU on app01',
      'WARNING: HighCPU +1 more on app03 (2 updates since 00:00:00 UTC)',
      'CRITICAL: DiskFull on db01',
    ]);
  });
});

describe('R-NOTIFY-9: held follow-ups are durable', () => {
  it('R-NOTIFY-9: kill -9 while follow-ups are held: after a restart the digest carries every one of them, sent once', async () => {
    const first = setup(); // only to own a temp dir the child writes into
    const dir = first.dir;
    await outboxes.pop()!.stop();
    first.db.close();
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'incident-digest.child.ts'), dir, hook.url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => out.includes('HELD 3'), 'the child to hold three follow-ups', 30_000);
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    expect(child.signalCode).toBe('SIGKILL');
    expect(titles()).toEqual(['WARNING: HighCPU on app01']);

    const again = setup(webhook(), dir); // the same database file, a fresh process state
    expect(again.outbox.store.list({ channel: 'hook', state: 'held', limit: 10 })).toHaveLength(3);
    again.clock.advance(5 * MIN);
    await until(() => hook.shown.length === 2, 'the digest after the restart');
    await settle();
    expect(hook.shown[1]!.body.message.title).toBe('WARNING: HighCPU +1 more on app04 (3 updates since 00:00:10 UTC)');
    expect(hook.delivered).toHaveLength(2); // each delivered once
    expect(again.outbox.store.list({ channel: 'hook', state: 'held', limit: 10 })).toHaveLength(0);
  });
});
