import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, removeDir, startVigil, type Served } from './fixtures/serve';
import { startSshd, type SshdFixture } from './fixtures/sshd';

const run = async (args: string[]) => {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
};

let sshd: SshdFixture;
let vigil: Served;
const dir = mkdtempSync(join(tmpdir(), 'vigil-remote-e2e-'));

beforeAll(async () => {
  sshd = await startSshd({ recordExec: true });
  sshd.setContainer('web', { image: 'nginx:1.25' });
  sshd.setContainer('cache', { image: 'redis:7' });
  const cfg = join(dir, 'vigil.yaml');
  writeFileSync(
    cfg,
    `hosts:\n  - { name: app1, address: 127.0.0.1, port: ${sshd.port}, user: vigiltest, keyFile: ${sshd.clientKeyPath}, hostKey: "${sshd.hostKeyFingerprint}" }\n`,
  );
  vigil = await startVigil({ config: cfg, dataDir: join(dir, 'data') });
});
afterAll(async () => {
  await vigil?.stop();
  await sshd?.stop();
  removeDir(dir);
});

describe('remote execution and AutoHeal through the built headless shell', () => {
  it('R-HEAL-1: vigil policy check prints ALLOW <template-id> / DENY <reason> with exit 0 / 3', async () => {
    expect(await run(['policy', 'check', '--', 'df -P'])).toMatchObject({ code: 0, stdout: 'ALLOW df\n' });
    const deny = await run(['policy', 'check', '--', 'uptime; touch /tmp/x']);
    expect(deny.code).toBe(3);
    expect(deny.stdout).toMatch(/^DENY /);
  });

  it('R-HEAL-1/R-HEAL-4/R-HEAL-5: diagnostics and an approved heal over HTTP, refusals never reach the host, and the audit chain verifies', async () => {
    expect(await vigil.rpc('diag.run', { host: 'app1', command: 'systemctl is-active nginx' })).toMatchObject({
      exitCode: 0,
      stdout: 'active\n',
    });
    const refused = await vigil.api('/api/rpc/diag.run', {
      method: 'POST',
      body: JSON.stringify({ host: 'app1', command: 'docker logs --tail 5 web; touch /tmp/pwned' }),
    });
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect(sshd.execLog().some((l) => l.includes('pwned'))).toBe(false);

    const a = await vigil.rpc<{ id: string }>('heal.propose', { action: 'restart_container', host: 'app1', target: 'web', reason: 'e2e' });
    expect(await vigil.rpc('approvals.decide', { id: a.id, decision: 'approve', by: 'alice', reason: 'ok' })).toMatchObject({
      status: 'executed',
    });
    expect(sshd.toolCalls()).toContain('docker restart web');
    const again = await vigil.api('/api/rpc/approvals.decide', { method: 'POST', body: JSON.stringify({ id: a.id, decision: 'approve' }) });
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('conflict');
    const db = await vigil.api('/api/rpc/heal.propose', {
      method: 'POST',
      body: JSON.stringify({ action: 'restart_container', host: 'app1', target: 'cache', reason: 'x' }),
    });
    expect(((await db.json()) as { ok: boolean }).ok).toBe(true); // name looks harmless; the live check decides
    const metrics = await (await fetch(`${vigil.base}/metrics`)).text();
    expect(metrics).toMatch(/vigil_autoheal_actions_total\{action="restart_container",result="executed"\} 1/);
    expect(metrics).toMatch(/vigil_hitl_pending 1/);

    await vigil.stop();
    expect(await run(['audit', 'verify', '--data-dir', vigil.dataDir])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^OK audit chain intact: \d+ row\(s\)/),
    });
  });
});
