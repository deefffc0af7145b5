import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../app';
import type { CoreContext } from '../context';
import { Bus } from '../bus';
import { FakeClock } from '../clock';
import { ConfigSchema, type Config } from '../config';
import { createLogger } from '../log';
import { createMetrics, DEFAULT_BASELINE } from '../metrics';
import { openDatabase, sqliteStores, type Database } from '../store';
import type { IntakeEvent } from '../router';
import type { Message } from './types';

/**
 * Test support for the notify area: a CoreContext on a real SQLite file in a
 * temp dir with a FakeClock, and a way to wait for real network I/O.
 */
export interface NotifyTestBed {
  ctx: CoreContext;
  /** The real SQLite file's handle, for tests that read rows or simulate a crash (close). */
  db: Database;
  clock: FakeClock;
  dir: string;
  /** Reopen the same database file with a fresh context (a restart after a crash). */
  reopen(): NotifyTestBed;
  cleanup(): void;
}

export function notifyTestBed(config: Record<string, unknown>, secrets: Record<string, string> = {}, dir?: string): NotifyTestBed {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'vigil-notify-'));
  const channels = (config.channels as Array<{ name: string }> | undefined) ?? [];
  const parsed = ConfigSchema.parse({ routes: channels.length ? [{ channels: [channels[0]?.name] }] : undefined, ...config });
  const { db } = openDatabase(join(folder, 'vigil.db'));
  const clock = new FakeClock();
  const ctx: CoreContext = {
    config: parsed,
    dataDir: folder,
    stores: sqliteStores(db),
    clock,
    log: createLogger(null),
    bus: new Bus(),
    metrics: createMetrics({ ...DEFAULT_BASELINE, channels: parsed.channels.map((c) => c.name) }),
    secrets: { get: (n) => secrets[n], names: () => Object.keys(secrets) },
    fetch: globalThis.fetch,
    toMain: null,
    statusProviders: [],
    changed: () => undefined,
    onStart: () => undefined,
    onStop: () => undefined,
    onReload: () => undefined,
    onSleep: () => undefined,
    onWake: () => undefined,
  };
  return {
    ctx,
    db,
    clock,
    dir: folder,
    reopen: () => notifyTestBed(config, secrets, folder),
    cleanup() {
      if (db.open) db.close();
      if (!dir) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Wait for real I/O (HTTP round trips) to reach a state; time-driven logic uses the FakeClock. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Let pending microtasks and I/O callbacks run (to show that nothing happens). */
export const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const alert = (title: string, over: Partial<Message> = {}): Message => ({
  kind: 'alert',
  title,
  body: `${title} body`,
  severity: 'critical',
  eventId: null,
  fingerprint: null,
  status: 'firing',
  labels: { alertname: title },
  ...over,
});

export const metricValue = async (ctx: CoreContext, name: string, labels: Record<string, string>): Promise<number | undefined> =>
  (await ctx.metrics.registry.getSingleMetric(name)?.get())?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  )?.value;

/**
 * A whole core (router, noise stages, outbox) on a temp dir and a FakeClock, for an alert group storm through the
 * router: `ingest` posts HighCPU on the given hosts, `drained` waits until every outbox row is sent.
 */
export async function groupStormCore(config: Config, secret: { name: string; value: string }, severity: Message['severity']) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-storm-core-'));
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
  const core = createCore({ config, dataDir: dir, clock, secrets: { get: () => secret.value, names: () => [secret.name] } });
  await core.start();
  const ev = (host: string, status: 'firing' | 'resolved'): IntakeEvent => ({
    source: 'alertmanager',
    fingerprint: `HighCPU/${host}`,
    severity,
    status,
    summary: `HighCPU on ${host}`,
    description: null,
    labels: { alertname: 'HighCPU', instance: host },
    startsAt: null,
    endsAt: null,
  });
  const ingest = async (hosts: string[], status: 'firing' | 'resolved'): Promise<void> => {
    core.areas.router.ingest(
      hosts.map((h) => ev(h, status)),
      'test',
    );
    await core.areas.router.drain();
  };
  const drained = () =>
    until(() => core.areas.db.prepare(`SELECT count(*) AS n FROM outbox WHERE state != 'sent'`).pluck().get() === 0, 'outbox drained');
  return {
    core,
    clock,
    ingest,
    drained,
    /**
     * The group storm: app01 fires (its first message goes at once), app02–app04 join it (one group update after the
     * group window), then all four resolve (the group's resolution after the window). `afterFirst` looks in between.
     */
    async storm(afterFirst?: () => void): Promise<void> {
      await ingest(['app01'], 'firing');
      await drained();
      afterFirst?.();
      await ingest(['app02', 'app03', 'app04'], 'firing');
      clock.advance(config.router.groupWindow);
      await drained();
      await ingest(['app01', 'app02', 'app03', 'app04'], 'resolved');
      clock.advance(config.router.groupWindow);
      await drained();
    },
    async close(): Promise<void> {
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
