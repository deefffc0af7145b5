import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openBrowser } from '../fixtures/browser';
import { removeDir, startVigil, type Served } from '../fixtures/serve';
import { startWebhookReceiver, type WebhookReceiver } from '../fixtures/webhook-receiver';

/** Write a vigil.yaml into a fresh temp dir and return its path. */
export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ui-cfg-'));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, yaml);
  return file;
}

export interface TestEvent {
  source: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  description?: string;
}

/** Feed events through the real intake (POST /api/v1/events, bearer token); returns their ids. */
export async function postEvents(v: Served, events: TestEvent[]): Promise<string[]> {
  const res = await v.api('/api/v1/events', { method: 'POST', body: JSON.stringify(events) });
  if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { ids: string[] }).ids;
}

/** Wait until the router has processed everything it acknowledged. */
export async function drained(v: Served, ids: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (const id of ids) {
    for (;;) {
      const e = await v.rpc<{ processed: boolean }>('events.get', { id });
      if (e.processed) break;
      if (Date.now() > deadline) throw new Error(`event ${id} was not processed in 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The usual config: one webhook channel to the receiver (a machine that wants every message: no digests), one catch-all route. */
export const hookConfig = (hookUrl: string, extra: string[] = []): string =>
  [
    `channels: [ { name: ops-hook, type: webhook, url: "${hookUrl}", digest: 0 } ]`,
    'routes: [ { match: {}, channels: [ops-hook] } ]',
    ...extra,
  ].join('\n');

export interface ServeRig {
  vigil: Served;
  hook: WebhookReceiver;
}
export interface Rig extends ServeRig {
  browser: Awaited<ReturnType<typeof openBrowser>>;
}
export interface RigOptions {
  /** The receiver then checks X-Vigil-Signature with this HMAC secret. */
  hookSecret?: string;
  /** Environment of `vigil serve` (VIGIL_SECRET_…). */
  env?: Record<string, string>;
}
/** The config from the receiver's URL; null: no vigil.yaml at all (a first run: the embedded default). */
export type RigConfig = ((hookUrl: string) => string) | null;

/**
 * A real webhook receiver and `vigil serve` (built) with the given config, started before the file's tests and
 * stopped after them. For tests that open Chromium themselves (when a console connects is what they test).
 */
export function serveRig(config: RigConfig = (u) => hookConfig(u), opts: RigOptions = {}): ServeRig {
  const rig = {} as ServeRig;
  beforeAll(async () => {
    rig.hook = await startWebhookReceiver({ secret: opts.hookSecret });
    rig.vigil = await startVigil({ config: config ? writeConfig(config(rig.hook.url)) : undefined, env: opts.env });
  });
  afterAll(async () => {
    await rig.vigil?.stop();
    await rig.hook?.close();
    if (rig.vigil) removeDir(rig.vigil.dataDir);
  });
  return rig;
}

/** serveRig and Chromium (closed first: after-all hooks run in reverse). */
export function consoleRig(config: RigConfig = (u) => hookConfig(u), opts: RigOptions = {}): Rig {
  const rig = serveRig(config, opts) as Rig;
  beforeAll(async () => {
    rig.browser = await openBrowser();
  });
  afterAll(async () => {
    await rig.browser?.close();
  });
  return rig;
}
