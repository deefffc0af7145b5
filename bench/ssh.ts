// `npm run bench -- ssh`: 200 × `uptime` spread over 4 real local sshd hosts.
// Vigil's full diagnostic path (policy check + audit row + pooled ssh2 exec) against
// `ansible -m command` (Debian's ansible), a plain `ssh host cmd` loop, and — the fair peer — the same
// 200 commands at Vigil's concurrency over ssh multiplexed by ControlMaster (xargs -P 16), in the same run.
// The slow peers run a subset (BENCH_SSH_PEER_N, default 40) and are normalised to cmds/s.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSshd, type SshdFixture } from '../e2e/fixtures/sshd';
import { remoteTestbed } from '../src-main/core/remote/testbed';

const run = promisify(execFile);
const HOSTS = 4;
const N = Number(process.env.BENCH_SSH_N ?? 200);
const PEER_N = Number(process.env.BENCH_SSH_PEER_N ?? 40);

interface Row {
  method: string;
  commands: number;
  seconds: number;
}
const rate = (r: Row): number => r.commands / r.seconds;

async function vigil(fixtures: SshdFixture[]): Promise<Row> {
  const tb = remoteTestbed({
    hosts: fixtures.map((f, i) => ({
      name: `h${i}`,
      address: f.host,
      port: f.port,
      user: f.user,
      keyFile: f.clientKeyPath,
      hostKey: f.hostKeyFingerprint,
    })),
  });
  try {
    const t0 = performance.now();
    // Cold start included: the first command per host opens its connection.
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const r = await tb.diag.run(`h${i % HOSTS}`, 'uptime', 'bench');
        if (r.exitCode !== 0 || !/load average/.test(r.stdout)) throw new Error(`bad result on h${i % HOSTS}: ${r.stderr}`);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    if (!tb.audit.verifyChain().ok || tb.audit.list({ action: 'diag.run', limit: 5000 }).length !== N)
      throw new Error('audit rows missing');
    return { method: `Vigil pool (${HOSTS} conns × 4 channels, policy + audit)`, commands: N, seconds };
  } finally {
    await tb.close();
  }
}

async function sshLoop(fixtures: SshdFixture[]): Promise<Row> {
  const t0 = performance.now();
  for (let i = 0; i < PEER_N; i++) {
    const f = fixtures[i % HOSTS]!;
    const { stdout } = await run('ssh', [
      '-i',
      f.clientKeyPath,
      '-p',
      String(f.port),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'BatchMode=yes',
      `${f.user}@${f.host}`,
      'uptime',
    ]);
    if (!/load average/.test(stdout)) throw new Error('ssh loop: unexpected output');
  }
  return { method: 'plain `ssh host uptime` loop', commands: PEER_N, seconds: (performance.now() - t0) / 1000 };
}

