import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AckInfo } from '../src-shared/api/acks';
import { removeDir, startVigil, type Served } from './fixtures/serve';
import { startWebhookReceiver, type WebhookReceiver } from './fixtures/webhook-receiver';

/**
 * R-NOTIFY-5: escalation timers are durable. The real `vigil serve` arms a
 * 5 s escalation for a critical alert, is killed with SIGKILL before it is
 * due, and is started again after it fell due: the step fires exactly once,
 * marked late, at a real webhook receiver.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-escalation-'));
const config = join(dataDir, 'vigil.yaml');
const running: Served[] = [];
let pager: WebhookReceiver;

beforeAll(async () => {
  pager = await startWebhookReceiver();
  writeFileSync(
    config,
    `channels:
  - { name: desktop, type: desktop }
  - { name: pager, type: webhook, url: "${pager.url}" }
routes:
  - match: { severity: critical }
    channels: [desktop]
    escalate: [{ after: 5s, channels: [pager] }]
  - channels: [desktop]
`,
  );
});
afterAll(async () => {
  for (const s of running) await s.stop('SIGKILL');
  await pager?.close();
  removeDir(dataDir);
});

async function until<T>(what: string, fn: () => Promise<T | false | undefined> | T | false | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('durable escalation (R-NOTIFY-5)', () => {
  it('R-NOTIFY-5: kill -9 between arming and firing still fires the step exactly once after the restart, marked late', async () => {
    const first = await startVigil({ dataDir, config });
    running.push(first);
    const res = await first.api('/api/v1/events', {
      method: 'POST',
      body: JSON.stringify({
        source: 'e2e',
        fingerprint: 'e2e-disk-db1',
        severity: 'critical',
        summary: 'Disk almost full on db1',
        labels: { alertname: 'DiskFull', instance: 'db1' },
      }),
    });
    expect(res.status).toBe(202);
    const ingestedAt = Date.now();
    const armed = await until('the chain to be armed', async () => {
      const i = await first.rpc<AckInfo>('alerts.ackInfo', { fingerprint: 'e2e-disk-db1' }).catch(() => null);
      return i?.escalations[0]?.state === 'armed' && i;
    });
    expect(armed.escalations).toHaveLength(1);
    expect(Date.now() - ingestedAt).toBeLessThan(4_000); // still before it is due

    first.proc.kill('SIGKILL');
    await new Promise<void>((r) =>
      first.proc.exitCode !== null || first.proc.signalCode !== null ? r() : first.proc.once('exit', () => r()),
    );
    expect(first.proc.signalCode).toBe('SIGKILL');
    const peek = new BetterSqlite3(join(dataDir, 'vigil.db'), { readonly: true });
    expect(peek.prepare(`SELECT state FROM escalations WHERE fingerprint = 'e2e-disk-db1'`).all()).toEqual([{ state: 'armed' }]);
    peek.close();

    // Stay down until well after the step fell due: nothing may have been sent.
    await sleep(Math.max(0, ingestedAt + 6_500 - Date.now()));
    expect(pager.requests).toHaveLength(0);

    const second = await startVigil({ dataDir, config });
    running.push(second);
    await until('the late escalation at the receiver', () => pager.delivered.length >= 1);
    const msg = pager.delivered[0]!.body.message;
    expect(msg.kind).toBe('escalation');
    expect(msg.title).toBe('ESCALATED (step 1): CRITICAL: Disk almost full on db1');
    expect(msg.body).toMatch(/not acknowledged for 5 s on the console/);
    expect(msg.body).toMatch(/Fired late: Vigil was not running when this step fell due/);
    const fired = await second.rpc<AckInfo>('alerts.ackInfo', { fingerprint: 'e2e-disk-db1' });
    expect(fired).toMatchObject({ escalated: true, escalations: [{ state: 'fired', late: true, lateReason: 'Vigil was not running' }] });

    const metrics = await (await fetch(`${second.base}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_escalations_total\{step="1"\} 1$/m);

    // Exactly once: no second delivery, also not after another (graceful) restart.
    await sleep(1_500);
    await second.stop('SIGTERM');
    const third = await startVigil({ dataDir, config });
    running.push(third);
    await sleep(1_500);
    await third.stop('SIGTERM');
    expect(pager.requests.map((d) => d.key)).toEqual([pager.delivered[0]!.key]);
  }, 60_000);
});
