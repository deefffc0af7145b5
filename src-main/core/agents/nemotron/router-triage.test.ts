import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmBehaviour, type LlmRequestRecord, type LlmServer } from '../../../../e2e/fixtures/llm-server';
import { LlmConfig } from '../../config';
import { createPolicy } from '../../remote';
import { createRouter } from '../../router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from '../../router/testing';
import { createLlmClient } from '../llm/client';
import { createNemotron } from './nemotron';

/**
 * NemoTron plugged into the real router (time-boxed follow-up, R-ROUTE-5):
 * the first notification never waits for the LLM, and every fallback is
 * counted by reason while Hermes' triage stands.
 */
let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer();
});
afterAll(() => server.close());
const open: TestContext[] = [];
afterEach(() => open.splice(0).forEach((h) => h.close()));

const GOOD = {
  category: 'disk',
  priority: 'P2',
  probableCause: 'log rotation stopped',
  confidence: 0.7,
  suggestedActions: ['restart_service'],
  runbook: null,
};
const withTool =
  (final: LlmBehaviour) =>
  (r: LlmRequestRecord): LlmBehaviour =>
    r.body.messages.some((m) => m.role === 'tool')
      ? final
      : { kind: 'reply', toolCalls: [{ name: 'recent_events', arguments: { limit: 5 } }] };

function setup(opts: { key?: boolean; baseUrl?: string } = {}) {
  const h = testContext({ yaml: 'router: { triageTimeout: 5s }\nllm: { triageBudget: 30s }' });
  open.push(h);
  const outbox = recordingOutbox(h.db);
  const config = LlmConfig.parse({
    baseUrl: opts.baseUrl ?? server.url,
    models: ['nemo-a', 'nemo-b'],
    apiKey: { secret: 'nim' },
    timeout: '20s',
    retryAfterCap: '0ms',
  });
  const secrets = { get: (n: string) => (opts.key === false ? undefined : n === 'nim' ? 'k' : undefined), names: () => [] };
  const router = createRouter(h.ctx, { outbox });
  const nemotron = createNemotron({
    llm: createLlmClient({ config, secrets, fetch: globalThis.fetch, clock: h.clock }),
    clock: h.clock,
    policy: createPolicy(),
    exec: null,
    hosts: () => [],
    memory: null,
    events: router.events,
    actions: () => ['restart_service', 'restart_container', 'flag_for_human_review'],
    maxSteps: 4,
    budgetMs: 30_000,
  });
  router.useTriager(nemotron);
  return { h, outbox, router };
}

const metric = async (h: TestContext, name: string, label: string) =>
  (await h.ctx.metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => Object.values(v.labels).includes(label))?.value;

describe('NemoTron behind the router', () => {
  it('R-AGENT-1: a hung LLM does not delay the first notification; the time box falls back to Hermes (timeout)', async () => {
    server.requests.length = 0;
    server.handle(() => ({ kind: 'hang' }));
    const { h, outbox, router } = setup();
    const [id] = router.ingest([alertEvent({ summary: 'Disk full on web-1', labels: { alertname: 'DiskFull', host: 'web-1' } })], 'test');
    await router.drain();
    // No clock movement: the alert is in the outbox while the LLM request hangs.
    expect(outbox.sent().map((s) => s.message.kind)).toEqual(['alert']);
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    h.clock.advance(5_000);
    expect(router.events.get(id!)!.triage).toMatchObject({ agent: 'hermes', fallbackReason: 'timeout' });
    h.clock.advance(30_000); // NemoTron's own budget ends the hung call
    await router.triageIdle();
    expect(await metric(h, 'vigil_agent_fallback_total', 'timeout')).toBe(1);
    expect(server.requests.map((r) => r.model)).toEqual(['nemo-a']); // the box, not the model list, ended it
  });

  it('R-AGENT-1: each failure falls back to Hermes and is counted by reason', async () => {
    const cases: Array<[string, LlmBehaviour | null, { key?: boolean; baseUrl?: string }?]> = [
      ['no_key', null, { key: false }],
      ['rate_limited', { kind: 'status', status: 429, headers: { 'retry-after': '30' } }],
      ['http_error', { kind: 'status', status: 401, body: { error: { message: 'invalid key' } } }],
      ['network', null, { baseUrl: 'http://127.0.0.1:1/v1' }],
      ['no_tool_calls', { kind: 'reply', content: JSON.stringify(GOOD) }],
      ['invalid_output', { kind: 'malformed' }],
    ];
    for (const [reason, behaviour, opts] of cases) {
      if (behaviour) server.handle(reason === 'invalid_output' ? withTool(behaviour) : () => behaviour);
      const { h, outbox, router } = setup(opts);
      const [id] = router.ingest([alertEvent()], 'test');
      await router.drain();
      await router.triageIdle();
      expect(router.events.get(id!)!.triage, reason).toMatchObject({ agent: 'hermes', fallbackReason: reason });
      expect(await metric(h, 'vigil_agent_fallback_total', reason), reason).toBe(1);
      expect(
        outbox.sent().map((s) => s.message.kind),
        reason,
      ).toEqual(['alert']); // the notification went out regardless
    }
  });

  it('R-AGENT-5: a NemoTron answer is stored with agent and model and sent as a triage update', async () => {
    server.handle(withTool({ kind: 'reply', content: JSON.stringify(GOOD) }));
    const { h, outbox, router } = setup();
    const [id] = router.ingest([alertEvent()], 'test');
    await router.drain();
    await router.triageIdle();
    expect(router.events.get(id!)!.triage).toMatchObject({
      agent: 'nemotron',
      model: 'nemo-a',
      category: 'disk',
      suggestedActions: ['restart_service'],
    });
    expect(outbox.sent().map((s) => s.message.kind)).toEqual(['alert', 'triage']);
    expect(await metric(h, 'vigil_agent_triage_total', 'nemotron')).toBe(1);
  });
});
