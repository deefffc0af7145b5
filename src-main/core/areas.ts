import { join } from 'node:path';
import { createContext, type ContextRuntime, type ToMain } from './context';
import { systemClock, type Clock } from './clock';
import { type Config, headlessSecrets, type SecretStore } from './config';
import { createLogger, type Logger } from './log';
import { createMetrics, DEFAULT_BASELINE } from './metrics';
import { DECIDER_WAL_LIMIT_BYTES, openDatabase, sqliteStores, writeGate, type Database } from './store';
import { healGateway, wireAgents } from './agents';
import { createAudit } from './audit';
import { wireRemote, type EventSink } from './remote';
import { HEAL_ACTIONS, wireHeal } from './heal';
import { wireSmoke } from './smoke';
import { wireNotify, type SenderLink } from './notify';
import { createRouterArea, type DeciderLink, type FailureReports } from './router';
import { wireAcks } from './ack';
import { wireHeartbeat } from './heartbeat';
import { wireSettings } from './settings';
import { wireChanges } from './changes';
import { createOnCall, onCallWriter } from './oncall';
import { createPeople } from './people';
import { auditArchivePath, readArchive, wireRetention } from './retention';
import { wireLoop } from './loop';
import { createLlmClient } from './agents';
import { BUILTIN_PROTECTED } from './heal';
import { createLiveConfig, RELOAD_COMPONENT } from './config';
import { wireAlerts } from './alerts';
import { createSleep, SLEEP_FINGERPRINT_PREFIX } from './sleep';
import { Collection } from '../../src-shared/api/topics';

/** What a core's context is made of (CoreOptions extends it). */
export interface ContextOptions {
  config: Config;
  /** null: in-memory database and no log file (tests that need neither). */
  dataDir: string | null;
  clock?: Clock;
  log?: Logger;
  secrets?: SecretStore;
  /** Injected network access for outbound HTTP (channels, LLM, probes). */
  fetch?: typeof fetch;
}

/** The context both roles build their areas on: the database (file or memory), every store, metrics, clock, log. */
export function openContext(
  o: ContextOptions & { toMain?: ToMain | null; writeGate?: SharedArrayBuffer; ownThreads?: boolean },
): ContextRuntime & { db: Database; dbFile: string | null } {
  const dbFile = o.dataDir ? join(o.dataDir, 'vigil.db') : null;
  // A worker thread's core (the decider: toMain; the sender: ownThreads false) opens the file the main thread migrated.
  // The decider writes a storm's WAL frames over the file's own blocks instead of regrowing it (DECIDER_WAL_LIMIT_BYTES).
  const { db } = openDatabase(dbFile ?? ':memory:', {
    migrate: !(dbFile && (o.toMain || o.ownThreads === false)),
    walLimit: o.toMain ? DECIDER_WAL_LIMIT_BYTES : undefined,
  });
  // Every repository once, shared by the areas (one transaction() for all); heavy reads on a worker thread.
  // Another thread's connection (the decider) shares the main thread's write gate: the main thread's writes go first (store/write-gate.ts).
  // The decider (toMain set) neither serves reads nor appends intake over HTTP: no threads of its own (reads, intake, the
  // reads thread's WAL keeper — it would start a second reads thread to checkpoint beside the main thread's).
  // The sender thread (ownThreads: false) neither: it only claims, sends and settles.
  const stores = sqliteStores(db, dbFile, o.writeGate ? writeGate(o.writeGate) : undefined, o.ownThreads ?? !o.toMain);
  const rt = createContext({
    config: o.config,
    dataDir: o.dataDir,
    stores,
    clock: o.clock ?? systemClock,
    log: o.log ?? createLogger(o.dataDir),
    metrics: createMetrics({ ...DEFAULT_BASELINE, channels: o.config.channels.map((c) => c.name) }),
    secrets: o.secrets ?? (o.dataDir ? headlessSecrets(o.dataDir) : { get: () => undefined, names: () => [] }),
    fetch: o.fetch ?? globalThis.fetch,
    toMain: o.toMain ?? null,
  });
  return { ...rt, db, dbFile };
}

