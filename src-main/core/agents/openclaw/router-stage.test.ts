import { afterEach, describe, expect, it } from 'vitest';
import { createAudit } from '../../audit';
import { createRouter } from '../../router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from '../../router/testing';
import { sqliteStores } from '../../store';
import { createOpenClaw } from './index';
import { safeActionStage } from './router-stage';

const open: TestContext[] = [];
afterEach(() => open.splice(0).forEach((h) => h.close()));

const YAML = `
hermes:
  rules:
    - { name: disk, match: { alertname: DiskFull }, category: disk, priority: P2, suggest: [flag_for_human_review, route_to_km, restart_service] }
`;

function setup() {
  const h = testContext({ yaml: YAML });
  open.push(h);
  const audit = createAudit(sqliteStores(h.db), h.clock);
  const claw = createOpenClaw({
    repo: h.ctx.stores.memory,
    transaction: h.ctx.stores.transaction,
    embeddings: h.ctx.config.embeddings,
    clock: h.clock,
    metrics: h.ctx.metrics,
    fetch: globalThis.fetch,
    audit,
  });
  const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
  router.fill(safeActionStage(claw.safe));
  return { h, audit, claw, router };
}

describe('L2 safe actions run by the router', () => {
  it('R-MEMORY-5: the rules’ L2 suggestions run automatically as audited memory writes; other suggestions stay suggestions', async () => {
    const { h, audit, claw, router } = setup();
    const [id] = router.ingest([alertEvent({ summary: 'Disk full on web-1', labels: { alertname: 'DiskFull', host: 'web-1' } })], 'test');
    await router.drain();
    const incident = claw.repo.findByRef(id!, 'incident');
    expect(incident?.flags).toEqual(['human_review', 'km']);
    expect(claw.repo.findByRef(`km:${incident?.id}`, 'knowledge')?.title).toBe('Disk full on web-1');
    const trace = router.events.get(id!)!.trace.filter((t) => t.stage === 'action');
    expect(trace.map((t) => [t.result, t.detail.split(' ')[0]])).toEqual([
      ['ran', 'flag_for_human_review'],
      ['ran', 'route_to_km'],
      ['suggested', 'restart_service'],
    ]);
    expect(trace[2]!.detail).toContain('restart_service');
    expect(audit.list({ action: 'memory.flag_for_human_review' })).toHaveLength(1);
    expect(audit.verifyChain().ok).toBe(true);
    expect(await h.ctx.metrics.registry.getSingleMetricAsString('vigil_safe_actions_total')).toMatch(/action="route_to_km"} 1/);

    // A repeat inside the cooldown is not notified again, so nothing runs twice.
    router.ingest([alertEvent({ summary: 'Disk full on web-1', labels: { alertname: 'DiskFull', host: 'web-1' } })], 'test');
    await router.drain();
    expect(audit.list({ action: 'memory.flag_for_human_review' })).toHaveLength(1);
  });

  it('R-MEMORY-5: if the audit cannot be written the memory write is refused, traced, and the notification still goes out', async () => {
    const { h, claw, router } = setup();
    h.db.exec(`CREATE TRIGGER audit_broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END`);
    const [id] = router.ingest([alertEvent({ labels: { alertname: 'DiskFull' } })], 'test');
    await router.drain();
    const ev = router.events.get(id!)!;
    expect(ev.outcome).toBe('notified');
    expect(ev.trace.filter((t) => t.stage === 'action' && t.result === 'failed')).toHaveLength(2);
    expect(claw.repo.findByRef(id!, 'incident')).toBeNull();
  });
});
