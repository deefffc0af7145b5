import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startPrometheus, type PrometheusHandle } from '../../e2e/fixtures/prometheus';
import { createCore, type Core } from '../core/app';
import { parseConfig } from '../core/config';
import { startMetricsServer, type MetricsServer } from '../core/metrics';
import { createHttpServer } from './http';
import { listenHttp } from './testing';

const ROOT = resolve(__dirname, '../..');
const DASHBOARD = join(ROOT, 'resources/grafana/vigil-dashboard.json');

/** Every metric requirements.md names (+ escalations and acks), and label values that must exist at zero. */
const REQUIRED: Record<string, Array<Record<string, string>>> = {
  vigil_router_events_total: ['notified', 'deduped', 'silenced', 'muted', 'rejected'].map((result) => ({ result })),
  vigil_router_dispatch_seconds: [],
  vigil_notify_sent_total: [{ channel: 'desktop' }, { channel: 'hook' }],
  vigil_outbox_pending: [{ channel: 'desktop' }, { channel: 'hook' }],
  vigil_outbox_replayed_total: [{ channel: 'desktop' }, { channel: 'hook' }],
  vigil_agent_triage_total: [{ agent: 'hermes' }, { agent: 'nemotron' }],
  vigil_agent_fallback_total: ['no_key', 'rate_limited', 'timeout', 'network', 'http_error', 'no_tool_calls', 'invalid_output'].map(
    (reason) => ({ reason }),
  ),
  vigil_safe_actions_total: ['flag_for_human_review', 'route_to_km', 'mark_for_relearn'].map((action) => ({ action })),
  vigil_autoheal_actions_total: [{ action: 'restart_service' }, { action: 'restart_container' }],
  vigil_autoheal_duration_seconds: [],
  vigil_embedding_queue: ['pending', 'processing', 'done', 'failed'].map((state) => ({ state })),
  vigil_hitl_pending: [],
  vigil_smoke_status: [
    'router_queue',
    'outbox_backlog',
    'autoheal_protected',
    'nemotron_fallback',
    'openclaw_embeddings',
    'elephant_hitl',
  ].map((check) => ({ check })),
  vigil_escalations_total: [{ step: '1' }],
  vigil_acks_total: [{ via: 'console' }, { via: 'telegram' }],
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse Prometheus text exposition into samples and # TYPE lines. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** Every PromQL expression in the dashboard (panels and collapsed rows). */
function dashboardExprs(): Array<{ panel: string; expr: string }> {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Array<{ title: string; targets?: { expr: string }[]; panels?: unknown[] }>;
  };
  const out: Array<{ panel: string; expr: string }> = [];
  const walk = (panels: typeof dash.panels) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) out.push({ panel: p.title, expr: t.expr });
      if (p.panels) walk(p.panels as typeof dash.panels);
    }
  };
  walk(dash.panels);
  return out;
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, label names or durations. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

let core: Core;
let app: FastifyInstance;
let base: string;
let metricsServer: MetricsServer;
let exposition: string;

beforeAll(async () => {
  const config = parseConfig(`channels: [{ name: desktop, type: desktop }, { name: hook, type: webhook, url: "http://127.0.0.1:9/h" }]
routes: [{ channels: [desktop] }]
smoke: { interval: 1h }`);
  core = createCore({ config, dataDir: null });
  ({ app, base } = await listenHttp({ core, token: 'metrics-test-token-0123456789abcdef' }));
  // Scraped before start(): the zero baseline must not depend on anything having run.
  exposition = await (await fetch(`${base}/metrics`)).text();
  await core.start();
  metricsServer = await startMetricsServer(core.ctx, 0);
});
afterAll(async () => {
  await metricsServer?.close();
  await app?.close();
  await core?.stop();
});

