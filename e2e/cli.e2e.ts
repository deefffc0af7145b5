import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir, runCli, startVigil } from './fixtures/serve';

const run = runCli;

describe('vigil CLI (built)', () => {
  it('vigil serve prints the ready line, keeps the token 0600, serves /health and stops cleanly on SIGTERM', async () => {
    const v = await startVigil();
    expect(v.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{32,}$/);
    expect(statSync(join(v.dataDir, 'token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(v.dataDir, 'vigil.db')).isFile()).toBe(true);
    expect(await (await fetch(`${v.base}/health`)).json()).toMatchObject({ status: 'ok' });
    expect(await v.stop('SIGTERM')).toBe(0);
    // The same token is reused on the next start.
    const again = await startVigil({ dataDir: v.dataDir });
    expect(again.token).toBe(v.token);
    expect(await again.stop('SIGINT')).toBe(0);
    removeDir(v.dataDir);
  });

  it('VIGIL_TOKEN in the environment overrides the stored token', async () => {
    const v = await startVigil({ env: { VIGIL_TOKEN: 'from-the-environment-0123456789abcdef' } });
    expect(v.token).toBe('from-the-environment-0123456789abcdef');
    await v.stop();
    removeDir(v.dataDir);
  });

  it('vigil config check validates and names the key path of every error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'channels: [ { name: hook, type: webhook, url: "http://127.0.0.1:9/x" } ]\nroutes: [ { channels: [hook] } ]\n');
    const ok = await run(['config', 'check', '--config', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK .*1 channel\(s\), 1 route\(s\)/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'router: { cooldown: later }\nhosts: [ { name: h, address: a } ]\n');
    const res = await run(['config', 'check', '--config', bad]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/router\.cooldown: expected a duration/);
    expect(res.stderr).toMatch(/hosts\.0\.user: /);
    expect((await run(['config', 'check'])).stdout).toMatch(/^OK \(embedded default\)/);
    removeDir(dir);
  });

  it('vigil serve refuses an invalid config and does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'nonsense: true\n');
    const res = await run(['serve', '--port', '0', '--data-dir', dir, '--config', join(dir, 'bad.yaml')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/nonsense/);
    removeDir(dir);
  });
});
