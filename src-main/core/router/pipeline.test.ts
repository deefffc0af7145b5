import { afterEach, describe, expect, it } from 'vitest';
import type { TriageResult } from '../../../src-shared/domain';
import type { Triager } from '../agents';
import { createCore } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { PIPELINE } from './pipeline';
import { createRouter } from './router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';

const ctxs: TestContext[] = [];
afterEach(() => ctxs.splice(0).forEach((c) => c.close()));
const open = (opts: Parameters<typeof testContext>[0] = {}) => {
  const h = testContext(opts);
  ctxs.push(h);
  return h;
};

const ROUTES = `
channels:
  - { name: desktop, type: desktop }
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook" }
routes:
  - { match: { severity: critical }, channels: [hook], continue: true }
  - { channels: [desktop] }
`;

describe('router pipeline', () => {
  it('R-ROUTE-2: events acknowledged but not processed before a crash are processed at start-up', async () => {
    // A stage that fails keeps acknowledged events in the inbox; then the process "crashes".
    const first = testContext({ yaml: ROUTES });
    const broken = {
      name: 'broken',
      run: () => {
        throw new Error('stage bug');
      },
    };
    const ids = createRouter(first.ctx, { outbox: recordingOutbox(first.db), extraStages: [{ before: 'dedupe', stage: broken }] }).ingest(
      [alertEvent(), alertEvent({ fingerprint: 'b', severity: 'warning' })],
      'test',
    );
    first.db.close();
    const h = open({ yaml: ROUTES, dir: first.dir });
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox });
    expect(router.inbox().count).toBe(2);
    expect(ids.map((id) => router.events.get(id))).toEqual([null, null]); // still in their durable intake batch
    expect(router.resume()).toBe(2);
    expect(ids.map((id) => router.events.get(id)!.outcome)).toEqual(['notified', 'notified']);
    expect(outbox.sent().map((s) => s.channel)).toEqual(['hook', 'desktop', 'desktop']);
    expect(router.inbox().count).toBe(0);
    ctxs.push(first); // removes the shared temp dir
  });

  it('R-ROUTE-2: while a backlog is in the inbox, new events queue behind it and are processed in order', async () => {
    const h = open();
    const outbox = recordingOutbox(h.db);
    let fail = true;
    const flaky = {
      name: 'flaky',
      always: true,
      run: () => {
        if (fail) throw new Error('transient');
      },
    };
    const router = createRouter(h.ctx, { outbox, extraStages: [{ before: 'dedupe', stage: flaky }] });
    const [a] = router.ingest([alertEvent()], 'test'); // goes to the inbox; the retry waits 5 s
    await new Promise((r) => setImmediate(r));
    fail = false;
    const [b] = router.ingest([alertEvent({ status: 'resolved' })], 'test'); // must not overtake a
    expect((router.events.get(b!) ?? router.queued(b!))!.processed).toBe(false);
    h.clock.advance(5_000);
    await router.drain();
    expect([router.events.get(a!)!.outcome, router.events.get(b!)!.outcome]).toEqual(['notified', 'notified']);
    expect(outbox.sent().map((s) => s.message.kind)).toEqual(['alert', 'resolved']);
  });

  it('R-ROUTE-2: re-processing an event does not notify twice (idempotency key = event id + kind + channel)', async () => {
    const h = open();
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox });
    const [id] = router.ingest([alertEvent()], 'test');
    await router.drain();
    h.db.prepare(`UPDATE events SET processed = 0`).run();
    h.db.prepare(`DELETE FROM alert_state`).run(); // even with the dedupe state lost
    createRouter(h.ctx, { outbox }).resume();
    expect(outbox.sent().map((s) => s.key)).toEqual([`${id}:alert:desktop`]);
  });

  it('R-NOISE-4: info is stored, not notified, unless router.notifyInfo', async () => {
    const h = open();
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox });
    const [id] = router.ingest([alertEvent({ severity: 'info' })], 'test');
    await router.drain();
    const ev = router.events.get(id!)!;
    expect(ev.outcome).toBe('stored');
    expect(ev.trace.find((t) => t.result === 'held')!.detail).toMatch(/info severity/);
    expect(outbox.sent()).toHaveLength(0);

    const h2 = open({ yaml: 'router: { notifyInfo: true }' });
    const out2 = recordingOutbox(h2.db);
    const r2 = createRouter(h2.ctx, { outbox: out2 });
    r2.ingest([alertEvent({ severity: 'info' })], 'test');
    await r2.drain();
    expect(out2.sent()).toHaveLength(1);
  });

  it('R-ROUTE-7: a notified event keeps a trace of every stage, routes pick channels by matchers', async () => {
    const h = open({ yaml: ROUTES });
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox });
    const [crit, warn] = router.ingest([alertEvent(), alertEvent({ fingerprint: 'w', severity: 'warning' })], 'POST /api/v1/events');
    await router.drain();
    const ev = router.events.get(crit!)!;
    expect(ev.trace.map((t) => t.stage)).toEqual([
      'normalise',
      'persist',
      'dedupe',
      'silence',
      'mute',
      'severity',
      'triage',
      'route',
      'outbox',
    ]);
    expect(ev.trace[0]!.detail).toBe('POST /api/v1/events');
    expect(ev.channels).toEqual(['hook', 'desktop']);
    expect(router.events.get(warn!)!.channels).toEqual(['desktop']);
    expect(ev.triage).toMatchObject({ agent: 'hermes', category: 'disk' });
    expect(outbox.sent()[0]!.message.body).toMatch(/Triage by Hermes \(rules\): disk/);
    expect(await h.ctx.metrics.registry.getSingleMetricAsString('vigil_router_events_total')).toMatch(/source="api",result="notified"} 2/);
  });

  it('R-ROUTE-1: an event no route matches is stored and says so', async () => {
    const h = open({ yaml: 'channels: [{ name: d, type: desktop }]\nroutes: [{ match: { team: db }, channels: [d] }]' });
    const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
    const [id] = router.ingest([alertEvent()], 'test');
    await router.drain();
    expect(router.events.get(id!)!.trace.at(-1)).toMatchObject({
      stage: 'route',
      result: 'held',
      detail: expect.stringMatching(/no route/),
    });
  });
});

