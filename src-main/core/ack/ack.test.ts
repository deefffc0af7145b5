import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import type { AckInfo, AckManyResult, OpenAlert } from '../../../src-shared/api/acks';
import { metricValue, settle, until } from '../notify/testing';
import { ackBed, kinds, MIN, type AckBed } from './testing';

let pager: WebhookReceiver;
let lead: WebhookReceiver;
const beds: AckBed[] = [];

const yaml = () => `
router: { cooldown: 1m, repeatInterval: 10m }
channels:
  - { name: desktop, type: desktop }
  - { name: pager, type: webhook, url: "${pager.url}" }
  - { name: lead, type: webhook, url: "${lead.url}" }
routes:
  - match: { severity: critical }
    channels: [desktop]
    escalate: [{ after: 20m, channels: [lead] }, { after: 10m, channels: [pager] }]
  - channels: [desktop]
`;

async function bed(): Promise<AckBed> {
  const b = await ackBed(yaml());
  beds.push(b);
  return b;
}

beforeAll(async () => {
  pager = await startWebhookReceiver();
  lead = await startWebhookReceiver();
});
afterEach(async () => {
  for (const b of beds.splice(0)) {
    await b.close();
    rmSync(b.dir, { recursive: true, force: true });
  }
  pager.requests.length = pager.delivered.length = pager.shown.length = 0;
  lead.requests.length = lead.delivered.length = lead.shown.length = 0;
});
afterAll(async () => {
  await pager.close();
  await lead.close();
});

const info = (b: AckBed, fingerprint = 'fp-disk-web1') => b.call<AckInfo>('alerts.ackInfo', { fingerprint });

