import { afterEach, describe, expect, it } from 'vitest';
import { ackBed, type AckBed } from '../core/ack/testing';
import { until } from '../core/notify/testing';
import { teamProblem, trayCounts, trayTooltip } from './tray-state';

const YAML = `
channels: [ { name: desktop, type: desktop } ]
routes: [ { channels: [desktop] } ]
smoke: { enabled: false }
`;
let bed: AckBed | null = null;
afterEach(async () => {
  await bed?.close();
  bed = null;
});

describe('tray counts (derived from core calls, no tray state of its own)', () => {
  it('R-UI: firing alerts, unacknowledged ones and pending approvals follow the core', async () => {
    bed = await ackBed(YAML);
    const b = bed;
    const empty = await trayCounts(b.core);
    expect(empty).toEqual({ firing: 0, firingCapped: false, unacked: [], approvals: [] });
    expect(trayTooltip(b.core.status(), empty)).toBe('Vigil — OK');

    await b.send();
    await b.send({
      fingerprint: 'fp-cpu',
      summary: 'CPU hot on web2',
      severity: 'warning',
      labels: { alertname: 'Cpu', instance: 'web2' },
    });
    await b.call('alerts.ack', { fingerprint: 'fp-disk-web1', by: 'alice', via: 'tray' });
    const plan = await b.call<{ id: string }>('plans.create', {
      title: 'Clean logs on web-1',
      createdBy: 'test',
      steps: [{ type: 'wait_for_approval', question: 'Delete rotated logs on web-1?' }],
    });
    await until(
      async () => (await b.call<{ status: string }>('plans.get', { id: plan.id })).status === 'waiting',
      'the plan to wait for approval',
    );

    const c = await trayCounts(b.core);
    expect(c.firing).toBe(2);
    expect(c.unacked.map((a) => a.fingerprint)).toEqual(['fp-cpu']);
    expect(c.approvals).toEqual([
      {
        id: expect.any(String) as string,
        label: 'Clean logs on web-1: Delete rotated logs on web-1?',
        expiresAt: expect.any(Number) as number,
      },
    ]);
    const approvalId = c.approvals[0]!.id;
    expect((await b.call<{ items: Array<{ id: string }> }>('plans.approvals', {})).items.map((a) => a.id)).toEqual([approvalId]);
    expect(trayTooltip(b.core.status(), c)).toMatch(/^Vigil — [A-Z]+ · 2 firing · 1 approval pending/);

    // Deciding and resolving clear the counts on the next push.
    await b.call('plans.decide', { approvalId, decision: 'reject', by: 'alice' });
    await b.send({ status: 'resolved' });
    const after = await trayCounts(b.core);
    expect(after.approvals).toEqual([]);
    expect(after.firing).toBe(1);
  });
});

describe('tray in connected mode (R-TEAM-2)', () => {
  const base = { mode: 'connected', url: 'https://vigil.example:7300', pin: 'AB', person: null, reason: null, since: null } as const;
  it('R-TEAM-2: while the team server is unreachable or refusing, the tray says so instead of stale counts', () => {
    const counts = { firing: 3, firingCapped: false, unacked: [], approvals: [] };
    expect(trayTooltip(null, counts, { mode: 'local' })).toBe('Vigil — OK · 3 firing');
    expect(trayTooltip(null, counts, { ...base, state: 'connected' })).toBe('Vigil — OK · 3 firing');
    expect(trayTooltip(null, counts, { ...base, state: 'disconnected' })).toBe('Vigil — disconnected from vigil.example:7300 — retrying');
    expect(teamProblem({ ...base, state: 'refused' })).toBe('refused by vigil.example:7300 — see Settings → Team server');
    expect(teamProblem({ ...base, state: 'connecting' })).toBe('connecting to vigil.example:7300');
  });
});
