import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Handlers } from '../../../src-shared/api';
import type { CoreContext } from '../context';
import type { Audit } from '../audit';
import { systemClock } from '../clock';
import { VigilError } from '../errors';
import { createDiagnostics } from './diag';
import type { EventSink } from './events';
import { createHostService } from './hosts';
import { createPolicy, type CommandPolicy } from './policy';
import { templateFromConfig } from './policy/templates';
import { SshPool, type HostTarget } from './pool';
import { createSshProbes } from './probes';
import { remoteWaker } from './wake';
import { Collection } from '../../../src-shared/api/topics';

export { RemoteError, SshPool, wrapCommand, fingerprint } from './pool';
export type { EventSink, RemoteEvent } from './events';

/** The policy from config (shipped catalogue + remote.templates); throws PolicyConfigError on an unsafe template. */
export function policyFromConfig(cfg: CoreContext['config']): CommandPolicy {
  return createPolicy({ extra: cfg.remote.templates.map(templateFromConfig), allowedRoots: cfg.remote.allowedRoots });
}

/** `~/.ssh/key` as people write it in vigil.yaml. */
const expandHome = (p: string | undefined): string | undefined =>
  p && (p === '~' || p.startsWith('~/')) ? join(homedir(), p.slice(1)) : p;

type RemoteMethods = 'hosts.list' | 'hosts.check' | 'hosts.acceptKey' | 'diag.check' | 'diag.run' | 'diag.templates';

