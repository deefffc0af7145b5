import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramServer, type TelegramServer } from '../../../e2e/fixtures/telegram-server';
import { ackBed, MIN, type AckBed } from '../ack/testing';
import { until } from '../notify/testing';
import { ROTATIONS_YAML } from './testing';

/**
 * Who is on call decides delivery (issue 18.5): a route's `oncall` channel pages the person the schedule has on
 * call (their own Telegram chat through the team bot, their desktop), an escalation step's `next-in-rotation`
 * the one after them — both resolved on the core's (injected) clock when queued, and kept on the outbox row.
 */
let tg: TelegramServer;
const beds: AckBed[] = [];
beforeAll(async () => {
  tg = await startTelegramServer();
});
afterAll(async () => tg.close());
afterEach(async () => {
  for (const b of beds.splice(0)) await b.close();
  tg.sent.length = 0;
});

const PEOPLE = { alice: '1001', bob: '1002', carol: '1003', dave: '1004' } as const;
const chatOf = (id: string) => Object.entries(PEOPLE).find(([, v]) => v === id)?.[0] ?? `chat ${id}`;
const config = (apiBase: string) => `
smoke: { enabled: false }
channels:
  - { name: desk, type: desktop }
  - { name: tg, type: telegram, chatId: "-100200", botToken: { secret: tg }, apiBase: "${apiBase}" }
  - { name: pager, type: oncall, team: ops, telegram: tg }
  - { name: db-pager, type: oncall, team: db, telegram: tg }
routes:
  - match: { team: db }
    channels: [db-pager, desk]
  - channels: [pager, desk]
    escalate:
      - { after: 10m, channels: [next-in-rotation] }
${ROTATIONS_YAML}`;

async function bedAt(iso: string): Promise<AckBed> {
  const bed = await ackBed(config(tg.url), { at: Date.parse(iso), secrets: { tg: tg.token } });
  beds.push(bed);
  for (const [name, telegram] of Object.entries(PEOPLE)) bed.core.people.add({ name, role: 'responder', telegram }, 'admin');
  return bed;
}
/** Who got which page in their own Telegram chat, in order. */
const pages = () => tg.sent.filter((s) => s.chatId !== '-100200').map((s) => `${chatOf(s.chatId)}: ${s.text.split('\n')[0]}`);
const timeline = async (bed: AckBed) => {
  const { items } = await bed.call<{ items: Array<{ id: string }> }>('incidents.list', {});
  const lines: string[] = [];
  for (const i of items) {
    const detail = await bed.call<{ timeline: Array<{ text: string }> }>('incidents.get', { id: i.id });
    lines.push(...detail.timeline.map((l) => l.text).filter((t) => t.startsWith('paged')));
  }
  return lines.sort();
};

describe('paging the person on call (issue 18.5)', () => {
  it('R-ONCALL-3: across the Monday handoff the page goes to alice, then bob; next-in-rotation escalates past whoever is on call then', async () => {
    const bed = await bedAt('2026-01-12T07:55:00Z'); // alice's week, five minutes before bob takes over
    const addressed: string[] = [];
    bed.core.ctx.bus.subscribe('notice', (n) => void (n.to && addressed.push(n.to)));
    await bed.send({ fingerprint: 'fp-a', summary: 'Disk almost full on web1' });
    await until(() => pages().length === 1, "alice's page");
    expect(pages()).toEqual(['alice: 🔴 CRITICAL: Disk almost full on web1']);
    // The outbox row records who was paged; the Queues page shows it.
    const { items } = await bed.call<{ items: Array<{ channel: string; to: string | null; state: string }> }>('outbox.list', {
      channel: 'pager',
    });
    expect(items.map((i) => [i.channel, i.to])).toEqual([['pager', 'alice (on call)']]);
    // 10 minutes unacknowledged: it is 08:05, bob has the pager, so the next in rotation is carol.
    await bed.delivered(); // settled before the clock passes a send's timeout
    bed.clock.advance(10 * MIN);
    await until(() => pages().length === 2, 'the escalation page');
    expect(pages()[1]).toMatch(/^carol: .*ESCALATED \(step 1\)/);
    // A new alert after the handoff pages bob.
    await bed.send({ fingerprint: 'fp-b', summary: 'Load high on web2', labels: { alertname: 'Load', instance: 'web2' } });
    await until(() => pages().length === 3, "bob's page");
    expect(pages()[2]).toBe('bob: 🔴 CRITICAL: Load high on web2');
    // The desktop channel got every alert too (the route's other channel), and the team chat nothing.
    expect(tg.sent.filter((s) => s.chatId === '-100200')).toEqual([]);
    // Their desktops: each page is a notice addressed to that person (a console shows only its own person's).
    expect(addressed).toEqual(['alice', 'carol', 'bob']);
    await bed.delivered();
    // The incident timelines name who was paged and why.
    expect(await timeline(bed)).toEqual([
      'paged alice (on call) via pager: alert "CRITICAL: Disk almost full on web1": sent',
      'paged bob (on call) via pager: alert "CRITICAL: Load high on web2": sent',
      'paged carol (next in rotation) via pager: escalation "ESCALATED (step 1): CRITICAL: Disk almost full on web1": sent',
    ]);
  });

  it('R-ONCALL-3: an override holder is paged for their hours; with nobody on call an event says so and the other channel still gets it', async () => {
    const bed = await bedAt('2026-01-21T17:30:00Z'); // dave covers carol's night
    await bed.send({ fingerprint: 'fp-c', summary: 'Replication lag on db1' });
    await until(() => pages().length === 1, "dave's page");
    expect(pages()).toEqual(['dave: 🔴 CRITICAL: Replication lag on db1']);
    // next-in-rotation from an override holder outside the rotation: whoever the rotation has now (carol).
    await bed.delivered(); // settled before the clock passes a send's timeout
    bed.clock.advance(10 * MIN);
    await until(() => pages().length === 2, 'the escalation page');
    expect(pages()[1]).toMatch(/^carol: .*ESCALATED/);

    // Team db's rotation has not started: nobody is on call.
    const notices = bed.notices.length;
    await bed.send({ fingerprint: 'fp-db', summary: 'Backup failed', labels: { alertname: 'Backup', team: 'db' } });
    await until(() => bed.notices.length > notices, 'the desktop notice');
    expect(bed.notices.at(-1)!.title).toMatch(/Backup failed/);
    const { items } = await bed.call<{ items: Array<{ source: string; summary: string }> }>('events.list', { source: 'vigil' });
    expect(items.map((e) => e.summary)).toContainEqual(
      expect.stringMatching(
        /nobody is on call for team db: alert "CRITICAL: Backup failed" was not paged through db-pager; the route's other channels/,
      ),
    );
    expect(pages()).toHaveLength(2);
    expect((await bed.call<{ items: unknown[] }>('outbox.list', { channel: 'db-pager' })).items).toEqual([]);
  });
});

