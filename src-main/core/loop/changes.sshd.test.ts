import { describe, expect, it } from 'vitest';
import { setupLoop, sleep, useLoopFixtures } from './testing';

// The closed loop on the real sshd host (see testing.ts): risky changes reviewed by the rules or NemoTron, and NemoTron's plans.
const fx = useLoopFixtures();
const setup = (extra = '') => setupLoop(fx.sshd, extra);

describe('the closed loop: change review and NemoTron', () => {
  it('R-CHANGE-2 (no LLM): a risky diff is reviewed by the rules with reasons and creates a plan that waits for a person; nothing is executed', async () => {
    const t = setup();
    await t.core.start();
    try {
      const before = fx.sshd.toolCalls().length;
      const c = await t.call<{ id: string }>('changes.add', {
        kind: 'deploy',
        service: 'nginx',
        hosts: ['web1'],
        version: '2.0',
        diff: '--- a/db/migrations/0042.sql\n+ALTER TABLE users DROP COLUMN email;\n',
      });
      await t.core.areas.loop.reviewsIdle();
      const got = await t.call<{ review: { level: string; reviewer: string; reasons: string[] }; planId: string }>('changes.get', {
        id: c.id,
      });
      expect(got.review).toMatchObject({ level: 'high', reviewer: 'hermes' });
      expect(got.review.reasons).toContain('touches the database schema (migration / ALTER / DROP)');
      const plan = await t.until(
        'the review plan to wait',
        t.planFor((p) => p.id === got.planId && p.status === 'waiting'),
      );
      expect(plan).toMatchObject({ createdBy: 'change-review', changeId: c.id, source: 'change' });
      expect(plan.steps.map((s) => s.type)).toEqual(['wait_for_approval', 'watch', 'diagnose', 'wait_for_approval', 'heal']);
      t.clock.advance(3_600_000);
      await sleep(200);
      expect(fx.sshd.toolCalls().length).toBe(before); // not even the read-only diagnosis runs before a person approves
      const low = await t.call<{ id: string }>('changes.add', {
        kind: 'deploy',
        service: 'nginx',
        summary: 'copy edits on the landing page',
      });
      await t.core.areas.loop.reviewsIdle();
      expect(await t.call('changes.get', { id: low.id })).toMatchObject({ review: { level: 'low' }, planId: null });
    } finally {
      await t.close();
    }
  }, 180_000);

  it('R-LOOP-1/R-LOOP-2/R-CHANGE-2 (LLM stand-in): NemoTron reviews a change and proposes a plan for an alert from its diagnosis, with the tool output as evidence; approved, healed on the host, verified as the alert resolves, remembered with its embedding and recalled', async () => {
    fx.llm.handle((r) => {
      const sys = r.body.messages[0]?.content ?? '';
      if (sys.includes('review a production change'))
        return { kind: 'reply', content: '{"level":"high","reasons":["drops the sessions table used by checkout"]}' };
      const tools = r.body.messages.filter((m) => m.role === 'tool');
      if (!tools.length)
        return {
          kind: 'reply',
          toolCalls: [{ name: 'run_diagnostic', arguments: { host: 'web1', command: 'systemctl status --no-pager nginx' } }],
        };
      return {
        kind: 'reply',
        content: JSON.stringify({
          category: 'web',
          priority: 'P2',
          summary: 'nginx unit down',
          probableCause: 'nginx worker crashed',
          confidence: 0.8,
          suggestedActions: ['restart_service'],
          runbook: null,
        }),
      };
    });
    const t = setup(`llm: { provider: openai, baseUrl: "${fx.llm.url}", models: [m], apiKey: { secret: k } }
embeddings: { provider: ollama, baseUrl: "${fx.ollama.url}" }`);
    await t.core.start();
    try {
      const c = await t.call<{ id: string }>('changes.add', {
        kind: 'deploy',
        service: 'checkout',
        summary: 'cleanup',
        diff: 'drop sessions',
      });
      await t.core.areas.loop.reviewsIdle();
      expect(await t.call('changes.get', { id: c.id })).toMatchObject({
        review: { level: 'high', reviewer: 'nemotron', model: 'm', reasons: ['drops the sessions table used by checkout'] },
        planId: expect.any(String),
      });

      // No Hermes rule matches this alert name, so the plan is NemoTron's.
      const webDown = { alertname: 'WebDown', host: 'web1', service: 'nginx' };
      const { plan, approval: a } = await t.fireUntilWaiting((p) => p.createdBy === 'nemotron', webDown);
      expect(plan.steps.map((s) => s.type)).toEqual(['diagnose', 'wait_for_approval', 'heal', 'verify']);
      expect(plan.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['triage', 'diagnosis']));
      expect(plan.evidence.find((e) => e.kind === 'diagnosis')?.body).toMatch(/fake unit/);
      expect(plan.evidence.find((e) => e.kind === 'triage')?.body).toMatch(/probable cause: nginx worker crashed/);

      // Approved, healed on the host, verified as the alert resolves, remembered with its embedding; recall shows it.
      expect(a).toMatchObject({ proposer: 'nemotron', commands: [`timeout --signal=KILL 60s 'systemctl' 'restart' 'nginx'`] });
      const restarts = () => fx.sshd.toolCalls().filter((x) => x === 'systemctl restart nginx').length;
      const before = restarts();
      await t.approveUntilVerifying(plan, a, 'carol');
      expect(restarts()).toBe(before + 1);
      await t.resolveUntilSucceeded(plan, webDown);
      const mem = await t.until('the outcome embedded and found by meaning', async () => {
        const r = await t.call<{ used: string; results: Array<{ insight: { title: string } }> }>('memory.search', {
          query: 'nginx crashloop',
          mode: 'semantic',
        });
        return r.results.some((x) => x.insight.title === 'restart_service nginx on web1 fixed WebDown') && r;
      });
      expect(mem.used).toBe('semantic');
      const recall = await t.call<{ lines: Array<{ text: string }> }>('loop.recall', { eventId: plan.eventId });
      expect(recall.lines.map((l) => l.text)).toEqual(['restart nginx on web1 fixed this 1 of 1 time; last just now']);
    } finally {
      await t.close();
    }
  }, 180_000);
});
