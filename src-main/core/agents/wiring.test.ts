import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src-shared/api/agents';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';

/** The agents as app.ts wires them: AutoHeal behind heal steps, one HITL gauge for both kinds of approval. */
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.stop();
});

function core() {
  const clock = new FakeClock();
  const c = createCore({
    config: parseConfig(`
hermes:
  rules:
    - { name: down, match: { alertname: ServiceDown }, category: service, priority: P1, suggest: [flag_for_human_review, restart_service] }
    - { name: unhealthy, match: { alertname: ServiceUnhealthy }, category: service, priority: P2, suggest: [restart_service] }
    - { name: db, match: { alertname: DbDown }, category: database, priority: P1, suggest: [flag_for_human_review, restart_service] }
hosts:
  - { name: web-1, address: 127.0.0.1, port: 1, user: nobody }
channels:
  - { name: desktop, type: desktop }
routes:
  - { channels: [desktop] }
`),
    dataDir: null,
    clock,
    log: createLogger(null),
  });
  cores.push(c);
  return { c, clock };
}
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
const hitl = async (c: Core) => (await c.ctx.metrics.registry.getSingleMetric('vigil_hitl_pending')?.get())?.values[0]?.value;
const get = async (c: Core, id: string) => ((await c.call('plans.get', { id })) as { ok: true; value: Plan }).value;

