import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../clock';
import { ChannelConfig, EmbeddingConfig } from '../../config';
import { createMetrics } from '../../metrics';
import type { Message } from '../../notify';
import { openDatabase, sqlitePlanRepository, sqliteStores } from '../../store';
import { createOpenClaw } from '../openclaw';
import { createPlans, handleTelegramCallback, type HealGateway } from './index';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const flush = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

const CHANNELS = [
  ChannelConfig.parse({ name: 'desk', type: 'desktop' }),
  ChannelConfig.parse({ name: 'tg', type: 'telegram', chatId: '-100200', botToken: { secret: 'tg' }, approvers: [4242, '777'] }),
];

/** A stand-in for AutoHeal's gateway: records proposals; the test decides their fate. */
function healStandIn(): HealGateway & {
  proposals: Array<{ id: string; action: string; host: string; target: string; proposedBy: string }>;
  set(id: string, status: string): void;
} {
  const proposals: Array<{ id: string; action: string; host: string; target: string; proposedBy: string; status: string }> = [];
  return {
    proposals,
    propose: (p) => {
      const id = `h${proposals.length + 1}`;
      proposals.push({ id, ...p, status: 'pending' });
      return { id };
    },
    status: (id) => {
      const p = proposals.find((x) => x.id === id);
      return p ? { status: p.status, outcome: p.status === 'executed' ? 'exit 0' : null } : null;
    },
    pending: () => proposals.filter((p) => p.status === 'pending'),
    set: (id, status) => void (proposals.find((x) => x.id === id)!.status = status),
  };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-plans-'));
  const { db } = openDatabase(join(dir, 'vigil.db'));
  cleanups.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new FakeClock();
  const metrics = createMetrics();
  const audited: Array<{ actor: string; action: string; subject?: string; detail?: Record<string, unknown> }> = [];
  const audit = { append: (e: (typeof audited)[number]) => void audited.push(e) };
  const sent: Array<{ channel: string; message: Message; key: string }> = [];
  const outbox = { enqueue: (channel: string, message: Message, key: string) => void sent.push({ channel, message, key }) };
  const heal = healStandIn();
  const diagnosed: string[] = [];
  const stores = sqliteStores(db);
  const openclaw = createOpenClaw({
    repo: stores.memory,
    transaction: stores.transaction,
    embeddings: EmbeddingConfig.parse({}),
    clock,
    metrics,
    fetch: globalThis.fetch,
    audit,
  });
  const deps = {
    repo: stores.plans,
    transaction: stores.transaction,
    clock,
    metrics,
    audit,
    outbox,
    hitlChannels: () => CHANNELS,
    hosts: () => ['web-1'],
    channels: () => CHANNELS.map((c) => c.name),
    healActions: () => ['restart_service', 'restart_container'],
    diagnose: async (host: string, command: string) => (diagnosed.push(`${host}: ${command}`), 'ok'),
    safeAction: (action: string, subject: Parameters<typeof openclaw.safe.run>[1], actor: string) =>
      openclaw.safe.run(action, subject, actor),
    heal,
    changed: () => undefined,
    healPollMs: 1000,
  };
  const plans = createPlans(deps);
  const hitl = async () => (await metrics.registry.getSingleMetric('vigil_hitl_pending')?.get())?.values[0]?.value;
  return { db, clock, metrics, audited, sent, heal, diagnosed, plans, deps, hitl, openclaw };
}