describe('on-call follow-ups (issue 18 review)', () => {
  it('R-ONCALL-4: "Send test notification" on an oncall channel pages whoever is on call now and says who; with nobody on call it says so and sends nothing', async () => {
    const bed = await bedAt('2026-01-12T07:55:00Z'); // alice's week
    const test = await bed.call<{ delivered: boolean; to: string | null; error: string | null }>('channels.test', {
      channel: 'pager',
      by: 'bob',
    });
    expect(test).toMatchObject({ delivered: true, error: null, to: 'alice (on call) via telegram (tg) and desktop' });
    expect(pages()).toEqual(['alice: 🔵 Vigil test notification for pager']);
    // A plain channel's test names nobody.
    expect((await bed.call<{ to: string | null }>('channels.test', { channel: 'desk', by: 'bob' })).to).toBeNull();

    // Team db has nobody on call yet: a clear, coded refusal; nothing queued, no incident-style event.
    await expect(bed.call('channels.test', { channel: 'db-pager', by: 'bob' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('nobody is on call for team db now (see the on-call schedule): the test was not sent'),
    });
    expect((await bed.call<{ items: unknown[] }>('outbox.list', { channel: 'db-pager' })).items).toEqual([]);
    await new Promise((r) => setTimeout(r, 50)); // a report would be queued as a microtask
    const { items } = await bed.call<{ items: Array<{ summary: string }> }>('events.list', { source: 'vigil' });
    expect(items.filter((e) => /nobody is on call/.test(e.summary))).toEqual([]);
    expect(pages()).toHaveLength(1);
  });

  it('R-ONCALL-5: a resolution after a next-in-rotation escalation goes to the people who were paged (alice, carol), not to whoever is next by then', async () => {
    const bed = await bedAt('2026-01-12T07:55:00Z'); // alice's week, bob takes over at 08:00
    await bed.send({ fingerprint: 'fp-a', summary: 'Disk almost full on web1' });
    await until(() => pages().length === 1, "alice's page");
    await bed.delivered();
    bed.clock.advance(10 * MIN); // 08:05: bob on call, carol next in rotation
    await until(() => pages().length === 2, 'the escalation page');
    await bed.delivered();
    // Still 08:05: the schedule would now say bob (on call) and carol (next); alice was the one paged as on call.
    await bed.send({ fingerprint: 'fp-a', summary: 'Disk almost full on web1', status: 'resolved' });
    await bed.delivered();
    bed.clock.advance(10 * MIN); // the group's resolution follows its window
    await until(() => pages().length === 4, 'the resolution to both people paged');
    const resolved = pages().slice(2);
    expect(resolved.every((p) => /RESOLVED/.test(p))).toBe(true);
    expect(resolved.map((p) => p.split(':')[0]).sort()).toEqual(['alice', 'carol']);
    // The rows keep who each resolution went to (Queues shows it).
    const { items } = await bed.call<{ items: Array<{ to: string | null; kind: string }> }>('outbox.list', { channel: 'pager' });
    expect(
      items
        .filter((i) => i.kind === 'resolved' || i.kind === 'group')
        .map((i) => i.to)
        .sort(),
    ).toEqual(['alice (on call)', 'carol (next in rotation)']);
    await bed.delivered();

    // The next firing is a new episode: it pages bob (on call now), and its resolution goes to bob only.
    await bed.send({ fingerprint: 'fp-a', summary: 'Disk almost full on web1' });
    await until(() => pages().length === 5, "bob's page");
    await bed.delivered();
    await bed.send({ fingerprint: 'fp-a', summary: 'Disk almost full on web1', status: 'resolved' });
    await bed.delivered();
    bed.clock.advance(10 * MIN);
    await until(() => pages().length === 6, "bob's resolution");
    expect(
      pages()
        .slice(4)
        .map((p) => p.split(':')[0]),
    ).toEqual(['bob', 'bob']);
  });
});
