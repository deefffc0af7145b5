import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startLlmServer, type LlmServer } from '../../../e2e/fixtures/llm-server';
import { loopHostAndRule } from '../../../e2e/fixtures/loop';
import { startOllamaServer, type OllamaServer } from '../../../e2e/fixtures/ollama-server';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import type { Plan, PlanApproval } from '../../../src-shared/api/agents';
import { createCore } from '../app';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';

// Test support for the closed loop's end-to-end tests (*.sshd.test.ts in this folder).

/**
 * The closed loop end to end (R-LOOP-1/2/3, R-CHANGE-2) on a real SQLite file
 * and the real sshd test host (fake systemctl on vigiltest's PATH), once
 * without any LLM (Hermes rules) and once with the LLM stand-in (NemoTron).
 * Time is a FakeClock; SSH runs on real time.
 */
export interface LoopFixtures {
  sshd: SshdFixture;
  llm: LlmServer;
  ollama: OllamaServer;
}

/** The real sshd test host and the LLM/Ollama stand-ins, started once per test file. */
export function useLoopFixtures(): LoopFixtures {
  const fx = {} as LoopFixtures;
  beforeAll(async () => {
    fx.sshd = await startSshd();
    fx.llm = await startLlmServer();
    fx.ollama = await startOllamaServer();
  });
  afterAll(async () => {
    await fx.llm?.close();
    await fx.ollama?.close();
    await fx.sshd?.stop();
  });
  return fx;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function setupLoop(sshd: SshdFixture, extra = '') {
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
  type Labels = Parameters<typeof fire>[1];
  /** Fire the alert and wait for a plan (matching `pred`) that waits for a person; with the approval it asks for. */
  const fireUntilWaiting = async (pred: (p: Plan) => boolean = () => true, labels?: Labels) => {
    fire('firing', labels);
    const plan = await until(
      'a waiting plan',
      planFor((p) => p.status === 'waiting' && pred(p)),
    );
    const approval = (await call<{ items: PlanApproval[] }>('plans.approvals', {})).items.find((a) => a.planId === plan.id);
    if (!approval) throw new Error(`plan ${plan.id} waits but asks no approval`);
    return { plan, approval };
  };
  /** Approve the plan's heal as `by` and wait until its verify step (the 4th) runs. */
  const approveUntilVerifying = async (plan: Plan, approval: PlanApproval, by: string) => {
    await call('plans.decide', { approvalId: approval.id, decision: 'approve', by });
    await until(
      'the verify step',
      planFor((p) => p.id === plan.id && p.steps[3]!.status === 'running'),
    );
  };
  /** Resolve the alert and wait for the plan to succeed. */
  const resolveUntilSucceeded = (plan: Plan, labels?: Labels) => {
    fire('resolved', labels);
    return until(
      'the plan to succeed',
      planFor((p) => p.id === plan.id && p.status === 'succeeded'),
    );
  };
  return {
    core,
    call,
    until,
    fire,
    planFor,
    fireUntilWaiting,
    approveUntilVerifying,
    resolveUntilSucceeded,
    clock,
    close: async () => {
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