/** SSH pool, host-key trust, diagnostic console and SSH probes on the core context. */
export function wireRemote(ctx: CoreContext, deps: { audit: Audit; sink: EventSink; keyFor?: (host: string) => Buffer | undefined }) {
  const cfg = ctx.config;
  const repo = ctx.stores.hosts;
  let current = policyFromConfig(cfg);
  // One policy object for diag and probes; a reload swaps what it delegates to.
  const policy: CommandPolicy = {
    get templates() {
      return current.templates;
    },
    check: (command, tags) => current.check(command, tags),
  };
  const hosts = createHostService({
    hosts: cfg.hosts,
    repo,
    audit: deps.audit,
    clock: ctx.clock,
    sink: deps.sink,
    onAccepted: (h) => pool.drop(h),
  });
  const pool: SshPool = new SshPool({
    resolve: (name): HostTarget | undefined => {
      const h = hosts.config(name);
      return (
        h && {
          name: h.name,
          address: h.address,
          port: h.port,
          user: h.user,
          keyFile: expandHome(h.keyFile),
          agent: h.agent,
          privateKey: deps.keyFor?.(name),
        }
      );
    },
    hooks: hosts.hooks,
    // Network deadlines (exec timeout, open retry) run on real time even when the core's clock is a test clock.
    clock: systemClock,
    channelsPerHost: cfg.remote.channelsPerHost,
    readyTimeoutMs: cfg.remote.connectTimeout,
    defaultTimeoutMs: cfg.remote.execTimeout,
    defaultMaxBytes: cfg.remote.maxOutput,
  });
  const diag = createDiagnostics({
    policy,
    pool,
    hosts,
    audit: deps.audit,
    maxBytes: cfg.remote.maxOutput,
    timeoutMs: cfg.remote.execTimeout,
  });
  const sshProbes = (c: CoreContext['config']) =>
    createSshProbes({
      probes: c.probes,
      hosts: c.hosts,
      policy,
      pool,
      repo,
      clock: ctx.clock,
      sink: deps.sink,
      insideInterval: c.remote.insideCheckInterval,
      timeoutMs: 10_000,
    });
  let probes = sshProbes(cfg);
  let started = false;
  ctx.onStart(() => {
    started = true;
    probes.start();
  });
  ctx.onStop(async () => {
    started = false;
    probes.stop();
    waker.cancel();
    await pool.close();
  });
  // Sleep and wake (issue 18.6): the SSH probes stop; on waking the connections that died while asleep are dropped,
  // every host is checked again at once (the console's host states are true, not the pre-sleep ones) and the probes run.
  const waker = remoteWaker({
    pool,
    hosts: () => ctx.config.hosts.map((h) => h.name),
    probes: () => probes,
    clock: ctx.clock,
    changed: () => ctx.changed(Collection.hosts),
  });
  ctx.onSleep(() => (probes.stop(), waker.cancel()));
  ctx.onWake(() => (started ? waker.wake() : []));
  // Live reload (R-CHANGE-3): an unsafe template refuses the whole config; hosts whose address,
  // user or key changed reconnect; SSH probes restart on the new list. Pool limits keep their start-up values.
  ctx.onReload((next, prev) => {
    let nextPolicy: CommandPolicy;
    try {
      nextPolicy = policyFromConfig(next);
    } catch (e) {
      throw new Error(`remote.templates: ${(e as Error).message}`, { cause: e });
    }
    return () => {
      current = nextPolicy;
      const was = new Map(prev.hosts.map((h) => [h.name, JSON.stringify(h)]));
      hosts.setHosts(next.hosts);
      for (const [name, json] of was) if (json !== JSON.stringify(next.hosts.find((h) => h.name === name))) pool.drop(name);
      probes.stop();
      probes = sshProbes(next);
      if (started) probes.start();
    };
  });
  ctx.statusProviders.push(() => {
    if (!ctx.config.hosts.length) return [];
    const views = hosts.list();
    // Reachable means its last check succeeded: a host not checked yet is not counted as reachable (issue 14.3).
    const reachable = views.filter((v) => v.status === 'ok').length;
    const bad = views.filter((v) => v.status !== 'ok' && v.status !== 'unknown');
    const unchecked = views.filter((v) => v.status === 'unknown');
    const critical = bad.some((v) => v.status === 'host_key_mismatch');
    return [
      {
        id: 'hosts',
        label: 'Hosts',
        status: critical ? 'critical' : bad.length ? 'warning' : 'ok',
        value: `${reachable}/${views.length} reachable`,
        reason:
          [...bad.map((v) => `${v.name}: ${v.status}`), ...unchecked.map((v) => `${v.name}: not checked yet`)].join('; ') ||
          'all hosts answer with their pinned key',
      },
    ];
  });

  const handlers: Pick<Handlers, RemoteMethods> = {
    'hosts.list': () => ({ hosts: hosts.list() }),
    'hosts.check': async ({ host }) => {
      if (!hosts.has(host)) throw new VigilError('not_found', `no host named "${host}" in the config`);
      await pool.check(host).catch(() => undefined); // the outcome is recorded in the host status
      return hosts.list().find((h) => h.name === host)!;
    },
    'hosts.acceptKey': ({ host, fingerprint, by }) => {
      const v = hosts.acceptKey(host, fingerprint, by);
      ctx.changed(Collection.hosts);
      return v;
    },
    'diag.check': ({ command, host }) => {
      const v = diag.check(command, host);
      return v.allowed
        ? { allowed: true, templateId: v.templateId, reason: null, sent: v.command }
        : { allowed: false, templateId: null, reason: v.reason, sent: null };
    },
    'diag.run': async ({ host, command, by }) => {
      const r = await diag.run(host, command, by);
      ctx.changed(Collection.hosts, Collection.audit);
      return r;
    },
    'diag.templates': () => ({
      templates: policy.templates.map((t) => ({ id: t.id, description: t.description, pattern: t.pattern.join(' '), tags: t.tags ?? [] })),
    }),
  };
  return {
    pool,
    policy,
    hosts,
    diag,
    /** SSH probes in force (they follow reloads). */
    get probes() {
      return probes;
    },
    handlers,
  };
}
export type Remote = ReturnType<typeof wireRemote>;
export { PolicyConfigError, createPolicy, shellQuote, type Verdict } from './policy';
export { type ExecResult } from './pool';
