import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore } from '../../src-main/core/app';
import { FakeClock } from '../../src-main/core/clock';
import { parseConfig } from '../../src-main/core/config';
import { createLogger } from '../../src-main/core/log';
import type { Message } from '../../src-main/core/notify';
import type { IntakeEvent } from '../../src-main/core/router';
import type { Storm, StormEvent } from './generate';
import type { Notice } from './score';

/** Events of the storm in intake batches: everything within one tick arrives together (as a poll or a webhook would). */
export function ticks(storm: Storm, tickMs: number): Array<{ at: number; events: StormEvent[] }> {
  const out: Array<{ at: number; events: StormEvent[] }> = [];
  for (const e of storm.events) {
    const at = Math.floor(e.at / tickMs) * tickMs;
    if (out.at(-1)?.at !== at) out.push({ at, events: [] });
    out.at(-1)!.events.push(e);
  }
  return out;
}

const intake = (e: StormEvent, base: number): IntakeEvent => ({
  source: 'alertmanager',
  fingerprint: `${e.alertname}/${e.host}`,
  severity: e.severity,
  status: e.status,
  summary: `${e.alertname} on ${e.host}`,
  description: null,
  labels: { alertname: e.alertname, instance: e.host, severity: e.severity },
  startsAt: base + e.startsAt,
  endsAt: e.status === 'resolved' ? base + e.at : null,
});

/**
 * Replay the storm into an in-process Vigil core (real SQLite in a temp
 * dir, default router settings) on a FakeClock that steps through the
 * storm's timeline; every message the router enqueues to the outbox counts.
 */
export async function replayVigil(
  storm: Storm,
  opts: { tickMs: number; horizonMs: number },
): Promise<{ notices: Notice[]; realFirstMs: number; wallMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-storm-'));
  const base = Date.UTC(2026, 0, 5, 12, 0);
  const clock = new FakeClock(base);
  const config = parseConfig(`
channels:
  - { name: oncall, type: webhook, url: "http://127.0.0.1:9/unused" }
routes:
  - { channels: [oncall] }
`);
  const core = createCore({ config, dataDir: dir, clock, log: createLogger(null) });
  const router = core.areas.router;
  const count = core.areas.db.prepare(`SELECT count(*) AS n FROM outbox`);
  let realFirstMs = -1;
  const t0 = performance.now();
  try {
    for (const tick of ticks(storm, opts.tickMs)) {
      clock.set(base + tick.at);
      const before = (count.get() as { n: number }).n;
      const started = performance.now();
      router.ingest(
        tick.events.map((e) => intake(e, base)),
        'storm',
      );
      await router.drain();
      if (realFirstMs < 0 && before === 0 && (count.get() as { n: number }).n > 0) realFirstMs = performance.now() - started;
    }
    clock.set(base + opts.horizonMs);
    const rows = core.areas.db
      .prepare(`SELECT message, created_at FROM outbox WHERE created_at <= ? ORDER BY id`)
      .all(base + opts.horizonMs) as Array<{ message: string; created_at: number }>;
    const notices = rows.map((r) => {
      const m = JSON.parse(r.message) as Message;
      return { at: r.created_at - base, alertname: m.labels.alertname ?? '', info: m.severity === 'info', text: `${m.title}\n${m.body}` };
    });
    return { notices, realFirstMs, wallMs: performance.now() - t0 };
  } finally {
    await core.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
