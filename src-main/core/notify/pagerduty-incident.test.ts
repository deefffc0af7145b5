import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutyServer, type PagerDutyServer } from '../../../e2e/fixtures/pagerduty-server';
import { dedupKeyOf } from '../channels';
import { ConfigSchema } from '../config';
import { alert, groupStormCore } from './testing';

/** R-NOTIFY-10: on PagerDuty an incident is one PagerDuty incident: follow-ups are deduplicated into it by dedup_key. */
const ROUTING_KEY = 'R0UT1NGK3Y0123456789abcdefABCDEF';
let pd: PagerDutyServer;
beforeAll(async () => {
  pd = await startPagerDutyServer();
});
afterAll(() => pd.close());

describe('R-NOTIFY-10: PagerDuty follow-ups update one incident (Events API v2 dedup_key per incident)', () => {
  it('R-NOTIFY-10: a group storm through the router — first alert, the update naming the joiners, the group resolution — is one PagerDuty incident, resolved', async () => {
    const config = ConfigSchema.parse({
      channels: [{ name: 'pd', type: 'pagerduty', routingKey: { secret: 'pd-key' }, url: pd.url }],
      routes: [{ channels: ['pd'] }],
    });
    const { storm, close } = await groupStormCore(config, { name: 'pd-key', value: ROUTING_KEY }, 'critical');
    try {
      await storm();
      const key = 'vigil-incident:r0|alertname=HighCPU';
      expect(pd.events.map((e) => [e.event_action, e.dedup_key])).toEqual([
        ['trigger', key], // the first alert pages at once
        ['trigger', key], // the group update: deduplicated into the open incident, no new page
        ['resolve', key], // the group's resolution resolves it
      ]);
      expect([...pd.incidents.entries()]).toEqual([[key, { status: 'resolved', summary: 'CRITICAL: HighCPU on app01', triggers: 2 }]]);
    } finally {
      await close();
    }
  });

  it('R-NOTIFY-10: one member resolving while its incident goes on never resolves the incident; an escalation keeps the alert key', () => {
    const t = { key: 'r0|alertname=HighCPU' };
    expect(dedupKeyOf(alert('x', { fingerprint: 'fp1', thread: t }), 'k')).toBe('vigil-incident:r0|alertname=HighCPU');
    expect(dedupKeyOf(alert('x', { fingerprint: 'fp1', status: 'resolved', thread: t }), 'k')).toBe('fp1');
    expect(dedupKeyOf(alert('x', { fingerprint: null, status: 'resolved', thread: { ...t, closes: true } }), 'k')).toBe(
      'vigil-incident:r0|alertname=HighCPU',
    );
    expect(dedupKeyOf(alert('x', { fingerprint: 'fp1', status: 'resolved', thread: { key: 'fp|fp1' } }), 'k')).toBe(
      'vigil-incident:fp|fp1',
    );
    expect(dedupKeyOf(alert('x', { kind: 'escalation', fingerprint: 'fp1' }), 'k')).toBe('fp1');
    // In its incident's thread (to reach whoever the incident paged), an escalation still opens its own page.
    expect(dedupKeyOf(alert('x', { kind: 'escalation', fingerprint: 'fp1', thread: t }), 'k')).toBe('fp1');
    expect(dedupKeyOf(alert('x', { thread: { key: 'r0|' + 'a'.repeat(300) } }), 'k')).toMatch(/^vigil-incident:[0-9a-f]{64}$/);
  });
});
