import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import { createCore, type Core, type CoreOptions } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import type { IntakeEvent } from '../router';

// Test support for the decider worker's tests (decider*.test.ts in this folder).

/**
 * The decider worker (docs/architecture.md "Threads"): a real SQLite file, a real webhook receiver, the real
 * worker thread (the TypeScript source through the tsx bootstrap). What the main thread and the receiver see.
 */
export interface DeciderBed {
  /** A config whose routes send to the file's one webhook receiver. */
  yaml(extra?: string[], routes?: string): string;
  /** A core started with the decider on its thread, on a fresh data dir (or `onDir`); stopped after the file. */
  serve(text: string, onDir?: string, more?: Pick<CoreOptions, 'deciderRestart'>): Promise<{ core: Core; dir: string; file: string }>;
  /** What the receiver got for these events (by alert name; every core of the file sends to the same receiver). */
  receivedFor(...names: string[]): Array<{ title: string; kind: string }>;
}

/** One webhook receiver per test file (started once) and the cores and data dirs its tests make, cleaned up after it. */
export function useDeciderBed(): DeciderBed {
  const dirs: string[] = [];
  const cores: Core[] = [];
  let hook: WebhookReceiver | null = null;
  beforeAll(async () => {
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    for (const c of cores) if (c.areas.db.open) await c.stop();
    await hook?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const yaml = (extra: string[] = [], routes = '[{ channels: [hook] }]') =>
    [`channels: [ { name: hook, type: webhook, url: "${hook!.url}", digest: 0 } ]`, `routes: ${routes}`, ...extra].join('\n');
  async function serve(text: string, onDir?: string, more: Pick<CoreOptions, 'deciderRestart'> = {}) {
    const dir = onDir ?? mkdtempSync(join(tmpdir(), 'vigil-decider-'));
    if (!onDir) dirs.push(dir);
    const file = join(dir, 'vigil.yaml');
    writeFileSync(file, text);
    const core = createCore({
      config: parseConfig(text),
      dataDir: dir,
      configFile: file,
      watchConfig: false,
      log: createLogger(null),
      secrets: { get: () => undefined, names: () => [] },
      decider: 'worker',
      ...more,
    });
    cores.push(core);
    await core.start();
    return { core, dir, file };
  }
  const receivedFor = (...names: string[]) =>
    hook!.requests.map((r) => r.body.message).filter((m) => names.some((n) => m.title.includes(` ${n}`)));
  return { yaml, serve, receivedFor };
}

export const event = (name: string, labels: Record<string, string> = {}): IntakeEvent => ({
  source: 'api',
  fingerprint: `fp-${name}-${JSON.stringify(labels)}`,
  severity: 'critical',
  status: 'firing',
  summary: `${name} is down`,
  description: null,
  labels: { alertname: name, ...labels },
  startsAt: null,
  endsAt: null,
});

export const count = (db: BetterSqlite3.Database, sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;
export const outcome = async (core: Core, id: string) =>
  ((await core.call('events.get', { id })) as { value: { outcome: string } }).value.outcome;
export const inboxTile = async (core: Core) => {
  const s = await core.call('status.get', {});
  if (!s.ok) throw new Error(s.error.message);
  return s.value.tiles.find((t) => t.id === 'router-inbox')!;
};
export const gauge = async (core: Core, name: string) => {
  const text = await core.ctx.metrics.registry.getSingleMetricAsString(name);
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
};

/**
 * A real fault on the decider's path only: a trigger (made on another connection of the same file) that fails every
 * insert of a decided event with last session's error; the main thread's intake appends are untouched.
 */
export const FAULT = 'database disk image is malformed';
export function breakDeciding(dir: string): () => void {
  const db = new BetterSqlite3(join(dir, 'vigil.db'));
  db.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, '${FAULT}'); END`);
  return () => {
    db.exec(`DROP TRIGGER test_fault`);
    db.close();
  };
}
