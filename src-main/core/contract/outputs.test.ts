import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import { consoleApi, type Actor, type Input, type MethodName, type Output } from '../../../src-shared/api';
import { describeZodError } from '../../../src-shared/result';
import { createCore, type Core } from '../app';
import { ConfigSchema } from '../config';
import { createLogger } from '../log';

/**
 * R-CONTRACT-3: a handler's answer matches the output schema its method
 * declares. The transports never parse outputs (speed), so this is where an
 * off-schema answer is caught: EVERY method, with a valid input, against a
 * real core on a temp SQLite file and the real sshd test host, answer parsed
 * by its declared schema. A method added later whose input `{}` is not valid
 * fails here until it gets an entry in INPUTS.
 */
let core: Core;
let dir: string;
let sshd: SshdFixture;
const FP = 'fp-contract-disk';
let eventId = '';

/** Call a method whose answer a later input needs; its own check happens when the loop below reaches it. */
async function value<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
  const r = await core.call(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const v = await probe();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A plan parked on a HITL prompt (wait_for_approval). */
async function waitingPlan(): Promise<{ planId: string; approvalId: string }> {
  const plan = await value('plans.create', {
    title: 'clean the disk?',
    createdBy: 'ann',
    steps: [{ type: 'wait_for_approval', question: 'Clean /var/log on web-1?' }],
  });
  const approval = await until('the plan to wait for approval', async () =>
    (await value('plans.approvals', { pendingOnly: true, limit: 100 })).items.find((a) => a.planId === plan.id),
  );
  return { planId: plan.id, approvalId: approval.id };
}

/** Inputs for methods whose input `{}` is not valid; run in this order (later ones use what earlier ones made). */
const made: { silence?: string; change?: string; plan?: string; insight?: number; token?: string; approval?: string } = {};
const INPUTS: { [M in MethodName]?: () => Input<M> | Promise<Input<M>> } = {
  'notifications.pause': () => ({ minutes: 0 }),
  'system.ping': () => ({ echo: 'hi' }),
  'notices.shown': () => ({ id: 'no-such-notice', by: 'console' }),
  'memory.add': () => ({ kind: 'note', title: 'disk full on web-1' }),
  'memory.search': () => ({ query: 'disk full', mode: 'keyword' }),
  'memory.safeAction': () => ({ action: 'flag_for_human_review', insightId: made.insight! }),
  'events.get': () => ({ id: eventId }),
  'events.wouldHaveSent': () => ({ id: eventId }),
  'silences.preview': () => ({ matchers: [{ name: 'alertname', op: '=', value: 'DiskFull' }] }),
  'silences.create': () => ({
    matchers: [{ name: 'alertname', op: '=', value: 'Nothing' }],
    endsAt: Date.now() + 3_600_000,
    createdBy: 'ann',
    comment: 'test',
  }),
  'silences.expire': () => ({ id: made.silence! }),
  'outbox.digestPreview': () => ({ channel: 'desktop' }),
  // The alert's message to "hook" (nobody listens there) failed once and waits for its retry.
  'outbox.expire': async () => {
    const row = await until('the hook message to wait for a retry', async () =>
      (await value('outbox.list', { channel: 'hook', limit: 10 })).items.find((i) => i.state === 'pending' && i.attempts >= 1),
    );
    return { id: row.id };
  },
  'outbox.retryNow': async () => ({ id: (await value('outbox.list', { channel: 'hook', limit: 10 })).items[0]!.id }),
  'alerts.ackInfo': () => ({ fingerprint: FP }),
  'alerts.ack': () => ({ fingerprint: FP, by: 'ann' }),
  'alerts.ackMany': () => ({ fingerprints: [FP], by: 'ann' }),
  'alerts.addNote': () => ({ fingerprint: FP, by: 'ann', note: 'looking' }),
  'alerts.unack': () => ({ fingerprint: FP, by: 'ann' }),
  'incidents.get': async () => ({ id: (await value('incidents.list', { limit: 10 })).items[0]!.id }),
  'incidents.export': async () => ({ id: (await value('incidents.list', { limit: 10 })).items[0]!.id, format: 'md' }),
  'incidents.note': async () => ({ id: (await value('incidents.list', { limit: 10 })).items[0]!.id, by: 'ann', text: 'disk cleaned' }),
  'diag.check': () => ({ command: 'uptime' }),
  'diag.run': () => ({ host: 'app1', command: 'uptime', by: 'ann' }),
  'hosts.check': () => ({ host: 'new1' }),
  'hosts.acceptKey': () => ({ host: 'new1', fingerprint: sshd.hostKeyFingerprint, by: 'ann' }),
  'heal.dryRun': () => ({ action: 'restart_container', host: 'app1', target: 'web', by: 'ann' }),
  'heal.propose': () => ({
    action: 'restart_container',
    host: 'app1',
    target: 'web',
    reason: 'web returns 502',
    proposedBy: 'ann',
    source: 'person',
  }),
  'approvals.decide': async () => ({
    id: (await value('approvals.list', {})).approvals[0]!.id,
    decision: 'reject',
    by: 'ann',
    reason: 'not now',
  }),
  'heal.killSwitch.set': () => ({ on: false }),
  'changes.add': () => ({ service: 'api', summary: 'deploy 1.2.3' }),
  'changes.get': () => ({ id: made.change! }),
  'changes.near': () => ({ eventId }),
  'changes.nearAlerts': () => ({ alerts: [{ fingerprint: 'f1', labels: { service: 'api' }, firedAt: Date.now() }] }),
  'loop.recall': () => ({ eventId }),
  'plans.create': () => ({
    title: 'look at the disk',
    createdBy: 'ann',
    steps: [{ type: 'notify', channel: 'desktop', message: 'hello' }],
  }),
  'plans.get': () => ({ id: made.plan! }),
  'plans.decide': async () => ({ approvalId: (await waitingPlan()).approvalId, decision: 'reject', by: 'ann' }),
  'plans.cancel': async () => ({ id: (await waitingPlan()).planId, by: 'ann' }),
  'secrets.set': () => ({ name: 'hook-hmac', value: 'contract-test-secret', by: 'ann' }),
  'people.add': () => ({ name: 'bob', role: 'responder' }),
  'people.update': () => ({ name: 'bob', role: 'approver' }),
  'sessions.revoke': () => ({ id: core.people.sessions.open(made.token!, 'outputs test')!.id }),
  'people.rotate': () => ({ name: 'bob' }),
  'people.remove': () => ({ name: 'bob' }),
  'config.preview': async () => ({ document: (await value('config.state', {})).document }),
  'config.save': async () => {
    const { document, text } = await value('config.state', {});
    return { document: { ...document, smoke: { summaryChannels: ['hook'] } }, baseText: text, by: 'ann' };
  },
  'config.reload': () => ({ by: 'ann' }),
  // Not "hook": its queue head is the alert's message retried above, so a test message would wait behind it (15 s).
  'channels.test': () => ({ channel: 'desktop', by: 'ann' }),
  'probes.run': () => ({ probe: 'up' }),
  'me.notify.set': () => ({ severities: ['critical'] }),
  'me.notify.pause': () => ({ minutes: 30 }),
  'oncall.shifts': () => ({ team: 'ops', days: 14 }),
  'oncall.ics': () => ({ team: 'ops', days: 14 }),
};
/** Methods about the caller themself need a person as the caller (the legacy token's admin, made in beforeAll). */
const CALLER: { [M in MethodName]?: Actor } = {
  'me.notify.set': { name: 'admin', role: 'admin' },
  'me.notify.pause': { name: 'admin', role: 'admin' },
};

/** Call a method and parse its answer by the declared output schema: null when it fits, else what is wrong. */
async function offSchema(method: MethodName, input: unknown): Promise<string | null> {
  const r = await core.dispatch(method, input, CALLER[method]);
  if (!r.ok) return `${method} refused its input: ${r.error.code}: ${r.error.message}`;
  const parsed = consoleApi[method].output.safeParse(r.value);
  if (!parsed.success) return `${method} answered off its schema: ${describeZodError(parsed.error)}`;
  if (method === 'silences.create') made.silence = (r.value as { id: string }).id;
  if (method === 'changes.add') made.change = (r.value as { id: string }).id;
  if (method === 'plans.create') made.plan = (r.value as { id: string }).id;
  if (method === 'memory.add') made.insight = (r.value as { id: number }).id;
  if (method === 'people.add') made.token = (r.value as { token: string }).token;
  return null;
}

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'vigil-outputs-'));
  const host = { address: '127.0.0.1', port: sshd.port, user: 'vigiltest', keyFile: sshd.clientKeyPath };
  const document = {
    channels: [
      { name: 'desktop', type: 'desktop' },
      { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/refused' },
    ],
    routes: [{ channels: ['desktop', 'hook'] }],
    hosts: [
      { name: 'app1', ...host, hostKey: sshd.hostKeyFingerprint },
      { name: 'new1', ...host },
    ],
    probes: [{ name: 'up', type: 'ssh', host: 'app1', command: 'uptime', interval: '1h' }],
    smoke: { summaryChannels: ['desktop'] },
    oncall: [{ team: 'ops', people: ['ann', 'bob'], start: '2026-01-05T09:00:00Z' }],
  };
  // config.state/preview/save/reload read and write this file.
  const configFile = join(dir, 'vigil.yaml');
  writeFileSync(configFile, stringify(document));
  core = createCore({
    config: ConfigSchema.parse(document),
    configFile,
    watchConfig: false,
    dataDir: dir, // secrets.set writes this data dir's secret store
    log: createLogger(null),
  });
  await core.start();
  core.people.ensureFirstAdmin('contract-test-legacy-token-0123456789');
  const router = core.areas.router;
  [eventId] = router.ingest(
    [
      {
        source: 'api',
        fingerprint: FP,
        severity: 'critical',
        status: 'firing',
        summary: 'Disk almost full',
        description: null,
        labels: { alertname: 'DiskFull', service: 'api' },
        startsAt: null,
        endsAt: null,
      },
    ],
    'test',
  ) as [string];
  await router.drain();
});
afterAll(async () => {
  await core?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('every handler answers by its declared output schema', () => {
  it('R-CONTRACT-3: every method declares an output schema that constrains its answer (not unknown/any)', () => {
    const loose = (Object.keys(consoleApi) as MethodName[]).filter((m) => {
      const out = consoleApi[m].output;
      return out instanceof z.ZodUnknown || out instanceof z.ZodAny || out.safeParse(Symbol('not an answer')).success;
    });
    expect(loose).toEqual([]);
  });

  // Every method in turn, some over SSH to the real test host, some waiting for a retry: ~20 s on a loaded machine.
  it('R-CONTRACT-3: every handler, with a valid input, answers what its method declares', async () => {
    const problems: string[] = [];
    const all = Object.keys(consoleApi) as MethodName[];
    // Methods needing an input in the order of INPUTS (creations before their uses), then every other one with {}.
    const order = [...(Object.keys(INPUTS) as MethodName[]), ...all.filter((m) => !INPUTS[m])];
    for (const m of order) {
      const p = await offSchema(m, INPUTS[m] ? await INPUTS[m]!() : {});
      if (p) problems.push(p);
    }
    expect(problems).toEqual([]);
    expect(new Set(order).size).toBe(all.length);
  }, 90_000);

  it('R-CONTRACT-3: an off-schema answer is caught (the check can fail)', async () => {
    const real = core.handlers['system.ping'];
    core.handlers['system.ping'] = (() => ({ echo: 42 })) as unknown as typeof real;
    try {
      expect(await offSchema('system.ping', { echo: 'x' })).toMatch(/^system\.ping answered off its schema: echo: /);
    } finally {
      core.handlers['system.ping'] = real;
    }
    expect(await offSchema('system.ping', { echo: 'x' })).toBeNull();
  });
});
