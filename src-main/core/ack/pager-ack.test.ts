import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutyServer, type PagerDutyServer } from '../../../e2e/fixtures/pagerduty-server';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import type { AckInfo } from '../../../src-shared/api/acks';
import { settle, until } from '../notify/testing';
import { ackBed, MIN, type AckBed } from './testing';

const ROUTING_KEY = 'R0UT1NGK3Y0123456789abcdefABCDEF';
let pd: PagerDutyServer;
let hook: WebhookReceiver;
const beds: AckBed[] = [];

// Criticals page only when escalated; team=db pages directly (routed); everything else stays on the console.
const yaml = () => `
router: { cooldown: 1m, repeatInterval: 10m }
channels:
  - { name: desktop, type: desktop }
  - { name: hook, type: webhook, url: "${hook.url}" }
  - { name: pd, type: pagerduty, routingKey: { secret: pd-key }, url: "${pd.url}" }
routes:
  - match: { team: db }
    channels: [pd, hook]
  - match: { severity: critical }
    channels: [desktop, hook]
    escalate: [{ after: 10m, channels: [pd] }]
  - channels: [desktop]
`;

async function bed(): Promise<AckBed> {
  const b = await ackBed(yaml(), { secrets: { 'pd-key': ROUTING_KEY } });
  beds.push(b);
  return b;
}

const ack = (b: AckBed, fingerprint: string, by = 'alice') => b.call<AckInfo>('alerts.ack', { fingerprint, by, via: 'console' });
const actions = (fp: string) => pd.events.filter((e) => e.dedup_key === fp).map((e) => e.event_action);

beforeAll(async () => {
  pd = await startPagerDutyServer();
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  for (const b of beds.splice(0)) await b.close();
  pd.events.length = 0;
  pd.incidents.clear();
  hook.requests.length = hook.delivered.length = hook.shown.length = 0;
});
afterAll(async () => {
  await pd.close();
  await hook.close();
});

describe('acknowledging in Vigil acknowledges the PagerDuty incident (R-ROUTE-8)', () => {
  it('R-ROUTE-8: a critical escalated to PagerDuty and then acknowledged in Vigil: trigger, then acknowledge with the same dedup_key; resolution still resolves', async () => {
    const b = await bed();
    await b.send();
    await b.delivered();
    expect(pd.events).toEqual([]);
    b.clock.advance(10 * MIN);
    await until(() => pd.events.length === 1, 'the escalation trigger at PagerDuty');
    expect(pd.events[0]).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'fp-disk-web1' });
    await b.delivered();
    const webhookBefore = hook.requests.length;

    b.clock.advance(MIN);
    await ack(b, 'fp-disk-web1');
    // The page the escalation opened (the alert's key), and its incident's key (R-NOTIFY-10; no page there: a no-op).
    await until(() => pd.events.length === 3, 'the acknowledge at PagerDuty');
    expect(pd.events[1]).toEqual({ routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'fp-disk-web1' });
    expect(pd.events[2]).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'acknowledge',
      dedup_key: 'vigil-incident:r1|alertname=DiskFull',
    });
    expect(pd.incidents.get('fp-disk-web1')).toMatchObject({ status: 'acknowledged', triggers: 1 });
    await b.delivered();
    // A second acknowledgement of the same firing (double click, a colleague) sends nothing more.
    await ack(b, 'fp-disk-web1', 'bob');
    await settle();
    expect(actions('fp-disk-web1')).toEqual(['trigger', 'acknowledge']);
    // Channels that were not paged are not told of the ack.
    expect(hook.requests.length).toBe(webhookBefore);

    // Un-acknowledging sends nothing (PagerDuty has no un-acknowledge); the resolution resolves the incident.
    await b.call('alerts.unack', { fingerprint: 'fp-disk-web1', by: 'alice', via: 'console' });
    await settle();
    expect(actions('fp-disk-web1')).toEqual(['trigger', 'acknowledge']);
    await b.send({ status: 'resolved' });
    await until(() => pd.events.length === 4, 'the resolve at PagerDuty');
    expect(actions('fp-disk-web1')).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(pd.incidents.get('fp-disk-web1')?.status).toBe('resolved');
  });

  it("R-ROUTE-8/R-NOTIFY-10: an alert routed straight to PagerDuty is acknowledged there (its incident's page); a re-ack after an un-ack acknowledges again", async () => {
    const b = await bed();
    await b.send({
      fingerprint: 'fp-db-lag',
      severity: 'warning',
      summary: 'Replica lag',
      labels: { alertname: 'ReplicaLag', team: 'db' },
    });
    const incident = 'vigil-incident:r0|alertname=ReplicaLag'; // routed: the page is its incident's (R-NOTIFY-10)
    await until(() => pd.events.length === 1, 'the routed trigger');
    expect(pd.events[0]).toMatchObject({ event_action: 'trigger', dedup_key: incident });
    await ack(b, 'fp-db-lag');
    await until(() => pd.events.length === 3, 'the acknowledge');
    expect(pd.events[2]).toEqual({ routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: incident });
    expect(pd.incidents.get(incident)?.status).toBe('acknowledged');
    await b.call('alerts.unack', { fingerprint: 'fp-db-lag', by: 'alice', via: 'console' });
    await ack(b, 'fp-db-lag', 'bob');
    await until(() => pd.events.length === 5, 'the second acknowledge');
    expect(actions(incident)).toEqual(['trigger', 'acknowledge', 'acknowledge']);
  });

  it('R-NOTIFY-10: a lone alert (no group labels) escalated to PagerDuty: its resolution, in the incident thread, resolves the escalated page too', async () => {
    const b = await bed();
    await b.send({ fingerprint: 'fp-lone', severity: 'critical', summary: 'Kernel panic', labels: { host: 'web9' } });
    await b.delivered();
    b.clock.advance(10 * MIN);
    await until(() => pd.events.length === 1, 'the escalation trigger');
    expect(pd.events[0]).toMatchObject({ event_action: 'trigger', dedup_key: 'fp-lone' }); // an escalation keeps the alert key
    await b.delivered();
    await b.send({ fingerprint: 'fp-lone', severity: 'critical', summary: 'Kernel panic', labels: { host: 'web9' }, status: 'resolved' });
    await b.delivered();
    expect(actions('fp-lone')).toEqual(['trigger', 'resolve']);
    expect(pd.incidents.get('fp-lone')?.status).toBe('resolved');
  });

  it('R-ROUTE-8: acknowledging an alert never sent to PagerDuty makes no PagerDuty request', async () => {
    const b = await bed();
    // Routed to the console only.
    await b.send({ fingerprint: 'fp-cpu', severity: 'warning', summary: 'CPU high', labels: { alertname: 'CpuHigh' } });
    // A critical acknowledged before its escalation step to PagerDuty fell due.
    await b.send();
    await until(() => hook.delivered.length === 1, 'the critical at the webhook');
    await b.delivered();
    b.clock.advance(5 * MIN);
    const before = pd.requests;
    await ack(b, 'fp-cpu');
    await ack(b, 'fp-disk-web1');
    b.clock.advance(30 * MIN);
    await b.delivered();
    await settle(200);
    expect(pd.requests).toBe(before);
    expect(pd.events).toEqual([]);
    // The idle PagerDuty channel queued nothing either.
    const rows = b.core.areas.db.prepare(`SELECT count(*) AS n FROM outbox WHERE channel = 'pd'`).get() as { n: number };
    expect(rows.n).toBe(0);
  });
});
