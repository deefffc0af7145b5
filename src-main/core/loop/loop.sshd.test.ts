import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmServer } from '../../../e2e/fixtures/llm-server';
import { loopHostAndRule } from '../../../e2e/fixtures/loop';
import { startOllamaServer, type OllamaServer } from '../../../e2e/fixtures/ollama-server';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import type { Plan, PlanApproval } from '../../../src-shared/api/agents';
import type { IncidentView } from '../../../src-shared/api/incidents';
import { createCore } from '../app';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';

/**
 * The closed loop end to end (R-LOOP-1/2/3, R-CHANGE-2) on a real SQLite file
 * and the real sshd test host (fake systemctl on vigiltest's PATH), once
 * without any LLM (Hermes rules) and once with the LLM stand-in (NemoTron).
 * Time is a FakeClock; SSH runs on real time.
 */
let sshd: SshdFixture;
let llm: LlmServer;
let ollama: OllamaServer;
beforeAll(async () => {
  sshd = await startSshd();
  llm = await startLlmServer();
  ollama = await startOllamaServer();
});
afterAll(async () => {
  await llm?.close();
  await ollama?.close();
  await sshd?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-loop-'));
  const clock = new FakeClock(Date.UTC(2026, 11, 2, 3, 0));
  const yaml = `
channels: [{ name: desktop, type: desktop }, { name: lead, type: desktop }]
routes: [{ channels: [desktop], escalate: [{ after: 30m, channels: [lead] }] }]
heal: { verifyWindow: 5m }
${loopHostAndRule(sshd)}${extra}`;
  const core = createCore({
    config: parseConfig(yaml),
    dataDir: dir,
    clock,
    log: createLogger(null),
    secrets: { get: () => 'key', names: () => [] },
  });
  const call = async <T>(m: string, input: unknown = {}): Promise<T> => {
    const r = await core.call(m as 'system.ping', input as never);
    if (!r.ok) throw new Error(`${m}: ${r.error.code}: ${r.error.message}`);
    return r.value as T;
  };
  /** Let real I/O and the fake clock move together until `cond` holds. */
  const until = async <T>(
    what: string,
    cond: () => Promise<T | null | undefined | false> | T | null | undefined | false,
    stepMs = 1_000,
  ): Promise<T> => {
    for (let i = 0; i < 600; i++) {
      await core.areas.router.drain();
      const v = await cond();
      if (v) return v;
      clock.advance(stepMs);
      await sleep(25);
    }
    const plans = (await core.call('plans.list', {})) as unknown as { ok: boolean; value?: { items: Plan[] } };
    const ev = (await core.call('events.list', { limit: 3 })) as unknown as { value?: { items: Array<{ trace: unknown }> } };
    throw new Error(
      `timed out waiting for ${what}; plans: ${JSON.stringify(plans.value?.items.map((p) => [p.status, p.error, p.steps.map((x) => [x.type, x.status, x.error])]))}; trace: ${JSON.stringify(ev.value?.items[0]?.trace)}`,
    );
  };
  const fire = (
    status: 'firing' | 'resolved',
    labels: Record<string, string> = { alertname: 'NginxDown', host: 'web1', service: 'nginx' },
  ) =>
    core.areas.router.ingest(
      [
        {
          source: 'prometheus',
          fingerprint: `fp-${labels.alertname}-${labels.host}`,
          severity: 'critical',
          status,
          summary: 'nginx is down on web1',
          description: null,
          startsAt: null,
          endsAt: null,
          labels,
        },
      ],
      'test',
    );
  const planFor = (pred: (p: Plan) => boolean) => async () => (await call<{ items: Plan[] }>('plans.list', {})).items.find(pred) ?? null;
  return {
    core,
    call,
    until,
    fire,
    planFor,
    clock,
    close: async () => {
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the closed loop', () => {
  it('R-LOOP-1/R-LOOP-2 (no LLM): Hermes proposes a plan, a person approves the exact command, nginx is restarted on the real host, the alert resolves, the outcome is remembered and recalled; a heal that does not help escalates', async () => {
    const t = setup();
    await t.core.start();
    try {
      t.fire('firing');
      const plan = await t.until(
        'a waiting plan',
        t.planFor((p) => p.status === 'waiting'),
      );
      expect(plan).toMatchObject({ createdBy: 'hermes', source: 'alert' });
      expect(plan.steps.map((s) => s.type)).toEqual(['diagnose', 'wait_for_approval', 'heal', 'verify']);
      expect(plan.steps[0]!.result).toMatch(/nginx - fake unit/); // read-only diagnosis ran on the host before asking
      const [approval] = (await t.call<{ items: PlanApproval[] }>('plans.approvals', {})).items;
      expect(approval).toMatchObject({
        proposer: 'hermes',
        eventId: plan.eventId,
        commands: [`timeout --signal=KILL 60s 'systemctl' 'restart' 'nginx'`],
      });
      expect(approval!.evidence.map((e) => e.kind)).toContain('triage');
      expect(sshd.toolCalls().filter((c) => c === 'systemctl restart nginx')).toHaveLength(0);

      await t.call('plans.decide', { approvalId: approval!.id, decision: 'approve', by: 'alice' });
      await t.until('the restart on the host', () => sshd.toolCalls().includes('systemctl restart nginx'));
      await t.until(
        'the verify step',
        t.planFor((p) => p.id === plan.id && p.steps[3]!.status === 'running'),
      );
      t.fire('resolved');
      const done = await t.until(
        'the plan to succeed',
        t.planFor((p) => p.id === plan.id && p.status === 'succeeded'),
      );
      expect(done.steps[3]!.result).toMatch(/restart_service nginx on web1 fixed NginxDown/);
      expect(
        (await t.call<{ entries: Array<{ result: string; actor: string }> }>('heallog.list', {})).entries.map((e) => e.result),
      ).toEqual(expect.arrayContaining(['executed', 'verified']));
      const mem = await t.call<{ results: Array<{ insight: { title: string } }> }>('memory.search', {
        query: 'nginx fixed NginxDown',
        mode: 'keyword',
      });
      expect(mem.results.map((r) => r.insight.title)).toContain('restart_service nginx on web1 fixed NginxDown');

      // The same alert again: the recall shows what worked, the plan carries it as evidence; this time the heal does not help.
      t.clock.advance(12 * 86_400_000);
      t.fire('firing');
      const second = await t.until(
        'a second waiting plan',
        t.planFor((p) => p.id !== plan.id && p.status === 'waiting'),
      );
      expect(second.evidence.find((e) => e.kind === 'memory')?.body).toBe('restart nginx on web1 fixed this 1 of 1 time; last 12 days ago');
      const a2 = (await t.call<{ items: PlanApproval[] }>('plans.approvals', {})).items[0]!;
      const restarts = sshd.toolCalls().filter((c) => c === 'systemctl restart nginx').length;
      await t.call('plans.decide', { approvalId: a2.id, decision: 'approve', by: 'bob' });
      await t.until('the second restart', () => sshd.toolCalls().filter((c) => c === 'systemctl restart nginx').length === restarts + 1);
      const failed = await t.until(
        'the plan to fail',
        t.planFor((p) => p.id === second.id && p.status === 'failed'),
        30_000,
      );
      expect(failed.error).toMatch(/did not help: NginxDown still firing 5 min after the heal; escalated now to step 1 \(lead\)/);
      // Escalated on its route at once (the step was due 30 min after the first notification).
      await t.until('the escalation to lead', () =>
        t.core.areas.db.prepare(`SELECT 1 FROM outbox WHERE channel = 'lead' AND json_extract(message, '$.kind') = 'escalation'`).get(),
      );
      const recall = await t.call<{ lines: Array<{ text: string }> }>('loop.recall', { eventId: second.eventId });
      expect(recall.lines.map((l) => l.text)).toEqual(['restart nginx on web1 fixed this 1 of 2 times; last just now']);
    } finally {
      await t.close();
    }
  }, 180_000);

  it("R-LOOP-6: the host's probes are checked in the verify window as well as the alert: resolved with a failing check is not verified and escalates; with passing checks it is, and says so", async () => {
    const run = async (command: string) => {
      const t = setup(`probes: [{ name: nginx-active, type: ssh, host: web1, command: "${command}", interval: 1h }]`);
      await t.core.start();
      try {
        t.fire('firing');
        const plan = await t.until(
          'a waiting plan',
          t.planFor((p) => p.status === 'waiting'),
        );
        const [approval] = (await t.call<{ items: PlanApproval[] }>('plans.approvals', {})).items;
        await t.call('plans.decide', { approvalId: approval!.id, decision: 'approve', by: 'alice' });
        await t.until(
          'the verify step',
          t.planFor((p) => p.id === plan.id && p.steps[3]!.status === 'running'),
        );
        const checksBefore = sshd.toolCalls().filter((c) => c === `systemctl ${command.split(' ').slice(1).join(' ')}`).length;
        t.fire('resolved');
        const done = await t.until(
          'the plan to finish',
          t.planFor((p) => p.id === plan.id && (p.status === 'succeeded' || p.status === 'failed')),
          20_000,
        );
        const checks = sshd.toolCalls().filter((c) => c === `systemctl ${command.split(' ').slice(1).join(' ')}`).length - checksBefore;
        const recall = await t.call<{ lines: Array<{ text: string }> }>('loop.recall', { eventId: plan.eventId });
        const told = t.core.areas.db
          .prepare(`SELECT json_extract(message, '$.title') AS title FROM outbox WHERE json_extract(message, '$.kind') = 'escalation'`)
          .all() as Array<{ title: string }>;
        return { done, checks, recall: recall.lines.map((l) => l.text), told: told.map((x) => x.title) };
      } finally {
        await t.close();
      }
    };

    const failing = await run('systemctl is-active dead-nginx');
    expect(failing.done.status).toBe('failed');
    expect(failing.done.error).toMatch(
      /^step 4 \(verify\) failed: restart_service nginx on web1 did not help: NginxDown resolved but web1's checks still fail \d+ min after the heal: nginx-active: exit 3: inactive; told desktop that the heal did not help$/,
    );
    expect(failing.checks).toBeGreaterThan(1); // re-checked through the window, not once
    expect(failing.told).toEqual(['AutoHeal did not help: nginx is down on web1']);
    expect(failing.recall).toEqual(['restart nginx on web1 fixed this 0 of 1 time; last just now']);

    const passing = await run('systemctl is-active nginx');
    expect(passing.done.status).toBe('succeeded');
    expect(passing.done.steps[3]!.result).toMatch(
      /^restart_service nginx on web1 fixed NginxDown: resolved \d+ min after the heal; web1's checks pass \(nginx-active ok\)$/,
    );
    expect(passing.checks).toBe(1);
    expect(passing.told).toEqual([]);
    expect(passing.recall).toEqual(['restart nginx on web1 fixed this 1 of 1 time; last just now']);
  }, 180_000);

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
      t.fire('firing');
      const plan = await t.until(
        'a waiting plan',
        t.planFor((p) => p.status === 'waiting'),
      );
      const [approval] = (await t.call<{ items: PlanApproval[] }>('plans.approvals', {})).items;
      expect(approval!.evidence.find((e) => e.kind === 'change')?.title).toBe('deploy nginx 1.27.1 by alice, 3 min before');
      await t.call('plans.decide', { approvalId: approval!.id, decision: 'approve', by: 'alice' });
      await t.until(
        'the verify step',
        t.planFor((p) => p.id === plan.id && p.steps[3]!.status === 'running'),
      );
      t.fire('resolved');
      await t.until(
        'the plan to succeed',
        t.planFor((p) => p.id === plan.id && p.status === 'succeeded'),
      );
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

  it('R-CHANGE-2 (no LLM): a risky diff is reviewed by the rules with reasons and creates a plan that waits for a person; nothing is executed', async () => {
    const t = setup();
    await t.core.start();
    try {
      const before = sshd.toolCalls().length;
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
      expect(sshd.toolCalls().length).toBe(before); // not even the read-only diagnosis runs before a person approves
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
    llm.handle((r) => {
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
    const t = setup(`llm: { provider: openai, baseUrl: "${llm.url}", models: [m], apiKey: { secret: k } }
embeddings: { provider: ollama, baseUrl: "${ollama.url}" }`);
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
      t.fire('firing', { alertname: 'WebDown', host: 'web1', service: 'nginx' });
      const plan = await t.until(
        'NemoTron plan',
        t.planFor((p) => p.createdBy === 'nemotron' && p.status === 'waiting'),
      );
      expect(plan.steps.map((s) => s.type)).toEqual(['diagnose', 'wait_for_approval', 'heal', 'verify']);
      expect(plan.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['triage', 'diagnosis']));
      expect(plan.evidence.find((e) => e.kind === 'diagnosis')?.body).toMatch(/fake unit/);
      expect(plan.evidence.find((e) => e.kind === 'triage')?.body).toMatch(/probable cause: nginx worker crashed/);

      // Approved, healed on the host, verified as the alert resolves, remembered with its embedding; recall shows it.
      const a = (await t.call<{ items: PlanApproval[] }>('plans.approvals', {})).items.find((x) => x.planId === plan.id)!;
      expect(a).toMatchObject({ proposer: 'nemotron', commands: [`timeout --signal=KILL 60s 'systemctl' 'restart' 'nginx'`] });
      const restarts = () => sshd.toolCalls().filter((x) => x === 'systemctl restart nginx').length;
      const before = restarts();
      await t.call('plans.decide', { approvalId: a.id, decision: 'approve', by: 'carol' });
      await t.until('the restart on the host', () => restarts() === before + 1);
      await t.until(
        'the verify step',
        t.planFor((p) => p.id === plan.id && p.steps[3]!.status === 'running'),
      );
      t.fire('resolved', { alertname: 'WebDown', host: 'web1', service: 'nginx' });
      await t.until(
        'the plan to succeed',
        t.planFor((p) => p.id === plan.id && p.status === 'succeeded'),
      );
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