const aiResult = (now: number): TriageResult => ({
  agent: 'nemotron',
  model: 'nvidia/test-model',
  category: 'disk',
  priority: 'P2',
  summary: 'log volume filled by debug logging',
  probableCause: 'debug logging left on after the last deploy',
  confidence: 0.8,
  runbook: null,
  suggestedActions: ['turn debug logging off'],
  fallbackReason: null,
  at: now,
});

/** A triager the test answers by hand; it rejects when aborted, like a real client. */
function manualTriager() {
  let answer: ((r: TriageResult) => void) | null = null;
  let fail: ((e: Error) => void) | null = null;
  const t: Triager = {
    agent: 'nemotron',
    triage: (_ev, signal) =>
      new Promise<TriageResult>((res, rej) => {
        answer = res;
        fail = rej;
        signal.addEventListener('abort', () => rej(signal.reason as Error));
      }),
  };
  return { t, answer: (r: TriageResult) => answer!(r), fail: (e: Error) => fail!(e) };
}

describe('time-boxed AI triage (R-ROUTE-5)', () => {
  const setup = () => {
    const h = open({ yaml: 'router: { triageTimeout: 5s }' });
    const outbox = recordingOutbox(h.db);
    const m = manualTriager();
    const router = createRouter(h.ctx, { outbox, triager: m.t });
    return { h, outbox, m, router };
  };

  it('R-ROUTE-5: the first notification goes out at once with Hermes triage while the AI triager hangs', async () => {
    const { h, outbox, router } = setup();
    const [id] = router.ingest([alertEvent()], 'test');
    await router.drain();
    expect(outbox.sent()).toHaveLength(1); // no clock movement needed: nothing waits for the AI
    expect(outbox.sent()[0]!.message.body).toMatch(/Hermes \(rules\)[\s\S]*AI triage will follow/);
    h.clock.advance(5_000);
    const ev = router.events.get(id!)!;
    expect(ev.triage).toMatchObject({ agent: 'hermes', fallbackReason: 'timeout' });
    expect(ev.trace.at(-1)!.detail).toMatch(/did not answer within 5s: Hermes triage stands/);
    h.clock.advance(60_000); // hard limit: the hung call is aborted
    await router.triageIdle();
    expect(await h.ctx.metrics.registry.getSingleMetricAsString('vigil_agent_fallback_total')).toMatch(/reason="timeout"} 1/);
  });

  it('R-ROUTE-5: an AI answer (in time or late) is stored on the event and sent as a triage update', async () => {
    const { h, outbox, m, router } = setup();
    const [id] = router.ingest([alertEvent()], 'test');
    await router.drain();
    h.clock.advance(7_000); // past the time box
    m.answer(aiResult(h.clock.now()));
    await router.triageIdle();
    const ev = router.events.get(id!)!;
    expect(ev.triage).toMatchObject({ agent: 'nemotron', model: 'nvidia/test-model' });
    expect(ev.trace.at(-1)!.detail).toMatch(/late answer/);
    expect(outbox.sent().map((s) => [s.message.kind, s.key])).toEqual([
      ['alert', `${id}:alert:desktop`],
      ['triage', `${id}:triage:desktop`],
    ]);
    expect(outbox.sent()[1]!.message.body).toMatch(/NemoTron \(nvidia\/test-model\)[\s\S]*debug logging left on/);
  });

  it('R-ROUTE-5: a failing AI triager leaves Hermes with the fallback reason', async () => {
    const { outbox, m, router } = setup();
    const [id] = router.ingest([alertEvent()], 'test');
    await router.drain();
    m.fail(Object.assign(new Error('HTTP 429 from the provider'), { reason: 'rate_limited' }));
    await router.triageIdle();
    expect(router.events.get(id!)!.triage).toMatchObject({ agent: 'hermes', fallbackReason: 'rate_limited' });
    expect(outbox.sent()).toHaveLength(1);
  });
});

