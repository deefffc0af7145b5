import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../../../src-shared/api/incidents';
import { setupLoop, useLoopFixtures } from './testing';

// The closed loop on the real sshd host (see testing.ts): an alert group's incident, its timeline and its exports.
const fx = useLoopFixtures();
const setup = (extra = '') => setupLoop(fx.sshd, extra);

describe('the closed loop: incidents', () => {
  it('R-LOOP-3: an incident per firing alert group holds the timeline (alert, notification, plan, diagnosis, approval, heal, verification, change, note, resolution) oldest first and exports as a markdown draft and its raw records as NDJSON', async () => {
    const t = setup();
    await t.core.start();
    try {
      await t.call('changes.add', {
        kind: 'deploy',
        service: 'nginx',
        hosts: ['web1'],
        version: '1.27.1',
        author: 'alice',
        at: t.clock.now() - 3 * 60_000,
      });
      const { plan, approval } = await t.fireUntilWaiting();
      expect(approval.evidence.find((e) => e.kind === 'change')?.title).toBe('deploy nginx 1.27.1 by alice, 3 min before');
      await t.approveUntilVerifying(plan, approval, 'alice');
      await t.resolveUntilSucceeded(plan);
      const list = await t.call<{ items: Array<{ id: string; status: string }> }>('incidents.list', {});
      expect(list.items).toHaveLength(1);
      await t.call('incidents.note', { id: list.items[0]!.id, by: 'alice', text: 'nginx worker pool exhausted after the deploy' });
      const inc = await t.call<IncidentView>('incidents.get', { id: list.items[0]!.id });
      expect(inc.status).toBe('resolved');
      const kinds = new Set(inc.timeline.map((e) => e.kind));
      for (const k of [
        'change',
        'opened',
        'alert',
        'notification',
        'plan',
        'diagnosis',
        'approval',
        'heal',
        'verification',
        'resolution',
        'note',
      ])
        expect(kinds, k).toContain(k);
      // Oldest first, and the first alert of the group is on it (it opened the incident).
      expect(inc.timeline.map((e) => e.at)).toEqual([...inc.timeline.map((e) => e.at)].sort((a, b) => a - b));
      expect(inc.timeline.filter((e) => e.kind === 'alert').map((e) => e.text.split(':')[0])).toEqual(['firing', 'resolved']);
      // The raw records behind it, as `vigil export incident --format ndjson` writes them.
      const nd = await t.call<{ filename: string; text: string }>('incidents.export', { id: inc.id, format: 'ndjson' });
      expect(nd.filename).toBe(`incident-${inc.id}.ndjson`);
      const recs = nd.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { record: string; [k: string]: unknown });
      expect(recs[0]).toMatchObject({ record: 'incident', id: inc.id, status: 'resolved', members: inc.members });
      expect(new Set(recs.map((r) => r.record))).toEqual(
        new Set(['incident', 'incident_entries', 'events', 'outbox', 'plans', 'heal_log', 'change']),
      );
      expect(recs.filter((r) => r.record === 'events').map((r) => r.status)).toEqual(['firing', 'resolved']);
      expect(recs.find((r) => r.record === 'change')).toMatchObject({ service: 'nginx', version: '1.27.1', author: 'alice' });
      expect((await t.call<{ text: string }>('incidents.export', { id: inc.id, format: 'md' })).text).toBe(
        t.core.areas.loop.markdown(inc.id),
      );
      const md = t.core.areas.loop.markdown(inc.id);
      expect(md).toMatch(/^# Incident i[0-9a-z]+: nginx is down on web1/);
      expect(md).toMatch(/- Impact window: 2026-12-02 03:00:00Z → /);
      expect(md).toContain('## What helped\n- restart_service nginx on web1 fixed NginxDown');
      expect(md).toContain('deploy nginx 1.27.1 by alice, 3 min before');
      expect(md).toMatch(/alice: approved: Hermes rule "nginx-down"/);
    } finally {
      await t.close();
    }
  }, 180_000);
});