describe('escalation chains (R-NOTIFY-5)', () => {
  it('R-NOTIFY-5: an unacknowledged critical escalates after each step\u2019s delay, and the message says why', async () => {
    const b = await bed();
    const id = await b.send();
    await until(() => b.notices.length === 1, 'the first desktop notification');
    expect((await b.event(id)).trace.find((t) => t.stage === 'escalation')?.detail).toMatch(
      /step 1 after 10 min → pager; step 2 after 20 min → lead/,
    );

    b.clock.advance(10 * MIN - 1_000);
    await settle();
    expect(pager.requests).toHaveLength(0);

    b.clock.advance(1_000);
    await until(() => pager.delivered.length === 1, 'step 1 at the pager');
    await b.delivered();
    const [m] = kinds(pager.delivered, 'escalation');
    expect(m!.title).toBe('ESCALATED (step 1): CRITICAL: Disk almost full on web1');
    expect(m!.body).toMatch(/not acknowledged for 10 min on the console/);
    expect(m!.body).toMatch(/Escalation step 1 of 2 → pager/);
    expect(m!.body).not.toMatch(/Fired late/);
    expect(m!.buttons).toEqual([{ text: 'Acknowledge', data: expect.stringMatching(/^ack:[A-Za-z0-9_-]{16}$/) }]);
    expect(lead.requests).toHaveLength(0);

    b.clock.advance(10 * MIN);
    await until(() => lead.delivered.length === 1, 'step 2 at the lead');
    await b.delivered();
    expect(kinds(lead.delivered, 'escalation')[0]!.body).toMatch(/not acknowledged for 20 min on the console/);
    expect(pager.delivered).toHaveLength(1);

    const i = await info(b);
    expect(i.escalated).toBe(true);
    expect(i.escalations.map((e) => [e.step, e.state, e.channels])).toEqual([
      [1, 'fired', ['pager']],
      [2, 'fired', ['lead']],
    ]);
    expect(await metricValue(b.core.ctx, 'vigil_escalations_total', { step: '1' })).toBe(1);
    expect(await metricValue(b.core.ctx, 'vigil_escalations_total', { step: '2' })).toBe(1);
    // A reminder after the repeat interval does not restart the chain.
    await b.send();
    b.clock.advance(30 * MIN);
    await settle();
    expect(pager.delivered).toHaveLength(1);
    expect(lead.delivered).toHaveLength(1);
  });

  it('R-NOTIFY-5: an acknowledged critical does not escalate; the console shows the cancelled steps', async () => {
    const b = await bed();
    await b.send();
    b.clock.advance(5 * MIN);
    const i = await b.call<AckInfo>('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice', note: 'looking at it', via: 'console' });
    expect(i).toMatchObject({
      acknowledged: true,
      ack: { by: 'alice', via: 'console', note: 'looking at it', state: 'active', at: b.clock.now() },
    });
    expect(i.escalations.map((e) => [e.step, e.state, e.cancelReason])).toEqual([
      [1, 'cancelled', 'acknowledged'],
      [2, 'cancelled', 'acknowledged'],
    ]);
    b.clock.advance(60 * MIN);
    await settle();
    expect(pager.requests).toHaveLength(0);
    expect(lead.requests).toHaveLength(0);
    expect(await metricValue(b.core.ctx, 'vigil_escalations_total', { step: '1' })).toBe(0);
  });

  it('R-NOTIFY-5: a resolved alert stops its chain, and the resolution reaches the channels it was escalated to', async () => {
    const b = await bed();
    await b.send();
    b.clock.advance(10 * MIN);
    await until(() => pager.delivered.length === 1, 'step 1');
    await b.delivered();
    const rid = await b.send({ status: 'resolved' });
    const ev = await b.event(rid);
    expect(ev.trace.find((t) => t.stage === 'escalation' && t.result === 'cancelled')?.detail).toMatch(/1 pending escalation step/);
    expect(ev.trace.find((t) => t.stage === 'escalation' && t.result === 'notified')?.detail).toMatch(
      /sent to the escalated channel\(s\) pager/,
    );
    await until(() => pager.delivered.length === 2, 'the resolution at the pager');
    await b.delivered();
    expect(pager.delivered[1]!.body.message).toMatchObject({ kind: 'resolved', title: 'RESOLVED: Disk almost full on web1' });
    b.clock.advance(60 * MIN);
    await settle();
    expect(lead.requests).toHaveLength(0);
    expect((await info(b)).escalations.map((e) => [e.state, e.cancelReason])).toEqual([
      ['fired', null],
      ['cancelled', 'resolved'],
    ]);
  });

  it('R-NOTIFY-5: a silence created for a notified alert stops its chain (someone decided not to be told)', async () => {
    const b = await bed();
    await b.send();
    b.clock.advance(3 * MIN);
    await b.call('silences.create', {
      matchers: [{ name: 'instance', op: '=', value: 'web1' }],
      endsAt: b.clock.now() + 60 * MIN,
      createdBy: 'carol',
      comment: 'disk swap in progress',
    });
    b.clock.advance(30 * MIN);
    await settle();
    expect(pager.requests).toHaveLength(0);
    expect(lead.requests).toHaveLength(0);
    expect((await info(b)).escalations.map((e) => e.cancelReason)).toEqual([
      expect.stringMatching(/^silenced by [0-9a-f-]{36} \(carol: "disk swap in progress"\)$/),
      expect.stringMatching(/^silenced by /),
    ]);
  });

  it('R-NOTIFY-5: a step that fell due while Vigil was down fires once at start-up, marked late', async () => {
    let b = await bed();
    await b.send();
    b.clock.advance(2 * MIN);
    // Down from minute 2 to minute 15: step 1 (10 min) fell due meanwhile, step 2 (20 min) did not.
    b = await b.restart(b.clock.now() + 13 * MIN);
    beds.push(b);
    await until(() => pager.delivered.length === 1, 'the late step 1');
    await b.delivered();
    const m = kinds(pager.delivered, 'escalation')[0]!;
    expect(m.body).toMatch(/Fired late: Vigil was not running when this step fell due at 12:10 UTC/);
    const i = await info(b);
    expect(i.escalations[0]).toMatchObject({ state: 'fired', late: true, lateReason: 'Vigil was not running', firedAt: b.clock.now() });
    expect(i.escalations[1]).toMatchObject({ state: 'armed', late: false });
    b.clock.advance(5 * MIN);
    await until(() => lead.delivered.length === 1, 'step 2 on time');
    await b.delivered();
    expect(kinds(lead.delivered, 'escalation')[0]!.body).not.toMatch(/Fired late/);
    // Another restart does not fire anything again.
    b = await b.restart(b.clock.now() + 60 * MIN);
    beds.push(b);
    await settle(100);
    expect(pager.delivered).toHaveLength(1);
    expect(lead.delivered).toHaveLength(1);
  });
});

