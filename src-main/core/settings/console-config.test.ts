import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { headlessSecrets, parseConfig } from '../config';
import { createLogger } from '../log';

/** Configuring Vigil from the console (issue 15 item 2) on a real core, data dir and HTTP receiver. */
let core: Core | null = null;
let dir = '';
let hook: WebhookReceiver | null = null;
afterEach(async () => {
  await core?.stop();
  await hook?.close();
  core = null;
  hook = null;
  rmSync(dir, { recursive: true, force: true });
});

async function rig(yaml: string) {
  dir = mkdtempSync(join(tmpdir(), 'vigil-console-config-'));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, yaml);
  // A fake clock that never moves: a held message's backoff never runs out by itself.
  core = createCore({
    config: parseConfig(yaml),
    dataDir: dir,
    clock: new FakeClock(),
    log: createLogger(null, 'silent'),
    secrets: headlessSecrets(dir, {}),
    configFile: file,
    watchConfig: false,
  });
  await core.start();
  const c = core;
  const call = async <T>(method: string, input: unknown = {}): Promise<T> => {
    const r = await c.dispatch(method, input);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.value as T;
  };
  return { file, call, core: c };
}

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await ok()) return;
  throw new Error(`timed out waiting for ${what}`);
}

describe('configure in the console', () => {
  it('R-SETUP-4: a secret saved in Settings wakes its held channel at once (the backoff is not waited out)', async () => {
    hook = await startWebhookReceiver({ secret: 'signing-key-0123' });
    const r = await rig(
      `channels:\n  - { name: hook, type: webhook, url: "${hook.url}", hmacSecret: { secret: hook-hmac } }\nroutes: [{ channels: [hook] }]\nsmoke: { enabled: false }\n`,
    );
    const test = await r.call<{ delivered: boolean; error: string; id: number }>('channels.test', { channel: 'hook', by: 'ann' });
    expect(test.delivered).toBe(false);
    expect(test.error).toMatch(/secret "hook-hmac" is not set/);
    expect(hook.requests).toHaveLength(0); // never sent unsigned
    await r.call('secrets.set', { name: 'hook-hmac', value: 'signing-key-0123', by: 'ann' });
    await until('the held test message to be delivered', () => hook!.delivered.length === 1);
    expect(hook.delivered[0]!.verified).toBe(true);
    expect(hook.delivered[0]!.body.message.title).toBe('Vigil test notification for hook');
  });

  it('R-SETUP-5: a channel added through config.preview/save is written atomically (previous kept), reloaded and receives its test message; an invalid edit is refused naming the field and writes nothing', async () => {
    hook = await startWebhookReceiver();
    const r = await rig('# my notes stay\nchannels:\n  - { name: desktop, type: desktop }\nsmoke: { enabled: false }\n');
    const state = await r.call<{ text: string; document: Record<string, unknown> }>('config.state');
    const channels = [...(state.document.channels as object[]), { name: 'ops-hook', type: 'webhook', url: hook.url }];

    const bad = await r.call<{ valid: boolean; issues: Array<{ path: string }> }>('config.preview', {
      document: { ...state.document, channels: [...channels, { name: 'x', type: 'webhook', url: 'not a url' }] },
    });
    expect(bad.valid).toBe(false);
    expect(bad.issues.map((i) => i.path)).toContain('channels.2.url');
    const refused = await r.core.dispatch('config.save', {
      document: { ...state.document, channels: [...channels, { name: 'x', type: 'webhook', url: 'not a url' }] },
      baseText: state.text,
      by: 'ann',
    });
    expect(refused.ok).toBe(false);
    expect(readFileSync(r.file, 'utf8')).toBe(state.text);

    const preview = await r.call<{ valid: boolean; diff: string }>('config.preview', { document: { ...state.document, channels } });
    expect(preview.valid).toBe(true);
    expect(preview.diff).toMatch(/^\+.*ops-hook/m);
    const saved = await r.call<{ reload: { ok: boolean } }>('config.save', {
      document: { ...state.document, channels },
      baseText: state.text,
      by: 'ann',
    });
    expect(saved.reload.ok).toBe(true);
    expect(readFileSync(`${r.file}.prev`, 'utf8')).toBe(state.text);
    expect(readFileSync(r.file, 'utf8')).toMatch(/^# my notes stay/);
    expect(readFileSync(r.file, 'utf8')).toContain('\nsmoke: { enabled: false }\n'); // untouched sections keep their text
    expect(existsSync(r.file)).toBe(true);

    const test = await r.call<{ delivered: boolean; error: string | null }>('channels.test', { channel: 'ops-hook', by: 'ann' });
    expect(test).toMatchObject({ delivered: true, error: null });
    expect(hook.shown.map((d) => d.body.message.title)).toEqual(['Vigil test notification for ops-hook']);
  });
});