describe('router pipeline order (declared once in router/pipeline.ts)', () => {
  it("R-ROUTE-7: the stage order is pinned: dedupe before ack before silence …, noise between route and outbox, escalation and safe actions after it, then the incident and the agents' plan", () => {
    expect(PIPELINE).toEqual([
      'dedupe',
      'ack',
      'silence',
      'mute',
      'severity',
      'triage',
      'route',
      'flap',
      'burst',
      'group',
      'outbox',
      'escalation',
      'action',
      'incident',
      'plan',
    ]);
  });

  it('R-ROUTE-7: in a whole core every area fills its slot, and a notified event names each stage it passed, in that order', async () => {
    const core = createCore({ config: parseConfig(ROUTES), dataDir: null, log: createLogger(null) });
    await core.start();
    try {
      const [id] = core.areas.router.ingest([alertEvent()], 'test');
      await core.areas.router.drain();
      const stages = core.areas.router.events
        .get(id!)!
        .trace.map((t) => t.stage)
        .filter((s, i, all) => s !== all[i - 1]);
      expect(stages).toEqual(['normalise', 'persist', ...PIPELINE]);
    } finally {
      await core.stop();
    }
  });

  it('R-ROUTE-7: a slot is filled once; a stage for no slot is refused', () => {
    const h = open({ yaml: ROUTES });
    const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
    const stage = { name: 'outbox', run: () => {} } as const;
    expect(() => router.fill(stage)).toThrow(/already filled/);
    expect(() => router.fill({ ...stage, name: 'nope' as 'outbox' })).toThrow(/no pipeline slot named "nope"/);
  });
});
