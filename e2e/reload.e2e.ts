import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runCli, startVigil, type Served } from './fixtures/serve';
import { startWebhookReceiver, type WebhookReceiver } from './fixtures/webhook-receiver';
import { drained, postEvents, writeConfig } from './pages/setup';

let vigil: Served;
let hookA: WebhookReceiver;
let hookB: WebhookReceiver;
let file: string;

const configWith = (channels: string[], route: string[]) =>
  [
    `channels:`,
    ...channels.map((c) => `  - ${c}`),
    `routes: [ { match: {}, channels: [${route.join(', ')}] } ]`,
    'smoke: { enabled: false }',
    '',
  ].join('\n');
const A = () => `{ name: hook-a, type: webhook, url: "${hookA.url}" }`;
const B = () => `{ name: hook-b, type: webhook, url: "${hookB.url}" }`;

interface ReloadRecord {
  at: number;
  via: string;
  ok: boolean;
  issues: string[];
}
const lastReload = async () => (await vigil.rpc<{ lastReload: ReloadRecord | null }>('config.state')).lastReload;
const titles = (h: WebhookReceiver) => h.shown.map((d) => d.body.message.title).join(' | ');
const fire = async (summary: string) =>
  drained(
    vigil,
    await postEvents(vigil, [{ source: 'app', severity: 'critical', summary, labels: { alertname: summary.replace(/\W/g, '') } }]),
  );

beforeAll(async () => {
  hookA = await startWebhookReceiver();
  hookB = await startWebhookReceiver();
  file = writeConfig(configWith([A()], ['hook-a']));
  vigil = await startVigil({ config: file });
});
afterAll(async () => {
  await vigil?.stop();
  await hookA?.close();
  await hookB?.close();
  if (vigil) removeDir(vigil.dataDir);
  if (file) removeDir(dirname(file));
});

describe('live reload against a running vigil serve (R-CHANGE-3)', () => {
  it('R-CHANGE-3: SIGHUP puts a valid file in force (new channel and route) without a restart', async () => {
    await fire('before reload');
    await expect.poll(() => titles(hookA), { timeout: 15_000 }).toContain('before reload');

    writeFileSync(file, configWith([A(), B()], ['hook-b']));
    const pid = vigil.proc.pid!;
    process.kill(pid, 'SIGHUP');
    await expect.poll(async () => (await lastReload())?.via, { timeout: 15_000 }).toBe('sighup');
    expect((await lastReload())?.ok).toBe(true);
    expect(vigil.proc.pid).toBe(pid);
    expect(vigil.proc.exitCode).toBeNull();

    await fire('after sighup');
    await expect.poll(() => titles(hookB), { timeout: 15_000 }).toContain('after sighup');
    expect(titles(hookA)).not.toContain('after sighup');
  });

  it('R-CHANGE-3: an invalid file is refused — POST /-/reload answers 400 naming the field, SIGHUP leaves a vigil event, the old config keeps routing', async () => {
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('channels: [hook-b]', 'channels: [nowhere]'));

    const res = await vigil.api('/-/reload', { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/routes\.0\.channels\.0: unknown channel "nowhere"/);
    expect(body.error.message).toContain('the running configuration stays in force');
    expect(await lastReload()).toMatchObject({ ok: false, via: 'http' });

    const pid = vigil.proc.pid!;
    process.kill(pid, 'SIGHUP');
    await expect.poll(async () => (await lastReload())?.via, { timeout: 15_000 }).toBe('sighup');
    expect(await lastReload()).toMatchObject({ ok: false, issues: [expect.stringMatching(/routes\.0\.channels\.0/)] });
    expect(vigil.proc.pid).toBe(pid);
    expect((await fetch(`${vigil.base}/health`)).status).toBe(200);

    // The refusal is an event with source vigil that names the field.
    const events = await vigil.rpc<{ items: Array<{ source: string; summary: string }> }>('events.list', { source: 'vigil' });
    expect(events.items.map((e) => e.summary).join('\n')).toMatch(
      /configuration reload failed: .*routes\.0\.channels\.0: unknown channel "nowhere"/,
    );

    // Still routing with the config in force before the bad file.
    await fire('after bad file');
    await expect.poll(() => titles(hookB), { timeout: 15_000 }).toContain('after bad file');

    // A bad file never left the wrong wording in the refusal: the file is unchanged on disk (nothing rewritten).
    expect(readFileSync(file, 'utf8')).toContain('nowhere');
    writeFileSync(file, good);
  });

  it('R-CHANGE-3: a removed channel with queued messages is shown as unconfigured with its backlog, not dropped', async () => {
    await hookB.goDown();
    await fire('queued for b');
    await expect
      .poll(
        async () =>
          (await vigil.rpc<{ channels: Array<{ name: string; backlog: number }> }>('outbox.channels')).channels.find(
            (c) => c.name === 'hook-b',
          )?.backlog,
        { timeout: 15_000 },
      )
      .toBe(1);

    writeFileSync(file, configWith([A()], ['hook-a']));
    const out = await runCli(['config', 'reload', '--data-dir', vigil.dataDir]);
    expect(out.stdout).toMatch(/^RELOADED vigil serve pid \d+/);
    expect(out.code).toBe(0);
    const channels = (await vigil.rpc<{ channels: Array<{ name: string; state: string; backlog: number }> }>('outbox.channels')).channels;
    expect(channels.find((c) => c.name === 'hook-b')).toMatchObject({ state: 'unconfigured', backlog: 1 });

    // Added back: its queued message is delivered.
    await hookB.comeBack();
    writeFileSync(file, configWith([A(), B()], ['hook-a']));
    expect((await runCli(['config', 'reload', '--data-dir', vigil.dataDir])).code).toBe(0);
    await expect.poll(() => titles(hookB), { timeout: 20_000 }).toContain('queued for b');
  });

  it('R-CHANGE-3: a change to the file on disk is picked up by the file watch', async () => {
    writeFileSync(file, configWith([A(), B()], ['hook-b']));
    await expect.poll(async () => (await lastReload())?.via, { timeout: 15_000 }).toBe('watch');
    await fire('after watch');
    await expect.poll(() => titles(hookB), { timeout: 15_000 }).toContain('after watch');
  });

  it('R-CHANGE-3: vigil config reload without a running server says so', async () => {
    const res = await runCli(['config', 'reload', '--data-dir', join(vigil.dataDir, 'nothing-here')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/no running vigil serve/);
  });
});
