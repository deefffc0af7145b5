import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerAvailable, freeLoopbackPort, startAlertmanager, type AlertmanagerHandle } from '../../../e2e/fixtures/alertmanager';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createHttpServer } from '../http';

/**
 * Real Alertmanager → Vigil: Alertmanager routes alerts to Vigil's webhook
 * (bearer token in http_config) while Vigil's poller reads the same
 * Alertmanager's API v2. Both paths carry Alertmanager's fingerprint, so the
 * human hears about each alert once, and about its resolve once.
 */
const TOKEN = 'am-test-token-0123456789abcdefghijklmnop';
let am: AlertmanagerHandle;
let core: Core;
let app: FastifyInstance;
let dataDir = '';

// The trace is stored compactly (store/trace-codec.ts): its first entry (how the event came in) is read through the store.
const rows = (fp: string) =>
  (core.areas.db.prepare(`SELECT id FROM events WHERE fingerprint = ? ORDER BY seq`).all(fp) as Array<{ id: string }>).map(({ id }) => {
    const e = core.areas.router.events.get(id)!;
    return { status: e.status, outcome: e.outcome, via: e.trace[0]?.detail ?? '' };
  });
const messages = () =>
  core.areas.db
    .prepare(
      `SELECT json_extract(message, '$.kind') AS kind, json_extract(message, '$.status') AS status, json_extract(message, '$.title') AS title FROM outbox WHERE message LIKE '%DiskFull%' ORDER BY id`,
    )
    .all() as Array<{ kind: string; status: string; title: string }>;
async function until<T>(what: string, fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(alertmanagerAvailable())('real Alertmanager (R-ROUTE-1)', () => {
  beforeAll(async () => {
    const amPort = await freeLoopbackPort();
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-am-it-'));
    core = createCore({
      config: parseConfig(
        `alertmanager: { url: "http://127.0.0.1:${amPort}", interval: 1s }\nrouter: { groupWindow: 1s }\nchannels: [{ name: desktop, type: desktop }]`,
      ),
      dataDir,
    });
    app = await createHttpServer({ core, token: TOKEN });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const vigil = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    am = await startAlertmanager({ port: amPort, webhook: { url: `${vigil}/api/v1/alerts/alertmanager`, token: TOKEN } });
    await core.start();
  }, 60_000);
  afterAll(async () => {
    await am?.stop();
    await app?.close();
    await core?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("R-ROUTE-1: an alert arrives by webhook and by poll with Alertmanager's fingerprint and notifies once; its resolve notifies once", async () => {
    const labels = { alertname: 'DiskFull', instance: 'web1', severity: 'critical' };
    await am.postAlerts([{ labels, annotations: { summary: 'Disk almost full on web1' } }]);
    const amAlert = await (async () => {
      for (let i = 0; i < 50; i++) {
        const list = await am.alerts();
        if (list.length) return list[0]!;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('alert never showed in Alertmanager');
    })();
    // Both paths deliver it: the webhook (POST …/alertmanager) and the poller.
    const seen = await until('webhook and poll', () => {
      const r = rows(amAlert.fingerprint);
      return (
        r.some((x) => x.via.includes('POST /api/v1/alerts/alertmanager')) &&
        r.some((x) => x.via.startsWith('alertmanager poll')) &&
        r.every((x) => x.outcome) &&
        r
      );
    });
    expect(seen.filter((r) => r.outcome === 'notified')).toHaveLength(1);
    expect(seen.filter((r) => r.outcome === 'deduped').length).toBeGreaterThanOrEqual(1);

    // Resolve it the way Prometheus does: the same alert with endsAt in the past.
    await am.postAlerts([
      { labels, annotations: { summary: 'Disk almost full on web1' }, endsAt: new Date(Date.now() - 1000).toISOString() },
    ]);
    const after = await until('the resolve by both paths', () => {
      const r = rows(amAlert.fingerprint).filter((x) => x.status === 'resolved');
      return (
        r.some((x) => x.via.includes('POST')) && r.some((x) => x.via.startsWith('alertmanager poll')) && r.every((x) => x.outcome) && r
      );
    });
    expect(after.some((r) => r.outcome === 'notified' || r.outcome === 'grouped')).toBe(true);
    // What the human receives: one message for the alert, one for its resolve (the group stage may send it as the group's resolution).
    const sent = await until('the resolve message', () => {
      const m = messages();
      return m.some((x) => x.status === 'resolved') && m;
    });
    expect(
      sent.map((m) => m.status),
      JSON.stringify(sent),
    ).toEqual(['firing', 'resolved']);
  }, 60_000);

  it("R-ROUTE-1: the poller's own failure becomes a vigil event (no failure path is silent)", async () => {
    await am.stop();
    const failed = await until(
      'a vigil failure event',
      () =>
        core.areas.db
          .prepare(`SELECT summary, severity FROM events WHERE source = 'vigil' AND summary LIKE '%alertmanager poller%'`)
          .get() as { summary: string; severity: string } | undefined,
    );
    expect(failed.summary).toMatch(/Vigil: alertmanager poller failed: cannot read http:\/\/127\.0\.0\.1:\d+/);
  }, 30_000);
});