const create = (t: ReturnType<typeof setup>, steps: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
  t.plans.handlers['plans.create']({ title: 'Disk on web-1', createdBy: 'alice', source: 'console', steps: steps as never, ...extra });

describe('ElephantAlpha plans', () => {
  it('R-AGENT-4: an unknown step type fails the plan at once and no step runs', async () => {
    const t = setup();
    const plan = await create(t, [
      { type: 'notify', channels: ['desk'], title: 'starting' },
      { type: 'diagnose', host: 'web-1', command: 'df -hP' },
      { type: 'format_disk', host: 'web-1' },
    ]);
    expect(plan.status).toBe('failed');
    expect(plan.error).toContain('step 3: unknown step type "format_disk"');
    expect(plan.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped']);
    await flush();
    expect(t.sent).toEqual([]);
    expect(t.diagnosed).toEqual([]);
    expect(t.audited.map((a) => a.action)).toEqual(['plan.rejected']);
    expect((await t.plans.handlers['plans.get']({ id: plan.id })).status).toBe('failed');
  });

  it('R-AGENT-4: malformed steps, unknown hosts and heal actions outside the catalogue are refused the same way', async () => {
    const t = setup();
    expect((await create(t, [{ type: 'diagnose', host: 'db-9', command: 'uptime' }])).error).toContain('no host named "db-9"');
    expect((await create(t, [{ type: 'heal', action: 'reboot_host', host: 'web-1', target: 'web-1' }])).error).toContain(
      'not in the AutoHeal catalogue',
    );
    expect((await create(t, [{ type: 'notify', channels: ['pager'], title: 'x' }])).error).toContain('unknown channel');
    expect((await create(t, [{ type: 'wait_for_approval' }])).error).toContain('question');
    expect(t.heal.proposals).toEqual([]);
  });

  it('R-AGENT-4: steps run in order; a HITL prompt reaches the console and Telegram (with buttons) and approval moves the plan on', async () => {
    const t = setup();
    const plan = await create(
      t,
      [
        { type: 'diagnose', host: 'web-1', command: 'df -hP' },
        { type: 'safe_action', action: 'flag_for_human_review' },
        { type: 'wait_for_approval', question: 'Clean /var/log on web-1?' },
        { type: 'notify', channels: ['desk'], title: 'done', body: 'cleaned' },
      ],
      { eventId: 'ev-7' },
    );
    await flush();
    let p = await t.plans.handlers['plans.get']({ id: plan.id });
    expect(p.status).toBe('waiting');
    expect(p.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'running', 'pending']);
    expect(t.diagnosed).toEqual(['web-1: df -hP']);
    expect(t.openclaw.repo.findByRef('ev-7', 'incident')?.flags).toEqual(['human_review']);
    expect(await t.hitl()).toBe(1);

    const prompts = (await t.plans.handlers['plans.approvals']({ pendingOnly: true, limit: 10 })).items;
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatchObject({ planId: plan.id, question: 'Clean /var/log on web-1?', status: 'pending' });
    expect(JSON.stringify(prompts)).not.toContain('nonce');
    const tg = t.sent.find((s) => s.channel === 'tg')!;
    expect(tg.message).toMatchObject({ kind: 'hitl', title: 'Approval needed: Disk on web-1' });
    expect(tg.message.buttons?.map((b) => b.text)).toEqual(['Approve', 'Reject']);
    expect(tg.message.buttons?.every((b) => Buffer.byteLength(b.data) <= 64)).toBe(true);
    expect(t.sent.find((s) => s.channel === 'desk')?.message.buttons).toBeUndefined();

    await t.plans.handlers['plans.decide']({ approvalId: prompts[0]!.id, decision: 'approve', by: 'bob' });
    await flush();
    p = await t.plans.handlers['plans.get']({ id: plan.id });
    expect(p.status).toBe('succeeded');
    expect(p.steps[2]).toMatchObject({ status: 'succeeded', result: 'approved by bob via console' });
    expect(t.sent.filter((s) => s.channel === 'desk').map((s) => s.message.title)).toEqual(['Approval needed: Disk on web-1', 'done']);
    expect(await t.hitl()).toBe(0);
    expect(t.audited.map((a) => a.action)).toContain('plan.approved');
    // An approval is used once.
    await expect(async () =>
      t.plans.handlers['plans.decide']({ approvalId: prompts[0]!.id, decision: 'reject', by: 'eve' }),
    ).rejects.toThrow(/already approved/);
  });

  it('R-AGENT-4: each step has a timeout: an unanswered approval fails the plan when it runs out', async () => {
    const t = setup();
    const plan = await create(t, [
      { type: 'wait_for_approval', question: 'ok?', timeout: 60_000 },
      { type: 'notify', channels: ['desk'], title: 'never' },
    ]);
    await flush();
    t.clock.advance(59_999);
    await flush();
    expect((await t.plans.handlers['plans.get']({ id: plan.id })).status).toBe('waiting');
    t.clock.advance(1);
    await flush();
    const p = await t.plans.handlers['plans.get']({ id: plan.id });
    expect(p).toMatchObject({ status: 'failed', error: expect.stringContaining('timed out after 60000 ms') });
    expect(p.approvals[0]?.status).toBe('expired');
    expect(p.steps[1]?.status).toBe('skipped');
    expect(await t.hitl()).toBe(0);
  });

  it('R-AGENT-4: a heal step only proposes to AutoHeal and waits for its approval and execution', async () => {
    const t = setup();
    const plan = await create(t, [
      { type: 'heal', action: 'restart_service', host: 'web-1', target: 'nginx' },
      { type: 'notify', channels: ['desk'], title: 'healed' },
    ]);
    await flush();
    expect(t.heal.proposals).toMatchObject([
      { action: 'restart_service', host: 'web-1', target: 'nginx', proposedBy: `elephant:${plan.id}` },
    ]);
    t.clock.advance(5_000);
    await flush();
    expect((await t.plans.handlers['plans.get']({ id: plan.id })).status).toBe('running'); // still waiting on AutoHeal's approval
    t.heal.set('h1', 'executed');
    t.clock.advance(1_000);
    await flush();
    expect((await t.plans.handlers['plans.get']({ id: plan.id })).status).toBe('succeeded');
    // The approval it ran under is kept as a field of the step (verification reports its verdict there), not only in words.
    expect(t.deps.repo.get(plan.id)!.steps[0]).toMatchObject({ approvalId: 'h1', result: 'AutoHeal h1 executed: exit 0' });

    const refused = await create(t, [{ type: 'heal', action: 'restart_container', host: 'web-1', target: 'api' }]);
    await flush();
    t.heal.set('h2', 'rejected');
    t.clock.advance(1_000);
    await flush();
    expect(await t.plans.handlers['plans.get']({ id: refused.id })).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('AutoHeal h2 rejected'),
    });
    expect(t.heal.proposals).toHaveLength(2);
  });

  it('R-AGENT-4: cancel stops a waiting plan and withdraws its prompt', async () => {
    const t = setup();
    const plan = await create(t, [{ type: 'wait_for_approval', question: 'ok?' }]);
    await flush();
    const p = await t.plans.handlers['plans.cancel']({ id: plan.id, by: 'alice' });
    expect(p).toMatchObject({ status: 'cancelled', error: 'cancelled by alice' });
    expect(p.approvals[0]?.status).toBe('cancelled');
    await flush();
    expect((await t.plans.handlers['plans.get']({ id: plan.id })).status).toBe('cancelled');
    expect(await t.hitl()).toBe(0);
  });

  it('R-AGENT-4: a Telegram callback is accepted only from an approver and only for the exact pending approval', async () => {
    const t = setup();
    const a = await create(t, [{ type: 'wait_for_approval', question: 'Restart api?' }]);
    const b = await create(t, [{ type: 'wait_for_approval', question: 'Restart db?' }]);
    await flush();
    const buttons = (id: string) => t.sent.find((s) => s.channel === 'tg' && s.message.labels.plan === id)!.message.buttons!;
    const approveA = buttons(a.id)[0]!.data;
    const approveB = buttons(b.id)[0]!.data;
    const press = (from: number, data: string, chat: number | string = -100200) =>
      handleTelegramCallback(
        {
          update_id: 1,
          callback_query: { id: 'cq1', from: { id: from, username: 'u' }, message: { message_id: 5, chat: { id: chat } }, data },
        },
        { elephant: t.plans.elephant, channels: () => CHANNELS, audit: t.deps.audit },
      );
    // Not an approver.
    expect(press(1001, approveA)).toMatchObject({ accepted: false, text: expect.stringContaining('not an approver') });
    // An approver, but from a chat whose channel does not list them.
    expect(press(4242, approveA, -999)).toMatchObject({ accepted: false });
    // The right approval id with another approval's nonce: refused.
    const forged = `${approveA.slice(0, approveA.lastIndexOf(':'))}:${approveB.slice(approveB.lastIndexOf(':') + 1)}`;
    expect(press(4242, forged)).toMatchObject({ accepted: false, text: expect.stringContaining('does not belong') });
    expect(press(4242, 'hitl:a:pzzzzzzzzzzzz-0:0123456789abcdef')).toMatchObject({
      accepted: false,
      text: expect.stringContaining('does not exist'),
    });
    expect(press(4242, 'rm -rf /')).toMatchObject({ accepted: false });
    await flush();
    expect((await t.plans.handlers['plans.get']({ id: a.id })).status).toBe('waiting');
    expect(t.audited.filter((x) => x.action === 'plan.approval_refused')).toHaveLength(5);

    expect(press(777, buttons(b.id)[1]!.data)).toMatchObject({ accepted: true, text: 'Rejected: Restart db?' });
    expect(press(4242, approveA)).toMatchObject({ accepted: true, text: 'Approved: Restart api?' });
    expect(press(4242, approveA)).toMatchObject({ accepted: false, text: expect.stringContaining('already approved') }); // single use
    await flush();
    expect((await t.plans.handlers['plans.get']({ id: a.id })).approvals[0]).toMatchObject({
      status: 'approved',
      decidedVia: 'telegram',
      decidedBy: 'telegram:4242 (@u)',
    });
    expect((await t.plans.handlers['plans.get']({ id: a.id })).status).toBe('succeeded');
    expect((await t.plans.handlers['plans.get']({ id: b.id })).status).toBe('failed');
  });

  it('R-AGENT-4: after a restart a waiting plan waits again and a step that was running is failed, not repeated', async () => {
    const t = setup();
    const waiting = await create(t, [
      { type: 'wait_for_approval', question: 'ok?' },
      { type: 'notify', channels: ['desk'], title: 'after' },
    ]);
    await flush();
    // Simulate a crash in the middle of a diagnose step.
    const repo = sqlitePlanRepository(t.db);
    const crashed = await create(t, [{ type: 'notify', channels: ['desk'], title: 'x' }]);
    await flush();
    const row = repo.get(crashed.id)!;
    Object.assign(row, { status: 'running', current: 0, finishedAt: null });
    Object.assign(row.steps[0]!, { type: 'diagnose', status: 'running' });
    repo.save(row);

    const again = createPlans(t.deps);
    again.elephant.resume();
    await flush();
    expect(repo.get(crashed.id)).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted by a restart') });
    const prompt = repo.get(waiting.id)!.approvals[0]!;
    again.elephant.decide(prompt.id, 'approve', 'bob', 'console');
    await flush();
    expect(repo.get(waiting.id)?.status).toBe('succeeded');
    expect(t.sent.filter((s) => s.message.kind === 'hitl' && s.message.labels.plan === waiting.id)).toHaveLength(2); // prompted once (2 channels), not again
  });
});
