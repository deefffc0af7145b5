import type { TimerHandle, Clock } from '../clock';
import type { HostConfig, ProbeConfig } from '../config';
import { ProbeTracker } from '../ingest';
import type { HostRepository } from '../store';
import type { EventSink } from './events';
import type { CommandPolicy } from './policy';
import type { SshPool } from './pool';
import { redactSecrets } from '../redact';

type SshProbe = Extract<ProbeConfig, { type: 'ssh' }>;

export interface SshCheck {
  name: string;
  host: string;
  command: string;
  interval: number;
  labels: Record<string, string>;
  tracker: ProbeTracker;
  inside: boolean;
  timer?: TimerHandle;
}

/**
 * SSH checks as probes (R-PROBE-2): config probes of type ssh, and each host's
 * healthUrl checked from inside the host over SSH with the curl-health template
 * (the inside view beside the outside HTTP probe). Only allowlisted commands
 * run; results go to the router as events once confirmed (R-PROBE-3 tracker).
 */
export function createSshProbes(d: {
  probes: ProbeConfig[];
  hosts: HostConfig[];
  policy: CommandPolicy;
  pool: SshPool;
  repo: HostRepository;
  clock: Clock;
  sink: EventSink;
  insideInterval: number;
  timeoutMs: number;
}) {
  const checks: SshCheck[] = [];
  for (const p of d.probes.filter((x): x is SshProbe => x.type === 'ssh')) {
    checks.push({
      name: p.name,
      host: p.host,
      command: p.command,
      interval: p.interval,
      labels: p.labels,
      inside: false,
      tracker: new ProbeTracker({ failuresToAlert: p.failuresToAlert, graceWindow: p.graceWindow, slowAfter: Infinity }),
    });
  }
  for (const h of d.hosts.filter((x) => x.healthUrl)) {
    checks.push({
      name: `inside:${h.name}`,
      host: h.name,
      command: `curl -fsS -m 5 ${h.healthUrl}`,
      interval: d.insideInterval,
      labels: {},
      inside: true,
      tracker: new ProbeTracker({ failuresToAlert: 2, graceWindow: Math.min(120_000, d.insideInterval * 2), slowAfter: Infinity }),
    });
  }
  const tagsOf = (host: string): string[] => d.hosts.find((h) => h.name === host)?.tags ?? [];

  const emit = (c: SshCheck, status: 'firing' | 'resolved', detail: string): void =>
    d.sink(
      {
        source: 'probe',
        fingerprint: `probe:${c.name}`,
        severity: 'critical',
        status,
        summary:
          status === 'firing'
            ? `${c.inside ? 'Inside health check' : 'SSH probe'} ${c.name} on ${c.host} is failing: ${detail}`.slice(0, 1000)
            : `${c.name} on ${c.host} is healthy again`,
        description: `Command: ${c.command}`,
        labels: {
          alertname: c.inside ? 'InsideHealthFailed' : 'SshProbeFailed',
          probe: c.name,
          host: c.host,
          check: c.inside ? 'inside' : 'ssh',
          ...c.labels,
        },
        startsAt: d.clock.now(),
        endsAt: status === 'resolved' ? d.clock.now() : null,
      },
      `probe(${c.name})`,
    );

  async function runOnce(c: SshCheck): Promise<{ ok: boolean; detail: string }> {
    const v = d.policy.check(c.command, tagsOf(c.host));
    let ok: boolean;
    let detail: string;
    if (!v.allowed) {
      ok = false;
      detail = `command refused by the policy: ${v.reason}`;
    } else {
      try {
        const r = await d.pool.exec(c.host, v.command, { timeoutMs: d.timeoutMs, maxBytes: 16 * 1024 });
        ok = r.exitCode === 0;
        detail = redactSecrets(
          ok ? r.stdout.trim().slice(0, 200) || 'ok' : `exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`,
        );
      } catch (e) {
        ok = false;
        detail = (e as Error).message;
      }
    }
    const now = d.clock.now();
    if (c.inside) d.repo.setInside(c.host, { status: ok ? 'ok' : 'failing', detail, at: now });
    for (const t of c.tracker.record({ ok, latencyMs: 0, error: detail }, now)) {
      if (t === 'down') emit(c, 'firing', detail);
      if (t === 'up') emit(c, 'resolved', detail);
    }
    return { ok, detail };
  }

  let halted = false;
  const schedule = (c: SshCheck, delay: number): void => {
    if (halted) return;
    c.timer = d.clock.setTimeout(() => {
      void runOnce(c).finally(() => schedule(c, c.tracker.nextDelay(c.interval)));
    }, delay);
  };

  return {
    checks,
    /** Run one check now by name (console "check now", tests). */
    run: (name: string) => {
      const c = checks.find((x) => x.name === name);
      if (!c) throw new Error(`no ssh check named ${name}`);
      return runOnce(c);
    },
    start() {
      halted = false;
      checks.forEach((c, i) => schedule(c, 1_000 + i * 250));
    },
    /** After sleep (issue 18.6): every check runs once now, side by side, then on its interval again. */
    async wake(): Promise<Array<{ name: string; ok: boolean }>> {
      halted = false;
      for (const c of checks) c.timer?.cancel();
      return Promise.all(
        checks.map(async (c) => {
          try {
            return { name: c.name, ok: (await runOnce(c)).ok };
          } finally {
            schedule(c, c.tracker.nextDelay(c.interval));
          }
        }),
      );
    },
    stop() {
      halted = true;
      for (const c of checks) c.timer?.cancel();
    },
  };
}
export type SshProbes = ReturnType<typeof createSshProbes>;
