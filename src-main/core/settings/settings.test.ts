import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { parseConfig, headlessSecrets, type SecretStore } from '../config';
import { FakeClock } from '../clock';
import { createLogger } from '../log';

const VALUE = 'tg-Bot-Token-3f9c1e77a2b84d05';
const CONFIG = `
channels:
  - { name: oncall, type: telegram, chatId: "42", botToken: { secret: tg-bot } }
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook", hmacSecret: { secret: hook-hmac } }
routes: [ { match: {}, channels: [oncall, hook] } ]
llm: { provider: openai, baseUrl: "http://127.0.0.1:9/v1", models: [m1, m2], apiKey: { secret: llm-key } }
metrics: { token: { secret: metrics-token } }
smoke: { enabled: false }
`;

let dirs: string[] = [];
let cores: Core[] = [];
afterEach(async () => {
  for (const c of cores) await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  cores = [];
  dirs = [];
});

function rig(env: NodeJS.ProcessEnv = {}, secrets?: (dir: string) => SecretStore) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-settings-'));
  dirs.push(dir);
  const core = createCore({
    config: parseConfig(CONFIG),
    dataDir: dir,
    clock: new FakeClock(),
    log: createLogger(null, 'silent'),
    secrets: secrets ? secrets(dir) : headlessSecrets(dir, env),
    configSource: '/etc/vigil/vigil.yaml',
  });
  cores.push(core);
  const responses: string[] = [];
  const call = async (method: string, input: unknown = {}) => {
    const r = await core.dispatch(method, input);
    responses.push(JSON.stringify(r));
    return r;
  };
  return { dir, file: join(dir, 'secrets.json'), core, call, responses };
}
const mode = (f: string) => statSync(f).mode & 0o777;

