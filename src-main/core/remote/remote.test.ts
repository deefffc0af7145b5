import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import { hostileCorpus, legitCorpus } from './policy/corpus';
import { RemoteError } from './pool';
import { remoteTestbed, type RemoteTestbed } from './testbed';

let sshd: SshdFixture;
let tb: RemoteTestbed;

const host = (over: Record<string, unknown> = {}) => sshd.hostConfig('web1', over);

beforeAll(async () => {
  sshd = await startSshd({ recordExec: true });
  sshd.setContainer('web', { image: 'nginx:1.25' });
  tb = remoteTestbed({
    hosts: [
      host(),
      host({ name: 'fresh', hostKey: undefined }),
      host({ name: 'evil', hostKey: 'SHA256:' + 'A'.repeat(43) }),
      host({ name: 'down', port: 1 }),
    ],
  });
});
afterAll(async () => {
  await tb?.close();
  await sshd?.stop();
});

const pgrep = (pattern: string): string => {
  try {
    return execFileSync('pgrep', ['-u', 'vigiltest', '-f', pattern]).toString().trim();
  } catch {
    return ''; // exit 1: no process
  }
};

describe('remote execution against a real sshd', () => {
  it('R-HEAL-1: allowed diagnostics run on the host and return their output', async () => {
    const up = await tb.diag.run('web1', 'uptime', 'alice');
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toMatch(/load average/);
    expect(up.sent).toBe(`'uptime'`);
    const ps = await tb.diag.run('web1', 'docker ps', 'alice');
    expect(ps.stdout).toContain('web\tnginx:1.25');
    const active = await tb.diag.run('web1', 'systemctl is-active nginx', 'alice');
    expect(active.stdout.trim()).toBe('active');
    expect(sshd.toolCalls()).toEqual(expect.arrayContaining([expect.stringMatching(/^docker ps --format /), 'systemctl is-active nginx']));
    expect(tb.audit.list({ action: 'diag.run' }).length).toBeGreaterThanOrEqual(3);
  });

  it('R-HEAL-1: the whole legitimate corpus passes the policy and a sample of it runs', async () => {
    for (const { command } of legitCorpus().filter((c) => /^(docker-logs|journalctl-unit|systemctl-status|df|free|loadavg)$/.test(c.id))) {
      const r = await tb.diag.run('web1', command, 'alice');
      expect(r.exitCode, command).toBe(0);
    }
  });

  it('R-HEAL-1: no hostile string ever reaches the host (host-side exec log and marker file)', async () => {
    const marker = join(sshd.stateDir, 'pwned');
    const before = sshd.execLog().length;
    const toolsBefore = sshd.toolCalls().length;
    const corpus = hostileCorpus(marker);
    let refused = 0;
    for (const c of corpus) {
      await expect(tb.diag.run('web1', c, 'llm')).rejects.toMatchObject({ code: 'forbidden' });
      refused++;
    }
    expect(refused).toBe(corpus.length);
    expect(sshd.execLog().length).toBe(before); // sshd received no exec request at all
    expect(sshd.toolCalls().length).toBe(toolsBefore);
    expect(existsSync(marker)).toBe(false);
    expect(tb.audit.list({ action: 'diag.denied', limit: 1000 }).length).toBe(corpus.length);
    // And the channel still works: the next allowed command is logged by the host.
    await tb.diag.run('web1', 'uptime', 'alice');
    expect(sshd.execLog().at(-1)).toMatch(/timeout --signal=KILL \d+s 'uptime'$/);
  });

  it('R-HEAL-2: an unknown host key is refused with its fingerprint, raised as an event, and works once accepted', async () => {
    await expect(tb.pool.exec('fresh', `'uptime'`)).rejects.toMatchObject({ reason: 'host_key_unknown' });
    const ev = tb.events.find((e) => e.labels.alertname === 'SshHostKeyUnknown' && e.labels.host === 'fresh');
    expect(ev?.labels.fingerprint).toBe(sshd.hostKeyFingerprint);
    const view = tb.hosts.list().find((h) => h.name === 'fresh')!;
    expect(view).toMatchObject({ status: 'host_key_unknown', seenFingerprint: sshd.hostKeyFingerprint, pinnedFingerprint: null });
    expect(() => tb.hosts.acceptKey('fresh', 'SHA256:' + 'B'.repeat(43), 'alice')).toThrow(/last presented/);
    tb.hosts.acceptKey('fresh', sshd.hostKeyFingerprint, 'alice');
    const r = await tb.pool.exec('fresh', `'uptime'`);
    expect(r.exitCode).toBe(0);
    expect(tb.events.filter((e) => e.fingerprint === 'vigil:hostkey:fresh').map((e) => e.status)).toEqual(['firing', 'resolved']);
    expect(tb.audit.list({ action: 'host.key_accepted' })[0]?.actor).toBe('alice');
  });

  it('R-HEAL-2: a changed host key is refused and raises a critical event; nothing runs', async () => {
    const before = sshd.execLog().length;
    await expect(tb.diag.run('evil', 'uptime', 'alice')).rejects.toMatchObject({ reason: 'host_key_mismatch' });
    expect(sshd.execLog().length).toBe(before);
    const ev = tb.events.find((e) => e.labels.alertname === 'SshHostKeyMismatch');
    expect(ev).toMatchObject({ severity: 'critical', labels: { host: 'evil', fingerprint: sshd.hostKeyFingerprint } });
    expect(() => tb.hosts.acceptKey('evil', sshd.hostKeyFingerprint, 'alice')).toThrow(/vigil.yaml/);
  });

  it('R-HEAL-2: unreachable hosts and refused keys get codes a person can act on', async () => {
    await expect(tb.pool.exec('down', `'uptime'`)).rejects.toMatchObject({ reason: 'unreachable' });
    await expect(tb.pool.exec('nope', `'uptime'`)).rejects.toMatchObject({ reason: 'unknown_host' });
    const wrongKey = remoteTestbed({ hosts: [host({ keyFile: join(sshd.dir, 'host_key') })] });
    try {
      await expect(wrongKey.pool.exec('web1', `'uptime'`)).rejects.toMatchObject({ reason: 'auth_failed' });
    } finally {
      await wrongKey.close();
    }
  });

  it('R-HEAL-1: a timed-out command is killed on the host (gone from its process list)', async () => {
    const t0 = Date.now();
    await expect(tb.pool.exec('web1', `'sleep' '37'`, { timeoutMs: 1500 })).rejects.toBeInstanceOf(RemoteError);
    expect(Date.now() - t0).toBeLessThan(5000);
    // The fake `docker logs hang…` runs `sleep 300` as a child: the whole process group must die.
    await expect(tb.diag.run('web1', 'docker logs --tail 5 hang1', 'alice', { timeoutMs: 1500 })).rejects.toMatchObject({
      reason: 'timeout',
    });
    let left = 'x';
    for (let i = 0; i < 20 && left; i++) {
      await new Promise((r) => setTimeout(r, 150));
      left = pgrep('sleep (37|300)');
    }
    expect(left).toBe('');
  });

  it('R-HEAL-1: output is capped and flagged as truncated', async () => {
    const r = await tb.pool.exec('web1', `'docker' 'logs' '--tail' '5' 'big1'`, { maxBytes: 4096 });
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(4096);
  });

  it('R-HEAL-1: a channel refused with "open failed" (sshd MaxSessions) is retried, not lost, also on a machine at full load', async () => {
    const tight = await startSshd({ maxSessions: 2 });
    const tb2 = remoteTestbed({
      hosts: [tight.hostConfig('t')],
    });
    // Busy-loop every core while the commands run, as CI and other engineers do to this machine.
    const burners = cpus().map(() =>
      spawn(process.execPath, ['-e', 'const end = Date.now() + 60000; while (Date.now() < end);'], { stdio: 'ignore' }),
    );
    try {
      // Commands that hold their session for a second outlast any fixed retry timer.
      const slow = Array.from({ length: 4 }, () => tb2.pool.exec('t', `'sleep' '1'`));
      const quick = Array.from({ length: 30 }, () => tb2.pool.exec('t', `'uptime'`));
      const rs = await Promise.all([...slow, ...quick]);
      expect(rs.filter((r) => r.exitCode === 0)).toHaveLength(34);
    } finally {
      burners.forEach((b) => b.kill('SIGKILL'));
      await tb2.close();
      await tight.stop();
    }
  }, 60_000);

  it('R-HEAL-1: one connection serves many concurrent commands (channel cap and queue)', async () => {
    const rs = await Promise.all(Array.from({ length: 24 }, () => tb.pool.exec('web1', `'uptime'`)));
    expect(rs.every((r) => r.exitCode === 0)).toBe(true);
  });

  it('R-HEAL-8: a host whose key file is missing says which file, in diagnostics, Hosts and a heal refusal', async () => {
    const missing = join(sshd.dir, 'no-such-dir', 'id_ed25519');
    const lost = remoteTestbed({ hosts: [host({ name: 'lost', keyFile: missing })] });
    try {
      const named = new RegExp(`key file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} for lost does not exist`);
      // diag.run: a coded 4xx-style error naming the file, not a crash of the connection path.
      await expect(lost.diag.run('lost', 'uptime', 'alice')).rejects.toMatchObject({
        reason: 'key_file_missing',
        code: 'conflict',
        message: expect.stringMatching(named),
      });
      // Hosts: the status and its detail say the same.
      expect(lost.hosts.list().find((h) => h.name === 'lost')).toMatchObject({
        status: 'key_file_missing',
        detail: expect.stringMatching(named),
      });
      // An approved heal is refused with the same reason (its live re-check cannot connect).
      const a = lost.heal.propose({
        action: 'restart_container',
        host: 'lost',
        target: 'web',
        reason: 'down',
        proposedBy: 'router',
        source: 'router',
      });
      const r = await lost.heal.decide(a.id, 'approve', 'alice', 'ok');
      expect(r).toMatchObject({ status: 'denied', outcome: expect.stringMatching(named) });
      for (const text of [r.outcome, lost.hosts.list()[0]!.detail]) expect(text).not.toMatch(/before initialization/);
    } finally {
      await lost.close();
    }
  });

  it('R-HEAL-9: credentials in the output of an allowed read (a log line, a key block) come back redacted', async () => {
    const logs = mkdtempSync(join(tmpdir(), 'vigil-leaklog-'));
    chmodSync(logs, 0o755); // the sshd user reads it
    const file = join(logs, 'app.log');
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    writeFileSync(file, `starting with DB_PASSWORD=hunter2 and url postgres://app:s3cr3t@db:5432/app\n${pem}\nready on :8080\n`, {
      mode: 0o644,
    });
    const leakTb = remoteTestbed({ hosts: [host()], config: { remote: { allowedRoots: [logs] } } });
    try {
      const r = await leakTb.diag.run('web1', `tail -n 20 ${file}`, 'alice');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('ready on :8080');
      expect(r.stdout).toContain('DB_PASSWORD=[redacted]');
      expect(r.stdout).toContain('postgres://app:[redacted]@db:5432/app');
      expect(r.stdout).not.toMatch(/hunter2|s3cr3t|b3BlbnNzaC1rZXktdjEAAAAA/);
    } finally {
      await leakTb.close();
      rmSync(logs, { recursive: true, force: true });
    }
  });
});
