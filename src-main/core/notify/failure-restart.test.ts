import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { startWebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const yaml = (url: string) =>
  `channels: [{ name: hook, type: webhook, url: "${url}", digest: 0 }]\nroutes: [{ channels: [hook] }]\noutbox: { maxBackoff: 1s }\nsmoke: { enabled: false }`;

async function started(dir: string, url: string): Promise<Core> {
  const core = createCore({ config: parseConfig(yaml(url)), dataDir: dir, log: createLogger(null) });
  cores.push(core);
  await core.start();
  return core;
}

/** The channel's own failure alert as the alert state holds it. */
const failureState = (core: Core): string | undefined =>
  (core.areas.db.prepare(`SELECT status FROM alert_state WHERE fingerprint = 'vigil:channel hook'`).get() as { status: string } | undefined)
    ?.status;

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a channel failure alert across a restart', () => {
  it('R-ROUTE-1: a channel that failed before a restart and delivers after it resolves its VigilComponentFailed alert (it stayed firing for good)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-failure-restart-'));
    dirs.push(dir);
    const hook = await startWebhookReceiver();
    try {
      const first = await started(dir, 'http://127.0.0.1:9/down'); // nothing listens there
      first.areas.router.ingest(
        [
          {
            source: 'api',
            fingerprint: 'disk-db1',
            status: 'firing',
            severity: 'warning',
            summary: 'disk full on db1',
            description: null,
            labels: { alertname: 'DiskFull' },
            startsAt: null,
            endsAt: null,
          },
        ],
        'test',
      );
      await until('the failure alert fires', () => failureState(first) === 'firing');
      await first.stop();
      cores.splice(cores.indexOf(first), 1);

      const second = await started(dir, hook.url); // the receiver is reachable now
      await until('the backlog is delivered', () => hook.delivered.some((d) => d.body.message.title === 'WARNING: disk full on db1'));
      await until('the failure alert resolves', () => failureState(second) !== 'firing');
      expect(failureState(second)).toBe('resolved');
      const said = second.areas.db.prepare(`SELECT summary FROM events WHERE fingerprint = 'vigil:channel hook' ORDER BY seq`).all();
      expect(said.map((r) => (r as { summary: string }).summary)).toEqual([
        expect.stringMatching(/^Vigil: channel hook failed: 3 attempts failed since /),
        'Vigil: channel hook works again',
      ]);
    } finally {
      await hook.close();
    }
  }, 30_000);
});