describe('metrics', () => {
  it('R-METRICS-2: every metric is exported at zero from start-up, with its label values', () => {
    const { types, samples } = parseExposition(exposition);
    for (const [name, labelSets] of Object.entries(REQUIRED)) {
      expect(types.has(name), `${name} has a # TYPE line`).toBe(true);
      const own = samples.filter((s) => s.name === name || s.name.startsWith(`${name}_`));
      expect(own.length, `${name} has samples`).toBeGreaterThan(0);
      for (const s of own) expect(s.value, `${s.name}${JSON.stringify(s.labels)}`).toBe(0);
      for (const want of labelSets) {
        expect(
          own.some((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v)),
          `${name}${JSON.stringify(want)}`,
        ).toBe(true);
      }
    }
    expect(types.get('vigil_router_dispatch_seconds')).toBe('histogram');
    expect(types.get('vigil_autoheal_duration_seconds')).toBe('histogram');
  });

  it('R-METRICS-3: every PromQL expression in the Grafana dashboard names only metrics that /metrics exports', () => {
    const exported = new Set(parseExposition(exposition).samples.map((s) => s.name));
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(15);
    const used = new Set<string>();
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `"${panel}" queries a metric: ${expr}`).toBeGreaterThan(0);
      for (const n of names) {
        expect(exported.has(n), `"${panel}" uses ${n}, which /metrics does not export`).toBe(true);
        used.add(n.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    // The dashboard covers what R-METRICS-1 lists.
    for (const m of [
      'vigil_router_dispatch_seconds',
      'vigil_router_events_total',
      'vigil_safe_actions_total',
      'vigil_outbox_replayed_total',
      'vigil_autoheal_actions_total',
      'vigil_autoheal_duration_seconds',
      'vigil_agent_fallback_total',
      'vigil_embedding_queue',
      'vigil_hitl_pending',
      'vigil_outbox_pending',
      'vigil_smoke_status',
    ]) {
      expect(used.has(m), `dashboard shows ${m}`).toBe(true);
    }
    expect(metricNames('sum by (le) (rate(x_bucket{a="b",c=~"d"}[5m])) / on (job) group_left y')).toEqual(['x_bucket', 'y']);
  });

  it('R-METRICS-3: the Prometheus scrape example is valid and scrapes loopback', () => {
    const prom = parseYaml(readFileSync(join(ROOT, 'resources/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = prom.scrape_configs.find((j) => j.job_name === 'vigil')!;
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs[0]!.targets).toEqual(['127.0.0.1:7300']);
  });

  it('R-METRICS-1 / R-SEC-1: the opt-in metrics port serves /metrics on 127.0.0.1 only', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsServer.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('vigil_router_dispatch_seconds_bucket');
    expect((await fetch(`http://127.0.0.1:${metricsServer.port}/api/rpc/status.get`, { method: 'POST' })).status).toBe(404);
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) await expect(fetch(`http://${external.address}:${metricsServer.port}/metrics`)).rejects.toThrow();
  });

  it('R-SEC-1 / R-CONTRACT-2: with metrics.token the metrics port wants the bearer token (same check and same error envelope as vigil serve), and refuses to open if the secret is missing', async () => {
    const config = parseConfig('metrics: { token: { secret: metrics-token } }\nsmoke: { enabled: false }');
    const secured = createCore({
      config,
      dataDir: null,
      secrets: { get: (n) => (n === 'metrics-token' ? 'scrape-secret-0123456789' : undefined), names: () => ['metrics-token'] },
    });
    const srv = await startMetricsServer(secured.ctx, 0);
    const headless = await createHttpServer({ core: secured, token: 'metrics-test-token-0123456789abcdef' });
    await headless.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${srv.port}/metrics`;
      const headlessUrl = `http://127.0.0.1:${(headless.server.address() as { port: number }).port}/metrics`;
      const answer = async (u: string, authorization?: string) => {
        const res = await fetch(u, authorization ? { headers: { authorization } } : {});
        return { status: res.status, type: res.headers.get('content-type'), body: (await res.text()).slice(0, 200) };
      };
      const unauthorized = {
        status: 401,
        type: 'application/json; charset=utf-8',
        body: JSON.stringify({ ok: false, error: { code: 'unauthorized', message: 'metrics need a bearer token' } }),
      };
      // One check, one error shape: the desktop port answers exactly what vigil serve's /metrics answers.
      for (const auth of [undefined, 'Bearer wrong', 'Basic c2NyYXBl']) {
        expect(await answer(url, auth)).toEqual(unauthorized);
        expect(await answer(headlessUrl, auth)).toEqual(unauthorized);
      }
      expect((await fetch(url, { headers: { authorization: 'Bearer scrape-secret-0123456789' } })).status).toBe(200);
      const other = await fetch(`http://127.0.0.1:${srv.port}/api/rpc/status.get`, { method: 'POST' });
      expect({ status: other.status, body: await other.json() }).toEqual({
        status: 404,
        body: { ok: false, error: { code: 'not_found', message: expect.stringContaining('only GET /metrics is served here') } },
      });
    } finally {
      await srv.close();
      await headless.close();
      await secured.stop();
    }
    const unresolved = createCore({ config, dataDir: null, secrets: { get: () => undefined, names: () => [] } });
    await expect(startMetricsServer(unresolved.ctx, 0)).rejects.toThrow(/secret "metrics-token", which is not set/);
    await unresolved.stop();
  });

  // No skip when Prometheus is missing: scripts/install-test-deps.sh installs it, and its absence must fail loudly.
  describe('with a real Prometheus', () => {
    let prom: PrometheusHandle;
    beforeAll(async () => {
      prom = await startPrometheus({ targets: [base.replace('http://', ''), `127.0.0.1:${metricsServer.port}`] });
    }, 60_000);
    afterAll(async () => {
      await prom?.stop();
    });

    it('R-METRICS-1: Prometheus scrapes the HTTP server and the metrics port: both targets up, vigil_ series queryable', async () => {
      const targets = await prom.waitForTargetsUp();
      expect(targets.map((t) => t.health)).toEqual(['up', 'up']);
      const smoke = await prom.query('vigil_smoke_status');
      expect(new Set(smoke.map((s) => s.metric.check))).toEqual(new Set(REQUIRED.vigil_smoke_status!.map((l) => l.check)));
      const events = await prom.query('vigil_router_events_total{result="notified"}');
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((s) => s.value[1] === '0')).toBe(true);
    }, 60_000);

    it('R-METRICS-3: every dashboard query evaluates in Prometheus and returns series', async () => {
      await prom.waitForTargetsUp();
      // rate() needs at least two scrapes inside its window.
      const scrapes = async () => Number((await prom.query('count_over_time(vigil_hitl_pending[1m])'))[0]?.value[1] ?? 0);
      const deadline = Date.now() + 20_000;
      while ((await scrapes()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      for (const { panel, expr } of dashboardExprs()) {
        const result = await prom.query(expr);
        expect(result.length, `"${panel}": ${expr} returned no series`).toBeGreaterThan(0);
      }
    }, 60_000);
  });
});