describe('acknowledgements (R-ROUTE-8)', () => {
  it('R-ROUTE-8: an acknowledged alert stops repeating; un-acknowledging resumes repeats and re-arms the chain', async () => {
    const b = await bed();
    await b.send();
    await until(() => b.notices.length === 1, 'first notification');
    await b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice', via: 'console' });

    b.clock.advance(11 * MIN); // past the repeat interval: normally a reminder
    const held = await b.event(await b.send());
    expect(held.outcome).toBe('deduped');
    expect(held.trace.find((t) => t.stage === 'ack')).toMatchObject({
      result: 'held',
      detail: expect.stringMatching(/acknowledged by alice \(console\).*not repeated until it resolves or is un-acknowledged/),
    });
    await settle();
    expect(b.notices).toHaveLength(1);
    expect(pager.requests).toHaveLength(0);

    const u = await b.call<AckInfo>('alerts.unack', { fingerprint: 'fp-disk-web1', by: 'bob', via: 'console' });
    expect(u.acknowledged).toBe(false);
    expect(u.ack).toMatchObject({ state: 'unacked', endedBy: 'bob' });
    expect(u.escalations.map((e) => [e.state, e.dueAt - b.clock.now()])).toEqual([
      ['armed', 10 * MIN],
      ['armed', 20 * MIN],
    ]);
    const again = await b.event(await b.send());
    expect(again.outcome).toBe('notified');
    await until(() => b.notices.length === 2, 'the reminder after un-ack');

    b.clock.advance(10 * MIN);
    await until(() => pager.delivered.length === 1, 're-armed step 1');
    expect(kinds(pager.delivered, 'escalation')[0]!.body).toMatch(/un-acknowledged by bob 10 min ago and not acknowledged again/);
    expect((await info(b)).history.map((h) => [h.action, h.by])).toEqual([
      ['unack', 'bob'],
      ['ack', 'alice'],
    ]);
  });

  it('R-ROUTE-8: the resolution of an acknowledged alert is still notified; a new firing starts un-acknowledged', async () => {
    const b = await bed();
    await b.send();
    await b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice', via: 'console' });
    await b.send({ status: 'resolved' });
    b.clock.advance(MIN); // the group window: a group resolves in one message (R-NOISE-1)
    await until(() => b.notices.some((n) => n.title.startsWith('RESOLVED')), 'the resolution on the desktop');
    const after = await info(b);
    expect(after).toMatchObject({ acknowledged: false, status: 'resolved', ack: { state: 'resolved', by: 'alice' } });

    b.clock.advance(MIN);
    const fresh = await b.event(await b.send());
    expect(fresh.outcome).toBe('notified');
    const i = await info(b);
    expect(i.acknowledged).toBe(false);
    expect(i.escalations.map((e) => e.state)).toEqual(['armed', 'armed']);
    b.clock.advance(10 * MIN);
    await until(() => pager.delivered.length === 1, 'the new firing escalates');
  });

  it('R-ROUTE-8: a rise in severity still notifies an acknowledged alert', async () => {
    const b = await bed();
    await b.send({ severity: 'warning' });
    await b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice', via: 'console' });
    b.clock.advance(2 * MIN);
    const ev = await b.event(await b.send({ severity: 'critical' }));
    expect(ev.outcome).toBe('notified');
    expect(ev.trace.find((t) => t.stage === 'ack')?.detail).toMatch(/severity rose to critical/);
  });

  it('R-ROUTE-8: tray, notification and console acks are one core call; who, when, via and notes are kept; metric by path', async () => {
    const b = await bed();
    await b.send();
    await b.send({ fingerprint: 'fp-cpu', summary: 'CPU hot', labels: { alertname: 'Cpu' } });
    await b.send({ fingerprint: 'fp-mem', summary: 'Memory low', labels: { alertname: 'Mem' } });
    const open = await b.call<OpenAlert[]>('alerts.open', { unacknowledgedOnly: true });
    expect(open.map((o) => o.fingerprint).sort()).toEqual(['fp-cpu', 'fp-disk-web1', 'fp-mem']);

    await b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice', via: 'tray' });
    await b.call('alerts.ack', { fingerprint: 'fp-cpu', by: 'bob', via: 'notification' });
    await b.call('alerts.ack', { fingerprint: 'fp-mem', by: 'carol' }); // via defaults to the console
    // A second acknowledgement keeps the first one (and its note is kept as a note).
    const twice = await b.call<AckInfo>('alerts.ack', { fingerprint: 'fp-cpu', by: 'dave', note: 'me too', via: 'console' });
    expect(twice.ack).toMatchObject({ by: 'bob', via: 'notification' });
    b.clock.advance(3 * MIN);
    const noted = await b.call<AckInfo>('alerts.addNote', { fingerprint: 'fp-cpu', by: 'bob', note: 'fan replaced' });
    expect(noted.history.map((h) => [h.action, h.by, h.note, h.at - noted.ack!.at])).toEqual([
      ['note', 'bob', 'fan replaced', 3 * MIN],
      ['note', 'dave', 'me too', 0],
      ['ack', 'bob', null, 0],
    ]);
    for (const [via, n] of [
      ['tray', 1],
      ['notification', 1],
      ['console', 1],
      ['telegram', 0],
      ['api', 0],
    ] as const) {
      expect(await metricValue(b.core.ctx, 'vigil_acks_total', { via }), via).toBe(n);
    }
    expect(await b.call<OpenAlert[]>('alerts.open', { unacknowledgedOnly: true })).toEqual([]);
    expect((await b.call<OpenAlert[]>('alerts.open', {})).every((o) => o.acknowledged)).toBe(true);
  });

  it('R-ROUTE-8: a whole group is acknowledged in one call; an unknown or resolved alert is reported and the rest are acknowledged; the audit names every alert', async () => {
    const b = await bed();
    const fps = Array.from({ length: 30 }, (_, i) => `fp-skew-${i}`);
    for (const fp of fps) await b.send({ fingerprint: fp, labels: { alertname: 'Skew', instance: fp } });
    await b.call('alerts.ack', { fingerprint: 'fp-skew-3', by: 'bob', via: 'tray' }); // someone was quicker for one
    await b.send({ fingerprint: 'fp-skew-29', labels: { alertname: 'Skew', instance: 'fp-skew-29' }, status: 'resolved' });
    const r = await b.call<AckManyResult>('alerts.ackMany', { fingerprints: [...fps, 'nope'], by: 'alice', note: 'NTP', via: 'console' });
    expect(r.acknowledged).toEqual(fps.filter((fp) => fp !== 'fp-skew-3' && fp !== 'fp-skew-29'));
    expect(r.already).toEqual(['fp-skew-3']);
    expect(r.failed).toEqual([
      { fingerprint: 'fp-skew-29', message: 'alert "fp-skew-29" is resolved: there is nothing to acknowledge (add a note instead)' },
      { fingerprint: 'nope', message: expect.stringMatching(/no alert with fingerprint "nope"/) },
    ]);
    expect((await info(b, 'fp-skew-0')).ack).toMatchObject({ by: 'alice', via: 'console', note: 'NTP', state: 'active' });
    expect((await info(b, 'fp-skew-3')).ack).toMatchObject({ by: 'bob', via: 'tray' }); // the first one is kept
    expect(await b.call<OpenAlert[]>('alerts.open', { unacknowledgedOnly: true, limit: 200 })).toEqual([]);
    expect(await metricValue(b.core.ctx, 'vigil_acks_total', { via: 'console' })).toBe(28);
    const { entries } = await b.call<{ entries: Array<{ detail: string }> }>('audit.list', { limit: 5, action: 'alerts.ackMany' });
    // All 31, not the first 20 as other lists are recorded.
    expect((JSON.parse(entries[0]!.detail) as { input: { fingerprints: string[] } }).input.fingerprints).toEqual([...fps, 'nope']);
    await expect(b.call('alerts.ackMany', { fingerprints: [], by: 'alice' })).rejects.toThrow(/bad_request: fingerprints/);
    await expect(b.call('alerts.ackMany', { fingerprints: Array(501).fill('fp-skew-0'), by: 'alice' })).rejects.toThrow(
      /bad_request: fingerprints/,
    );
  });

  it('R-ROUTE-8: bad input gets a clear error and changes nothing', async () => {
    const b = await bed();
    await b.send();
    await expect(b.call('alerts.ack', { fingerprint: 'nope', by: 'alice' })).rejects.toThrow(/not_found: no alert with fingerprint "nope"/);
    await expect(b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: ' ' })).rejects.toThrow(/bad_request: by: say who you are/);
    await expect(b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'x', via: 'pigeon' })).rejects.toThrow(/bad_request: via/);
    await expect(b.call('alerts.unack', { fingerprint: 'fp-disk-web1', by: 'bob' })).rejects.toThrow(
      /conflict: alert "fp-disk-web1" is not acknowledged/,
    );
    await expect(b.call('alerts.addNote', { fingerprint: 'fp-disk-web1', by: 'bob', note: '' })).rejects.toThrow(/bad_request: note/);
    await b.send({ status: 'resolved' });
    await expect(b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice' })).rejects.toThrow(/conflict: .*is resolved/);
    const i = await info(b);
    expect(i.ack).toBeNull();
    expect(i.history).toEqual([]);
    expect(await metricValue(b.core.ctx, 'vigil_acks_total', { via: 'console' })).toBe(0);
  });
});