describe('agents wired into the core', () => {
  it('R-AGENT-4: a heal step becomes an AutoHeal proposal; vigil_hitl_pending counts it with the plan prompts', async () => {
    const { c, clock } = core();
    const waiting = (await c.call('plans.create', {
      title: 'ask first',
      createdBy: 'alice',
      steps: [{ type: 'wait_for_approval', question: 'go?' }],
    })) as { ok: true; value: Plan };
    const heal = (await c.call('plans.create', {
      title: 'restart nginx',
      createdBy: 'alice',
      steps: [{ type: 'heal', action: 'restart_service', host: 'web-1', target: 'nginx' }],
    })) as { ok: true; value: Plan };
    expect(heal.ok).toBe(true);
    await flush();
    clock.advance(200); // change pushes are coalesced per 100 ms
    await flush();
    const pending = (await c.call('approvals.list', {})) as { ok: true; value: unknown };
    expect(JSON.stringify(pending.value)).toContain(`elephant:${heal.value.id}`); // proposed to AutoHeal, by the plan
    expect((await get(c, heal.value.id)).steps[0]).toMatchObject({ status: 'running', result: expect.stringMatching(/^approval:/) });
    expect(await hitl(c)).toBe(2); // one plan prompt + one AutoHeal approval
    const prompt = (await get(c, waiting.value.id)).approvals[0]!;
    await c.call('plans.decide', { approvalId: prompt.id, decision: 'reject', by: 'bob' });
    await flush();
    clock.advance(200);
    expect(await hitl(c)).toBe(1);
    expect((await get(c, waiting.value.id)).status).toBe('failed');
  });

  it('R-HEAL-3: a plan whose heal step targets a protected resource fails when it is made; no person is asked to approve it', async () => {
    const { c } = core();
    const made = (await c.call('plans.create', {
      title: 'restart the database',
      createdBy: 'hermes',
      steps: [
        { type: 'wait_for_approval', question: 'restart postgres?' },
        { type: 'heal', action: 'restart_container', host: 'web-1', target: 'postgres' },
      ],
    })) as { ok: true; value: Plan };
    await flush();
    const plan = await get(c, made.value.id);
    // Before: the prompt waited for a person, whose approval then met "AutoHeal refuses … is protected".
    expect(plan).toMatchObject({
      status: 'failed',
      error:
        'invalid plan: step 2 (heal): AutoHeal never runs restart_container here: container "postgres" is protected (pattern postgres*)',
    });
    expect(plan.approvals).toEqual([]);
    expect(await hitl(c)).toBe(0);
  });

  it('R-MEMORY-5: a safe action from the console is an audited memory write', async () => {
    const { c } = core();
    const note = (await c.call('memory.add', { kind: 'note', title: 'Kafka lag on orders', body: 'consumer stuck' })) as {
      ok: true;
      value: { id: number };
    };
    const r = await c.call('memory.safeAction', { action: 'flag_for_human_review', insightId: note.value.id, actor: 'alice' });
    expect(r).toMatchObject({ ok: true, value: { action: 'flag_for_human_review', insightId: note.value.id } });
    const flagged = (await c.call('memory.flags', { flag: 'human_review' })) as { ok: true; value: { items: Array<{ id: number }> } };
    expect(flagged.value.items.map((i) => i.id)).toEqual([note.value.id]);
    const audit = c.areas.db.prepare(`SELECT actor, subject FROM audit_log WHERE action = 'memory.flag_for_human_review'`).all();
    expect(audit).toEqual([{ actor: 'alice', subject: `insight:${note.value.id}` }]);
  });

  it('R-ROUTE-6 / R-MEMORY-5: from the rules, L2 actions run and a heal suggestion becomes an AutoHeal proposal (never an execution)', async () => {
    const { c } = core();
    const router = c.areas.router;
    const alert = (service: string) => ({
      source: 'test',
      fingerprint: `down-${service}`,
      severity: 'critical' as const,
      status: 'firing' as const,
      summary: `${service} down on web-1`,
      description: null,
      labels: { alertname: 'ServiceDown', host: 'web-1', service },
      startsAt: null,
      endsAt: null,
    });
    const [id] = router.ingest([alert('nginx')], 'test');
    // Each alertname its own group, so each is notified at once (a grouped alert is held and triggers nothing).
    const [prot] = router.ingest([{ ...alert('postgres'), labels: { alertname: 'DbDown', host: 'web-1', service: 'postgres' } }], 'test');
    await router.drain();
    const trace = (eid: string) =>
      router.events
        .get(eid)!
        .trace.filter((t) => t.stage === 'action')
        .map((t) => `${t.result}: ${t.detail}`);
    expect(trace(id!)).toEqual([
      expect.stringMatching(/^ran: flag_for_human_review/),
      expect.stringMatching(/^proposed: restart_service nginx on web-1: AutoHeal approval /),
    ]);
    expect(trace(prot!)[1]).toMatch(/^refused: restart_service postgres on web-1: .*protected/);
    const approvals = (await c.call('approvals.list', {})) as { ok: true; value: unknown };
    const list = JSON.stringify(approvals.value);
    expect(list).toContain('"proposedBy":"router"');
    expect(list).toContain('"target":"nginx"');
    expect(list).not.toContain('"target":"postgres"');
    // Another alert about the same target: not proposed twice while one waits.
    const [again] = router.ingest(
      [{ ...alert('nginx'), fingerprint: 'unhealthy-nginx', labels: { alertname: 'ServiceUnhealthy', host: 'web-1', service: 'nginx' } }],
      'test',
    );
    await router.drain();
    expect(trace(again!)).toEqual([expect.stringMatching(/^pending: restart_service nginx on web-1 is already waiting/)]);
  });

  it('R-UI: the ElephantAlpha tile says how long the oldest prompt has waited, in words, not a raw ISO timestamp', async () => {
    const { c, clock } = core();
    clock.set(Date.parse('2026-12-02T03:10:00Z'));
    await c.call('plans.create', { title: 'ask first', createdBy: 'alice', steps: [{ type: 'wait_for_approval', question: 'go?' }] });
    await flush();
    clock.advance(14 * 60_000);
    expect(c.status().tiles.find((t) => t.id === 'elephant')).toMatchObject({
      value: '1 waiting',
      reason: 'oldest waiting 14 min (since 03:10 UTC)',
    });
  });

  it('R-STATUS-1: the NemoTron tile is not green "on" while the self-check sees every triage fall back to Hermes', async () => {
    const c = createCore({
      config: parseConfig('llm: { provider: openai, apiKey: { secret: openai } }\nsmoke: { interval: 1h }\n'),
      dataDir: null,
      clock: new FakeClock(),
      log: createLogger(null),
      secrets: { get: (n) => (n === 'openai' ? 'sk-test' : undefined), names: () => ['openai'] },
    });
    cores.push(c);
    await c.start();
    const tile = () => c.status().tiles.find((t) => t.id === 'nemotron')!;
    expect(tile()).toMatchObject({ status: 'ok', value: 'on' });
    c.ctx.metrics.agentFallback.inc({ reason: 'rate_limited' }, 10); // ten triages, all fell back
    await c.call('smoke.run', {});
    // Before: status ok, value "on", whatever the fallback rate.
    expect(tile()).toMatchObject({ status: 'critical', value: 'falling back' });
    expect(tile().reason).toMatch(/10 of 10 triages fell back to Hermes/);
  });

  it('R-AGENT-5: agents.status shows the NemoTron and OpenClaw settings and counts, never the key', async () => {
    const c = createCore({
      config: parseConfig(
        'llm: { provider: openai, apiKey: { secret: openai } }\nembeddings: { provider: ollama, model: nomic-embed-text }\n',
      ),
      dataDir: null,
      clock: new FakeClock(),
      log: createLogger(null),
      secrets: { get: (n) => (n === 'openai' ? 'sk-very-secret' : undefined), names: () => ['openai'] },
    });
    cores.push(c);
    c.ctx.metrics.agentFallback.inc({ reason: 'rate_limited' });
    const r = (await c.call('agents.status', {})) as { ok: true; value: Record<string, unknown> };
    expect(r.value).toMatchObject({
      nemotron: {
        provider: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        models: ['gpt-4o-mini'],
        keySecret: 'openai',
        keySet: true,
        maxSteps: 6,
      },
      embeddings: { provider: 'ollama', model: 'nomic-embed-text', vectors: 0 },
      triage: { hermes: 0, nemotron: 0 },
      fallbacks: { rate_limited: 1, no_key: 0 },
    });
    expect(JSON.stringify(r.value)).not.toContain('sk-very-secret');
    const { c: plain } = core();
    expect(((await plain.call('agents.status', {})) as { ok: true; value: { nemotron: unknown } }).value.nemotron).toBeNull();
  });
});