/** What the areas are wired from besides the context (CoreOptions, in the role's terms). */
export interface AreaOptions {
  dataDir: string | null;
  configSource?: string;
  configFile?: string | null;
  watchConfig?: boolean;
  desktopShownByConsole?: boolean;
  /** Main thread with a decider worker (core/decider): the router hands intake over instead of deciding. */
  decider: DeciderLink | null;
  /** Main thread with a sender worker (core/sender): it sends the channels the main thread need not show itself. */
  sender?: SenderLink | null;
}

/**
 * Every feature area, wired once on a context: the same wiring builds the main thread's core and the
 * decider thread's (ctx.toMain set), so both decide with the same stages from the same config. What runs
 * is the role's choice: the main thread starts the areas (senders, scheduler, timers, probes); the decider
 * starts none of them and only decides (docs/architecture.md "Threads").
 */
export function wireAreas(rt: Pick<ContextRuntime, 'ctx' | 'reloaders' | 'sleepers' | 'wakers'>, opts: AreaOptions) {
  const { ctx, reloaders, sleepers, wakers } = rt;
  const { clock, log, stores } = ctx;
  let pausedUntil: number | null = null;
  const paused = () => (pausedUntil !== null && pausedUntil > clock.now() ? pausedUntil : null);

  // Failures of any area become `vigil` events through the router, which is built after notify (it needs the
  // outbox): the port forwards to it once it exists (nothing reports before start()).
  const reports: FailureReports = {
    failure: (what, err, severity) => router.reports.failure(what, err, severity),
    recovery: (what) => router.reports.recovery(what),
  };

  // A throwing bus subscriber (a shell's bridge, a feature's listener) is a failure like any other: logged and a vigil event.
  // Once a minute per topic: the vigil event's own notice may reach the same broken subscriber again.
  const busReported = new Map<string, number>();
  ctx.bus.onError = (topic, err) => {
    log.error({ err, topic }, 'bus subscriber failed');
    const now = clock.now();
    if (now - (busReported.get(topic) ?? -Infinity) < 60_000) return;
    busReported.set(topic, now);
    reports.failure(`bus subscriber for topic ${topic}`, err);
  };

  // ── notify ──
  // Channels + the durable outbox; producers enqueue through its writer (below, on-call resolved) inside their transaction.
  const notify = wireNotify(ctx, {
    shownByConsole: opts.desktopShownByConsole ?? false,
    writer: () => writer,
    pausedUntil: paused,
    onFailure: (what, err) => reports.failure(what, err),
    onRecovery: (what) => reports.recovery(what),
    // A queued message is sent as what its alert is now (acknowledged, resolved): read when a channel sends.
    alertNow: (fps) => ctx.stores.alerts.now(fps),
    ...(opts.sender && { thread: opts.sender }),
  });

  // On-call targets are resolved to a person when queued (issue 18.5): every producer queues through this writer.
  const writer = onCallWriter(ctx, notify.outbox.writer, {
    telegramOf: (person) => people.list().find((p) => p.name === person)?.telegram ?? null,
    failure: (what, err) => reports.failure(what, err),
    recovery: (what) => reports.recovery(what),
  });

  // ── router ──
  // Intake → EventRouter pipeline → outbox; Alertmanager poller and HTTP probes feed it.
  const router = createRouterArea(ctx, writer, opts.decider);

  // ── audit ──
  // One append-only hash chain for every area (R-HEAL-5); append() throws when it cannot write.
  // The chain starts in the archive once retention has moved old rows there (issue 17.3).
  const audit = createAudit(stores, clock, {
    appended: () => ctx.changed(Collection.audit),
    archive: () => (opts.dataDir ? readArchive(auditArchivePath(opts.dataDir)) : []),
  });

  // ── people ──
  // Who may do what (METHOD_ACCESS, enforced in call()), personal tokens, sessions, Telegram ids.
  const people = createPeople(stores, { audit, clock, sessionTtlMs: ctx.config.people.sessionTtl });
  const telegramPerson = (id: number) => people.byTelegram(id);
  // Who is on call: rotations from the config, computed on the injected clock (issue 18.5).
  const oncall = createOnCall(ctx);

  // ── agents ──
  const agents = wireAgents(ctx, { audit, outbox: writer, router: router.router, telegramPerson });

  // ── remote & heal ──
  // SSH pool + pinned host keys + diagnostic policy + SSH probes; AutoHeal behind approvals.
  // Their events (host keys, probes, restart loops) enter through the router's intake.
  const remoteSink: EventSink = (e, via) => {
    try {
      router.router.ingest([e], via);
    } catch (err) {
      log.error({ err, via }, 'remote event could not be ingested');
    }
  };
  const remote = wireRemote(ctx, { audit, sink: remoteSink });
  const heal = wireHeal(ctx, {
    audit,
    pool: remote.pool,
    sink: remoteSink,
    hostExists: (h) => remote.hosts.has(h),
    // ElephantAlpha's HITL approvals count in vigil_hitl_pending too.
    otherPending: () => agents.elephant.pendingApprovals().count,
    failure: (what, err) => reports.failure(what, err),
    knowledge: (k) => {
      agents.openclaw.repo.add(
        { kind: 'resolution', source: 'autoheal', title: k.title, body: k.body, tags: k.tags, ref: k.ref },
        clock.now(),
      );
      agents.openclaw.worker.publish();
    },
  });

  // ── smoke ──
  // Read-only self-checks over the other areas (R-SMOKE); a failing scheduled job becomes a vigil event.
  const smoke = wireSmoke(ctx, {
    readers: {
      inbox: () => router.router.inbox(),
      notDecided: () => router.router.failing(),
      outboxCounts: (since) => notify.outbox.store.counts(since),
      embeddingCounts: () => agents.openclaw.repo.liveQueueCounts(),
      embeddingStale: (before) => agents.openclaw.repo.staleCount(before),
      hitlPending: () => agents.elephant.pendingApprovals(),
      healPending: () => heal.heal.pending(),
      protects: (kind, target, live) => heal.heal.protectedReason(kind, target, live),
    },
    outbox: () => writer,
    audit: () => audit,
    onJobError: (job, err) => reports.failure(`scheduled job ${job}`, err),
  });
  agents.connect({ selfCheck: (check) => smoke.smoke.latest()?.results.find((r) => r.check === check) });

  // ── acks & escalation ──
  // Ack stage after dedupe, escalate stage after outbox, durable escalation timers; heartbeat (dead-man's switch).
  const acks = wireAcks(ctx, { router: router.router, outbox: writer, reports, telegramPerson, audit });
  const heartbeat = wireHeartbeat(ctx, {
    notDecided: () => router.router.failing(),
    onFailure: (what, err) => reports.failure(what, err),
    onRecovery: (what) => reports.recovery(what),
  });

  // ── agents: late wiring (remote and heal are built after the agents) ──
  agents.connect({
    heal: healGateway(heal.heal, stores.heal),
    healActions: HEAL_ACTIONS,
    healPending: () => heal.heal.pending().length,
    diagnostics: remote.diag,
    policy: remote.policy,
    otherButtons: acks.telegramCallback,
  });

  // ── settings ──
  // Settings view and secrets: values go in (audited by name), only names and states come out.
  // ── live configuration ──
  // SIGHUP, POST /-/reload, the CLI, a file watch and Settings all reload through here (R-CHANGE-3).
  const live = createLiveConfig(ctx, {
    file: opts.configFile ?? null,
    reloaders,
    onRefused: (err) => reports.failure(RELOAD_COMPONENT, err),
    onAccepted: () => reports.recovery(RELOAD_COMPONENT),
    audit: (e) => void audit.append(e),
  });
  if (opts.watchConfig ?? true) {
    ctx.onStart(() => live.watch());
    ctx.onStop(() => live.unwatch());
  }
  const settings = wireSettings(ctx, {
    audit,
    configSource: opts.configSource ?? '(given by the caller)',
    live,
    onSecretSet: (_name, usedBy) => notify.wakeChannels(usedBy),
  });

  // ── changes ──
  // Deploys and other changes (R-CHANGE-1): "what changed before this alert?"
  const changes = wireChanges(ctx, { audit, events: () => router.router.events });

  // ── alerts ──
  // The alert model's read side (R-ALERT-1/2): alerts and groups, Alertmanager API v2 shaped.
  const alerts = wireAlerts(ctx, { router: router.router });

  // ── retention ──
  // History kept per kind, pruned in small batches on a worker thread; audit rows archived, not deleted.
  const retention = wireRetention(ctx);

  // ── the closed loop ──
  // Agents propose plans for alerts and risky changes; approved heals are verified, remembered, escalated if they did not help;
  // incidents hold each alert group's timeline (R-LOOP, R-CHANGE-2).
  const loop = wireLoop(ctx, {
    router: router.router,
    elephant: agents.elephant,
    changes: changes.changes,
    audit,
    outbox: writer,
    remember: (m) => {
      agents.openclaw.repo.add({ kind: 'resolution', source: 'loop', ...m }, clock.now());
      agents.openclaw.worker.publish();
    },
    healLog: (l) => void stores.heal.insertLog(l),
    healVerdict: (id, fixed, detail) => stores.heal.verdict(id, fixed ? 'verified' : 'not fixed', detail),
    escalations: acks.escalations,
    kickEscalator: () => acks.escalator.kick(),
    catalogue: HEAL_ACTIONS,
    hostExists: (h) => remote.hosts.has(h),
    // The host's SSH probes and inside health check, run again while a heal is verified (R-LOOP-2).
    hostChecks: (h) =>
      remote.probes.checks.filter((c) => c.host === h).map((c) => ({ name: c.name, run: () => remote.probes.run(c.name) })),
    llm: ctx.config.llm ? createLlmClient({ config: ctx.config.llm, secrets: ctx.secrets, fetch: ctx.fetch, clock }) : null,
    protectedNames: [...BUILTIN_PROTECTED, ...ctx.config.protected].flatMap((r) => Object.values(r) as string[]),
  });
  changes.onReview((c) => loop.review(c));

  // ── sleep and wake ──
  // Suspend/resume calls (Electron's powerMonitor): areas stop and catch up through ctx.onSleep/onWake (issue 18.6).
  const sleep = createSleep(ctx, {
    sleepers,
    wakers,
    escalator: acks.escalator,
    heartbeat,
    ingest: (e) => router.router.ingest([e], 'resume'),
    recorded: () => router.router.states.lastWithPrefix(SLEEP_FINGERPRINT_PREFIX),
  });
  agents.connect({ loop: loop.steps, onNemotron: loop.onNemotron });

  return {
    /** The areas' ConsoleApi handlers (app.ts adds the core's own: status, pause, ping, probes). */
    handlers: {
      ...acks.handlers,
      ...retention.handlers,
      ...changes.handlers,
      ...loop.handlers,
      ...alerts.handlers,
      ...settings,
      ...notify.handlers,
      ...router.handlers,
      ...agents.handlers,
      ...remote.handlers,
      ...heal.handlers,
      ...smoke.handlers,
      ...people.handlers,
      ...oncall.handlers,
    },
    reports,
    notify,
    writer,
    router,
    audit,
    people,
    oncall,
    agents,
    remote,
    heal,
    smoke,
    acks,
    heartbeat,
    live,
    settings,
    changes,
    alerts,
    retention,
    loop,
    sleep,
    /** Desktop notifications paused until (ms) or null (notifications.pause). */
    paused,
    pause(until: number | null): void {
      pausedUntil = until;
    },
  };
}
export type Areas = ReturnType<typeof wireAreas>;