describe('settings and secrets', () => {
  it('R-UI: secrets.list names every secret the config references, where it is used and whether it is set, never a value', async () => {
    const r = rig({ VIGIL_SECRET_METRICS_TOKEN: 'scrape-0123456789' });
    const list = await r.call('secrets.list');
    expect(list).toEqual({
      ok: true,
      value: {
        secrets: [
          { name: 'hook-hmac', usedBy: ['channels[hook].hmacSecret'], set: false, source: null },
          { name: 'llm-key', usedBy: ['llm.apiKey'], set: false, source: null },
          { name: 'metrics-token', usedBy: ['metrics.token'], set: true, source: 'env' },
          { name: 'telegram-webhook', usedBy: ['telegram webhook route (headless, optional)'], set: false, source: null },
          { name: 'tg-bot', usedBy: ['channels[oncall].botToken'], set: false, source: null },
        ],
      },
    });
    expect(r.responses.join()).not.toContain('scrape-0123456789');
  });

  it('R-UI: secrets.set stores headless secrets in a 0600 secrets.json by a rename, audits the name only, and no response carries the value', async () => {
    const r = rig();
    const set = await r.call('secrets.set', { name: 'tg-bot', value: VALUE, by: 'alice' });
    expect(set).toEqual({ ok: true, value: { name: 'tg-bot', set: true } });
    expect(mode(r.file)).toBe(0o600);
    expect(JSON.parse(readFileSync(r.file, 'utf8'))).toEqual({ 'tg-bot': VALUE });
    expect(readdirSync(r.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(r.core.ctx.secrets.get('tg-bot')).toBe(VALUE);
    // A second secret keeps the first.
    await r.call('secrets.set', { name: 'llm-key', value: 'sk-other-value-9876' });
    expect(JSON.parse(readFileSync(r.file, 'utf8'))).toEqual({ 'tg-bot': VALUE, 'llm-key': 'sk-other-value-9876' });
    expect(mode(r.file)).toBe(0o600);

    const list = (await r.call('secrets.list')) as {
      ok: true;
      value: { secrets: Array<{ name: string; set: boolean; source: string | null }> };
    };
    expect(list.value.secrets.find((s) => s.name === 'tg-bot')).toMatchObject({ set: true, source: 'file' });
    await r.call('settings.get');
    const audit = (await r.call('audit.list', { action: 'secret.set' })) as {
      ok: true;
      value: { entries: Array<{ actor: string; subject: string }> };
    };
    expect(audit.value.entries.map((e) => [e.actor, e.subject])).toEqual([
      ['console', 'secret:llm-key'],
      ['alice', 'secret:tg-bot'],
    ]);
    // Every settings/secrets (and audit) response as JSON: the values appear nowhere.
    expect(r.responses.length).toBe(5);
    for (const json of r.responses) {
      expect(json).not.toContain(VALUE);
      expect(json).not.toContain('sk-other-value-9876');
    }
    expect(readFileSync(join(r.dir, 'vigil.db')).includes(VALUE)).toBe(false);
  });

  it('R-UI: an existing secrets.json readable by others (0644) is refused and left as it was', async () => {
    const r = rig();
    writeFileSync(r.file, JSON.stringify({ 'tg-bot': 'old' }));
    chmodSync(r.file, 0o644);
    const set = await r.call('secrets.set', { name: 'tg-bot', value: VALUE });
    expect(set).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect((set as { error: { message: string } }).error.message).toMatch(
      /was not stored: .*secrets\.json is readable by others \(mode 644\); run chmod 600/,
    );
    expect(readFileSync(r.file, 'utf8')).toBe(JSON.stringify({ 'tg-bot': 'old' }));
    expect(mode(r.file)).toBe(0o644);
    const audit = (await r.call('audit.list', {})) as { ok: true; value: { entries: Array<{ action: string }> } };
    // The attempt and its failure are audited (R-AUDIT-2); nothing says the secret was set.
    expect(audit.value.entries.map((e) => e.action).sort()).toEqual(['secrets.set', 'secrets.set.failed']);
    expect(await r.call('secrets.list')).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: expect.stringMatching(/chmod 600/) as string },
    });
    for (const json of r.responses) expect(json).not.toContain(VALUE);
  });

  it('R-UI: a secret given by the environment cannot be overwritten from the console', async () => {
    const r = rig({ VIGIL_SECRET_LLM_KEY: 'from-env-0001' });
    const set = await r.call('secrets.set', { name: 'llm-key', value: VALUE });
    expect(set).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: expect.stringContaining('VIGIL_SECRET_LLM_KEY') as string },
    });
    expect(existsSync(r.file)).toBe(false);
    expect(r.core.ctx.secrets.get('llm-key')).toBe('from-env-0001');
    for (const json of r.responses) expect(json).not.toContain('from-env-0001');
  });

  it('R-UI: a bad name or value is refused with a sentence that does not repeat the value', async () => {
    const r = rig();
    const badName = await r.call('secrets.set', { name: '../etc/passwd', value: VALUE });
    expect(badName).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('letters, digits') as string },
    });
    const padded = await r.call('secrets.set', { name: 'tg-bot', value: `${VALUE}\n` });
    expect(padded).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('whitespace') as string } });
    expect(await r.call('secrets.set', { name: 'tg-bot', value: '' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(existsSync(r.file)).toBe(false);
    for (const json of r.responses) expect(json).not.toContain(VALUE);
  });

  it('R-UI: settings.get shows channels, routes and providers with secret names only', async () => {
    const r = rig({ VIGIL_SECRET_HOOK_HMAC: 'hmac-value-55' });
    const s = await r.call('settings.get');
    expect(s).toMatchObject({
      ok: true,
      value: {
        dataDir: r.dir,
        configSource: '/etc/vigil/vigil.yaml',
        secretStore: 'file',
        channels: [
          { name: 'oncall', type: 'telegram', fields: { chatId: '42', botToken: 'secret tg-bot', apiBase: 'https://api.telegram.org' } },
          { name: 'hook', type: 'webhook', fields: { url: 'http://127.0.0.1:9/hook', hmacSecret: 'secret hook-hmac', timeout: '10000' } },
        ],
        routes: [{ channels: ['oncall', 'hook'], escalationSteps: 0 }],
        llm: { provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['m1', 'm2'], apiKeySecret: 'llm-key' },
        embeddings: { provider: 'none' },
      },
    });
    expect(r.responses[0]).not.toContain('hmac-value-55');
  });

  it('R-UI: the desktop keychain store is used through its own set(); without a writable store the console says where to put the secret', async () => {
    const kept = new Map<string, string>();
    const keychain: SecretStore = { get: (n) => kept.get(n), set: (n, v) => void kept.set(n, v), names: () => [...kept.keys()] };
    const desk = rig({}, () => keychain);
    expect(await desk.call('secrets.set', { name: 'tg-bot', value: VALUE })).toEqual({ ok: true, value: { name: 'tg-bot', set: true } });
    expect(kept.get('tg-bot')).toBe(VALUE);
    const list = (await desk.call('secrets.list')) as { ok: true; value: { secrets: Array<{ name: string; source: string | null }> } };
    expect(list.value.secrets.find((s) => s.name === 'tg-bot')?.source).toBe('keychain');
    expect(await desk.call('settings.get')).toMatchObject({ ok: true, value: { secretStore: 'keychain' } });
    for (const json of desk.responses) expect(json).not.toContain(VALUE);

    const readOnly = rig({}, () => ({ get: () => undefined, names: () => [] }));
    expect(await readOnly.call('secrets.set', { name: 'tg-bot', value: VALUE })).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: expect.stringContaining('VIGIL_SECRET_TG_BOT') as string },
    });
  });
});