/** The fair peer: the same concurrency as Vigil's pool (16), over `ssh` multiplexed by ControlMaster, from `xargs -P`. */
async function sshParallel(fixtures: SshdFixture[], dir: string): Promise<Row> {
  const jobs = Array.from({ length: N }, (_, i) => String(i % HOSTS)).join('\n');
  const opts = (f: SshdFixture) =>
    `-i ${f.clientKeyPath} -p ${f.port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes ` +
    `-o ControlMaster=auto -o ControlPath=${dir}/cm-%p -o ControlPersist=60 ${f.user}@${f.host}`;
  // One script a host index: xargs hands each line to `sh -c`, which picks that host's ssh options.
  const script = join(dir, 'one.sh');
  writeFileSync(
    script,
    ['#!/bin/sh', 'case "$1" in', ...fixtures.map((f, i) => `  ${i}) exec ssh ${opts(f)} uptime ;;`), 'esac', ''].join('\n'),
  );
  const t0 = performance.now();
  const { stdout } = await run('sh', ['-c', `printf '%s\\n' "$JOBS" | xargs -P ${HOSTS * 4} -n 1 sh ${script}`], {
    env: { ...process.env, JOBS: jobs },
    maxBuffer: 16 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if ((stdout.match(/load average/g) ?? []).length !== N)
    throw new Error(`ssh parallel: ${(stdout.match(/load average/g) ?? []).length} of ${N} answered`);
  for (const f of fixtures)
    await run('ssh', [...opts(f).split(' ').slice(0, -1), '-O', 'exit', `${f.user}@${f.host}`]).catch(() => undefined);
  return { method: `ssh ControlMaster, xargs -P ${HOSTS * 4} (same concurrency)`, commands: N, seconds };
}

async function ansible(fixtures: SshdFixture[], dir: string): Promise<Row> {
  const inv = join(dir, 'inventory.ini');
  writeFileSync(
    inv,
    [
      '[bench]',
      ...fixtures.map(
        (f, i) =>
          `h${i} ansible_host=${f.host} ansible_port=${f.port} ansible_user=${f.user} ansible_ssh_private_key_file=${f.clientKeyPath}`,
      ),
      '[bench:vars]',
      'ansible_python_interpreter=/usr/bin/python3',
      "ansible_ssh_common_args='-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no'",
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-local'),
    ANSIBLE_REMOTE_TMP: '/tmp/.ansible-vigiltest',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_LOAD_CALLBACK_PLUGINS: '0',
  };
  const rounds = Math.max(1, Math.round(PEER_N / HOSTS));
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    // One ad-hoc run = one `uptime` on each of the 4 hosts (forks 4).
    const { stdout } = await run('ansible', ['bench', '-i', inv, '-m', 'command', '-a', 'uptime', '-f', String(HOSTS), '-o'], {
      env,
      maxBuffer: 1 << 20,
    });
    if ((stdout.match(/load average/g) ?? []).length !== HOSTS) throw new Error(`ansible: unexpected output\n${stdout}`);
  }
  return { method: 'ansible -m command (forks 4, pipelining)', commands: rounds * HOSTS, seconds: (performance.now() - t0) / 1000 };
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ssh-'));
  const fixtures: SshdFixture[] = [];
  try {
    for (let i = 0; i < HOSTS; i++) fixtures.push(await startSshd());
    console.log(
      `${HOSTS} local sshd hosts (OpenSSH, user vigiltest); Vigil runs ${N} commands, the slow peers ${PEER_N} (normalised to cmds/s)`,
    );
    const v = await vigil(fixtures);
    const s = await sshLoop(fixtures);
    const p = await sshParallel(fixtures, dir);
    const a = await ansible(fixtures, dir);
    const rows = [v, a, s, p];
    console.log('\n| method | commands | seconds | cmds/s | Vigil is × faster |');
    console.log('|---|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.method} | ${r.commands} | ${r.seconds.toFixed(2)} | ${rate(r).toFixed(1)} | ${r === v ? '—' : (rate(v) / rate(r)).toFixed(1) + '×'} |`,
      );
    const vsAnsible = rate(v) / rate(a);
    const vsSsh = rate(v) / rate(s);
    console.log(`\nVigil vs Ansible: ${vsAnsible.toFixed(1)}× (target ≥ 3×) ${vsAnsible >= 3 ? 'MET' : 'MISSED'}`);
    console.log(`Vigil vs ssh loop: ${vsSsh.toFixed(1)}× (target ≥ 10×) ${vsSsh >= 10 ? 'MET' : 'MISSED'}`);
    const vsParallel = rate(v) / rate(p);
    console.log(`Vigil vs parallel ssh with ControlMaster (same concurrency): ${vsParallel.toFixed(1)}× (the fair peer; no target set)`);
    console.log(
      `Extrapolated time for ${N} commands: ansible ${(N / rate(a)).toFixed(1)} s, ssh loop ${(N / rate(s)).toFixed(1)} s, Vigil ${v.seconds.toFixed(2)} s`,
    );
  } finally {
    for (const f of fixtures) await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
