import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir, runCli, startVigil } from './fixtures/serve';

const run = runCli;

const HOOKS = [
  'channels:',
  '  - { name: ops-hook, type: webhook, url: "http://127.0.0.1:9/hook", hmacSecret: { secret: hook-hmac } }',
  '  - { name: pd, type: pagerduty, routingKey: { secret: pd-key } }',
  'routes: [ { channels: [ops-hook, pd] } ]',
  'smoke: { enabled: false }',
].join('\n');

describe('config from the data dir, checked before it runs (built CLI)', () => {
  it('R-SETUP-1: vigil serve without --config reads <data-dir>/vigil.yaml', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-dd-'));
    writeFileSync(join(dataDir, 'vigil.yaml'), HOOKS);
    const v = await startVigil({ dataDir });
    const view = await v.rpc<{ configSource: string; channels: Array<{ name: string }> }>('settings.get');
    expect(view.configSource).toBe(join(dataDir, 'vigil.yaml'));
    expect(view.channels.map((c) => c.name)).toEqual(['ops-hook', 'pd']);
    await v.stop();
    removeDir(dataDir);
  });

  it('R-SETUP-2: vigil config check warns of every unset referenced secret (exit 0) and exits 1 on an invalid file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-dd-'));
    writeFileSync(join(dataDir, 'vigil.yaml'), HOOKS);
    const res = await run(['config', 'check', '--data-dir', dataDir], { VIGIL_SECRET_PD_KEY: 'set-in-env' });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`OK ${join(dataDir, 'vigil.yaml')}: 2 channel(s)`);
    expect(res.stdout).toMatch(
      /WARN secret "hook-hmac" is not set \(used by channels\[ops-hook\]\.hmacSecret\): set it in Settings or VIGIL_SECRET_HOOK_HMAC/,
    );
    expect(res.stdout).not.toContain('"pd-key"');

    writeFileSync(
      join(dataDir, 'vigil.yaml'),
      `${HOOKS}\nroutes: [ { channels: [nowhere] } ]\n`.replace(/^routes: \[ \{ channels: \[ops-hook, pd\] \} \]\n/m, ''),
    );
    const bad = await run(['config', 'check', '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/routes\.0\.channels\.0: unknown channel "nowhere"/);
    removeDir(dataDir);
  });
});
