import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { CHECKS, type CheckInput } from './checks';
import type { SmokeSources } from './sources';

const NOW = Date.UTC(2026, 2, 1, 12);
const MIN = 60_000;

function input(sources: SmokeSources, yaml = ''): CheckInput {
  const config = parseConfig(yaml);
  return { sources, thresholds: config.smoke.thresholds, config, now: NOW };
}

describe('smoke checks', () => {
  it('R-SMOKE-1: router queue depth and oldest age grade ok / warning / critical with a one-line reason', async () => {
    const check = (depth: number, ageMs: number | null) =>
      CHECKS.router_queue(input({ routerQueue: () => ({ depth, oldestAt: ageMs === null ? null : NOW - ageMs }) }));
    expect(await check(0, null)).toMatchObject({ status: 'ok', value: 0, reason: 'no events waiting in the router' });
    expect(await check(3, 10_000)).toMatchObject({ status: 'ok', reason: '3 events waiting in the router, oldest 10s' });
    expect(await check(150, 1_000)).toMatchObject({ status: 'warning', value: 150 });
    expect(await check(5, 2 * MIN)).toMatchObject({
      status: 'warning',
      reason: '5 events waiting in the router, oldest 2m (older than 1m)',
    });
    expect(await check(1000, 0)).toMatchObject({ status: 'critical' });
    expect(await check(2, 6 * MIN)).toMatchObject({ status: 'critical' });
  });

  it('R-SCALE-8: a short router queue is critical while nothing in it is being decided', async () => {
    const notDecided = 'not being decided since 2026-03-01 11:59:00 UTC: database disk image is malformed';
    const q = await CHECKS.router_queue(input({ routerQueue: () => ({ depth: 3, oldestAt: NOW - 5_000, notDecided }) }));
    expect(q).toMatchObject({ status: 'critical', value: 3, reason: `3 events waiting: ${notDecided}` });
  });

  it('R-SMOKE-1: thresholds come from config', async () => {
    const yaml = 'smoke: { thresholds: { routerQueue: { depth: { warning: 2, critical: 4 } } } }';
    const check = (depth: number) => CHECKS.router_queue(input({ routerQueue: () => ({ depth, oldestAt: NOW }) }, yaml));
    expect((await check(1)).status).toBe('ok');
    expect((await check(2)).status).toBe('warning');
    expect((await check(4)).status).toBe('critical');
    expect(() => parseConfig('smoke: { thresholds: { routerQueue: { depth: { warning: 9, critical: 4 } } } }')).toThrow(
      /critical must be at least warning/,
    );
  });

  it('R-SMOKE-1: outbox backlog names the worst channel', async () => {
    const backlog = (rows: Array<[string, number, number | null]>) =>
      CHECKS.outbox_backlog(
        input({
          outboxBacklog: () => rows.map(([channel, pending, age]) => ({ channel, pending, oldestAt: age === null ? null : NOW - age })),
        }),
      );
    expect(
      await backlog([
        ['tg', 0, null],
        ['hook', 0, null],
      ]),
    ).toMatchObject({ status: 'ok', reason: 'no backlog on 2 channel(s)' });
    expect(
      await backlog([
        ['tg', 12, MIN],
        ['hook', 1, MIN],
      ]),
    ).toMatchObject({ status: 'warning', value: 12, reason: expect.stringMatching(/^tg: 12 pending/) });
    expect(
      await backlog([
        ['tg', 12, MIN],
        ['hook', 2, 31 * MIN],
      ]),
    ).toMatchObject({ status: 'critical', reason: expect.stringMatching(/^hook: 2 pending, oldest 31m/) });
  });

  it('R-SMOKE-1: AutoHeal protected resources must be configured and enforced', async () => {
    const hosts = 'hosts: [{ name: web1, address: 10.0.0.5, user: vigil }]';
    expect(await CHECKS.autoheal_protected(input({}))).toMatchObject({ status: 'ok', reason: expect.stringContaining('no hosts') });
    expect(await CHECKS.autoheal_protected(input({}, hosts))).toMatchObject({
      status: 'warning',
      reason: expect.stringContaining('no protected resources configured'),
    });
    const withProtected = `${hosts}\nprotected: [{ container: momo-db }, { image: "postgres*" }]`;
    expect(await CHECKS.autoheal_protected(input({}, withProtected))).toMatchObject({
      status: 'warning',
      reason: expect.stringContaining('not configured'),
    });
    expect(await CHECKS.autoheal_protected(input({ protectedGuard: () => ({ configured: 2, denied: 2 }) }, withProtected))).toMatchObject({
      status: 'ok',
      value: 2,
    });
    expect(await CHECKS.autoheal_protected(input({ protectedGuard: () => ({ configured: 2, denied: 1 }) }, withProtected))).toMatchObject({
      status: 'critical',
      reason: '1 of 2 protected rule(s) NOT enforced by the AutoHeal guard',
    });
  });

  it('R-SMOKE-1: NemoTron fallback rate over the window, with a minimum sample size', async () => {
    const llm = 'llm: { provider: nim }';
    let askedSince = 0;
    const rate = (attempts: number, fallbacks: number) =>
      CHECKS.nemotron_fallback(input({ agentOutcomes: (since) => ((askedSince = since), { attempts, fallbacks }) }, llm));
    expect(await CHECKS.nemotron_fallback(input({}))).toMatchObject({
      status: 'ok',
      reason: expect.stringContaining('NemoTron not configured'),
    });
    expect(await rate(3, 3)).toMatchObject({ status: 'ok', reason: expect.stringContaining('too few to judge') });
    expect(askedSince).toBe(NOW - 3_600_000);
    expect(await rate(10, 1)).toMatchObject({ status: 'ok', value: 0.1 });
    expect(await rate(10, 2)).toMatchObject({
      status: 'warning',
      reason: '2 of 10 triages fell back to Hermes in the last 1h: 20% (≥ 20%)',
    });
    expect(await rate(10, 5)).toMatchObject({ status: 'critical', value: 0.5 });
  });

  it('R-SMOKE-1: OpenClaw embedding queue grades pending, stale and failed', async () => {
    const q = (pending: number, stale: number, failed: number) =>
      CHECKS.openclaw_embeddings(input({ embeddingQueue: () => ({ pending, stale, failed }) }, 'embeddings: { provider: ollama }'));
    expect(await CHECKS.openclaw_embeddings(input({}))).toMatchObject({ status: 'ok', reason: expect.stringContaining('provider none') });
    expect(await CHECKS.openclaw_embeddings(input({}, 'embeddings: { provider: ollama }'))).toMatchObject({
      status: 'warning',
      reason: expect.stringContaining('not configured'),
    });
    expect(await q(5, 0, 0)).toMatchObject({ status: 'ok', reason: '5 pending, 0 stale, 0 failed' });
    expect(await q(5, 1, 0)).toMatchObject({ status: 'warning', reason: '5 pending, 1 stale (warning), 0 failed' });
    expect(await q(5, 0, 20)).toMatchObject({ status: 'critical' });
    expect(await q(1000, 0, 0)).toMatchObject({ status: 'critical', value: 1000 });
  });

  it('R-SMOKE-1: ElephantAlpha pending approvals by count and oldest age', async () => {
    const a = (pending: number, ageMs: number) => CHECKS.elephant_hitl(input({ approvals: () => ({ pending, oldestAt: NOW - ageMs }) }));
    expect(await a(0, 0)).toMatchObject({ status: 'ok', reason: 'no approvals pending' });
    expect(await a(1, 10 * MIN)).toMatchObject({ status: 'ok' });
    expect(await a(1, 31 * MIN)).toMatchObject({ status: 'warning' });
    expect(await a(5, MIN)).toMatchObject({ status: 'warning' });
    expect(await a(1, 3 * 3_600_000)).toMatchObject({ status: 'critical', reason: '1 approvals pending, oldest 3h (older than 2h)' });
  });

  it('R-SMOKE-1: an area that is not wired says so honestly instead of reporting numbers', async () => {
    for (const id of ['router_queue', 'outbox_backlog', 'elephant_hitl'] as const) {
      const r = await CHECKS[id](input({}));
      expect(r.status).toBe('warning');
      expect(r.value).toBeNull();
      expect(r.reason).toMatch(/^not configured: no .* source is wired/);
    }
  });
});
