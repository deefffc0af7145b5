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
