import { join } from 'node:path';
import type { z } from 'zod';
import {
  consoleApi,
  isMethodName,
  METHOD_ACCESS,
  roleAtLeast,
  roleRefusal,
  type Actor,
  type Handlers,
  type Input,
  type MethodName,
  type Output,
} from '../../src-shared/api';
import type { StatusSnapshot, StatusTile } from '../../src-shared/api/system';
import { Collection, Topic } from '../../src-shared/api/topics';
import { worstStatus } from '../../src-shared/constants';
import { describeZodError, fail, ok, type ErrorCode, type Result } from '../../src-shared/result';
import { createContext, type CoreContext } from './context';
import { systemClock, type Clock } from './clock';
import { type Config, headlessSecrets, type SecretStore } from './config';
import { createLogger, type Logger } from './log';
import { createMetrics, DEFAULT_BASELINE } from './metrics';
import { openDatabase, sqliteStores, type Database } from './store';
import { healGateway, wireAgents, type CallbackOutcome, type TelegramUpdate } from './agents';
import { auditCall, createAudit } from './audit';
import { wireRemote, type EventSink } from './remote';
import { HEAL_ACTIONS, wireHeal, type Heal } from './heal';
import { wireSmoke, type Smoke } from './smoke';
import { wireNotify, type ConsoleNotices } from './notify';
import { wireFirstRun } from './firstrun';
import { createRouterArea, intakeCommitter, type FailureReports, type IntakeEvent, type Router } from './router';
import { VigilError } from './errors';
import { isAckData, wireAcks } from './ack';
import { wireHeartbeat, type Heartbeat } from './heartbeat';
import { wireSettings } from './settings';
import { wireChanges } from './changes';
import { createOnCall, onCallWriter } from './oncall';
import { createPeople, type People } from './people';
import { auditArchivePath, readArchive, wireRetention } from './retention';
import { wireLoop, type Loop } from './loop';
import { createLlmClient } from './agents';
import { BUILTIN_PROTECTED } from './heal';
import { probeNow } from './ingest';
import { createLiveConfig, RELOAD_COMPONENT, type ReloadRecord, type ReloadVia } from './config';
import { wireAlerts } from './alerts';
import { createSleep, SLEEP_FINGERPRINT } from './sleep';
import { utcText } from './duration';

export const VERSION = '0.1.0';

export interface CoreOptions {
  config: Config;
  /** null: in-memory database and no log file (tests that need neither). */
  dataDir: string | null;
  clock?: Clock;
  log?: Logger;
  secrets?: SecretStore;
  /** Injected network access for outbound HTTP (channels, LLM, probes). */
  fetch?: typeof fetch;
  /** Where the config came from (a file path or "(embedded default)"), shown in Settings. */
  configSource?: string;
  /** The file reloads read and Settings writes (it may not exist yet); null/absent: no live config file. */
  configFile?: string | null;
  /** Reload when configFile changes on disk (default: on when there is a file). */
  watchConfig?: boolean;
  /** Headless: the desktop channel delivers only when a connected console reports a notice shown (`Core.consoles`). */
  desktopShownByConsole?: boolean;
}

export interface Core {
  ctx: CoreContext;
  handlers: Handlers;
  /**
   * Validate input against the contract, authorise the actor by METHOD_ACCESS, record the actor in the
   * method's actor field, run the handler, wrap in the envelope. No actor: the desktop shell's own call.
   * Typed by method for in-process callers (CLI, tray, REST aliases): input and output follow from the ConsoleApi map.
   */
  call<M extends MethodName>(method: M, input: Input<M>, actor?: Actor): Promise<Result<Output<M>>>;
  /** The same for the transports (HTTP RPC, IPC, CLI arguments): a method name and input as they arrived, both checked here. */
  dispatch(method: string, input: unknown, actor?: Actor): Promise<Result<unknown>>;
  /** People, roles, personal and intake tokens, sessions. */
  people: People;
  /** Headless: open consoles that show desktop notices (the shell registers each stream); null in Electron. */
  consoles: ConsoleNotices | null;
  status(): StatusSnapshot;
  /** Re-read the config file and put it in force, or refuse it (VigilError bad_request naming the field; old config stays). */
  reload(via: ReloadVia, by?: string): Promise<ReloadRecord>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The machine is about to sleep (issue 18.6; Electron's powerMonitor 'suspend'): heartbeat pings stop after a final
   * "going to sleep" where heartbeat.sleepUrl is set, and the escalation timers stop.
   */
  suspend(): Promise<void>;
  /** It woke: steps that fell due while asleep fire once each, marked late; an event says "asleep from 02:10 to 06:45". */
  resume(): Promise<void>;
  /**
   * HTTP intake (R-ROUTE-2): events of concurrent requests are group-committed to the durable inbox;
   * resolves with their ids once fsynced, before they are decided.
   */
  accept(events: IntakeEvent[], via: string): Promise<string[]>;
  /** Smoke actions the shells offer besides the ConsoleApi (HTTP routes: run, NDJSON export, clear, daily summary). */
  smoke: Pick<Smoke, 'run' | 'exportNdjson' | 'clear' | 'sendSummary'>;
  /** A Telegram inline-button press (webhook route): "ack:…" buttons go to the ack area, the others to the agents. */
  telegramCallback(update: TelegramUpdate): CallbackOutcome;
  /**
   * The areas as built, for tests and benchmarks that drive them directly; shells use the methods above.
   * `db` is the raw database for tests that read real rows (areas reach it only through ctx.stores).
   */
  areas: { router: Router; heartbeat: Heartbeat | null; heal: Heal; loop: Loop; db: Database };
}

const MAX_INPUT_DEPTH = 32;

/** Whether a JSON-like value nests deeper than `max` (iterative: a deep value cannot overflow the check itself). */
function nestedDeeper(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, d + 1]);
  }
  return false;
}

/** Build the core from validated config. Nothing runs until start(). */
export function createCore(opts: CoreOptions): Core {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger(opts.dataDir);
  const dbFile = opts.dataDir ? join(opts.dataDir, 'vigil.db') : null;
  const { db } = openDatabase(dbFile ?? ':memory:');
  // Every repository once, shared by the areas (one transaction() for all); heavy reads on a worker thread.
  const stores = sqliteStores(db, dbFile);
  const metrics = createMetrics({ ...DEFAULT_BASELINE, channels: opts.config.channels.map((c) => c.name) });
  const startedAt = clock.now();
  let pausedUntil: number | null = null;
  const { ctx, starters, stoppers, reloaders, sleepers, wakers, cancelChanged } = createContext({
    config: opts.config,
    dataDir: opts.dataDir,
    stores,
    clock,
    log,
    metrics,
    secrets: opts.secrets ?? (opts.dataDir ? headlessSecrets(opts.dataDir) : { get: () => undefined, names: () => [] }),
    fetch: opts.fetch ?? globalThis.fetch,
  });
  const { bus } = ctx;

  const status = (): StatusSnapshot => {
    const tiles: StatusTile[] = [];
    for (const p of ctx.statusProviders) {
      try {
        tiles.push(...p());
      } catch (e) {
        tiles.push({ id: 'status-error', label: 'Status', status: 'warning', value: 'error', reason: (e as Error).message });
      }
    }
    const rank = { critical: 0, warning: 1, ok: 2 } as const;
    tiles.sort((a, b) => rank[a.status] - rank[b.status] || a.label.localeCompare(b.label));
    return {
      version: VERSION,
      startedAt,
      now: clock.now(),
      worst: worstStatus(tiles.map((t) => t.status)),
      tiles,
      notificationsPausedUntil: pausedUntil !== null && pausedUntil > clock.now() ? pausedUntil : null,
      lastSleep: sleep.last(),
    };
  };

  ctx.statusProviders.push(() => [
    {
      id: 'core',
      label: 'Core',
      status: 'ok',
      value: 'running',
      reason: `up since ${utcText(startedAt)}`,
    }, // the console's one date format (R-ALERT-8)
  ]);

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
    pausedUntil: () => (pausedUntil !== null && pausedUntil > clock.now() ? pausedUntil : null),
    onFailure: (what, err) => reports.failure(what, err),
    onRecovery: (what) => reports.recovery(what),
    // A queued message is sent as what its alert is now (acknowledged, resolved): read when a channel sends.
    alertNow: (fp) => {
      const s = router.router.states.get(fp);
      if (!s) return null;
      const a = acks.acks.get(fp);
      const ack = a?.state === 'active' && a.episode === s.firstSeen ? { by: a.by, at: a.at } : null;
      return { status: s.status, changedAt: s.lastSeen, ack };
    },
  });

  // On-call targets are resolved to a person when queued (issue 18.5): every producer queues through this writer.
  const writer = onCallWriter(ctx, notify.outbox.writer, {
    telegramOf: (person) => people.list().find((p) => p.name === person)?.telegram ?? null,
    failure: (what, err) => reports.failure(what, err),
    recovery: (what) => reports.recovery(what),
  });

  // ── router ──
  // Intake → EventRouter pipeline → outbox; Alertmanager poller and HTTP probes feed it.
  const router = createRouterArea(ctx, writer);

  // ── audit ──
  // One append-only hash chain for every area (R-HEAL-5); append() throws when it cannot write.
  // The chain starts in the archive once retention has moved old rows there (issue 17.3).
  const audit = createAudit(stores, clock, {
    appended: () => ctx.changed(Collection.audit),
    archive: () => (opts.dataDir ? readArchive(auditArchivePath(opts.dataDir)) : []),
  });

  // ── people ──
  // Who may do what (METHOD_ACCESS, enforced in call()), personal tokens, sessions, Telegram ids.
  const people = createPeople(stores, { audit, clock, sessionTtlMs: opts.config.people.sessionTtl });
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
      inbox: () => router.router.events.inbox(),
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
    llm: opts.config.llm ? createLlmClient({ config: opts.config.llm, secrets: ctx.secrets, fetch: ctx.fetch, clock }) : null,
    protectedNames: [...BUILTIN_PROTECTED, ...opts.config.protected].flatMap((r) => Object.values(r) as string[]),
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
    recorded: () => router.router.states.get(SLEEP_FINGERPRINT),
  });
  agents.connect({ loop: loop.steps, onNemotron: loop.onNemotron });

  const handlers: Handlers = {
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
    'probes.run': ({ probe }) => probeNow(ctx, probe, { http: () => router.probes, ssh: () => remote.probes }),
    ...oncall.handlers,
    ...wireFirstRun(ctx).handlers,
    'status.get': () => status(),
    'notifications.pause': ({ minutes }) => {
      pausedUntil = minutes === 0 ? null : clock.now() + minutes * 60_000;
      bus.publish(Topic.status, status());
      return { pausedUntil };
    },
    'system.ping': ({ echo }) => ({ echo, at: clock.now() }),
  };

  /** Validate input against the contract, authorise the actor, run the handler, wrap in the envelope. */
  const dispatch = async (method: string, input: unknown, actor?: Actor): Promise<Result<unknown>> => {
    if (!isMethodName(method)) return fail('not_found', `unknown method "${method}"`);
    const spec = consoleApi[method];
    const access = METHOD_ACCESS[method];
    if (actor && !roleAtLeast(actor.role, access.role)) {
      return fail('forbidden', roleRefusal(actor.name, actor.role, method, access.role));
    }
    // Who did it comes from authentication, never from the request (R-PEOPLE-2).
    const given = input ?? {};
    const named =
      actor && access.actor && typeof given === 'object' && !Array.isArray(given) ? { ...given, [access.actor]: actor.name } : given;
    // Refused at validation: deep nesting would overflow the stack in the schema or the handler's walk.
    if (nestedDeeper(named, MAX_INPUT_DEPTH)) return fail('bad_request', `input is nested deeper than ${MAX_INPUT_DEPTH} levels`);
    const parsed = (spec.input as z.ZodType).safeParse(named);
    if (!parsed.success) return fail('bad_request', describeZodError(parsed.error));
    // Every person's action is audited with the actor before it runs (R-AUDIT-2); no audit, no action.
    let record: ReturnType<typeof auditCall>;
    try {
      record = auditCall(audit, method, parsed.data, actor);
    } catch (e) {
      log.error({ err: e, method }, 'audit write failed: call refused');
      return fail('unavailable', `${method} was not run: the audit cannot be written`);
    }
    const failed = (code: ErrorCode, message: string) => {
      try {
        record.failed(code, message);
      } catch (err) {
        log.error({ err, method }, 'audit write of a failed call failed');
      }
      return fail(code, message);
    };
    try {
      const handler = handlers[method] as (i: unknown, a?: Actor) => unknown;
      return ok(await handler(parsed.data, actor));
    } catch (e) {
      if (e instanceof VigilError) return failed(e.code, e.message);
      log.error({ err: e, method }, 'rpc handler failed');
      // Raw exception text (SQLite messages, absolute paths) stays in the log, never in an answer (R-SEC-10).
      return failed('internal', `${method} failed: internal error (written to the server log)`);
    }
  };

  let statusTimer: { cancel(): void } | null = null;
  const accept = intakeCommitter(router.router, stores.intake.append, () => clock.now());

  return {
    ctx,
    handlers,
    status,
    accept,
    smoke: smoke.smoke,
    telegramCallback: (u) => (isAckData(u.callback_query?.data) ? acks.telegramCallback(u) : agents.telegramCallback(u)),
    areas: { router: router.router, heartbeat, heal: heal.heal, loop, db },
    people,
    consoles: notify.consoles,
    reload: (via, by) => live.reload(via, by),
    call: <M extends MethodName>(method: M, input: Input<M>, actor?: Actor) => dispatch(method, input, actor) as Promise<Result<Output<M>>>,
    dispatch,
    async start() {
      log.info({ version: VERSION, dataDir: opts.dataDir }, 'core starting');
      for (const s of starters) await s();
      // Status is pushed every 5 s and whenever a feature calls changed().
      statusTimer = clock.setInterval(() => bus.publish(Topic.status, status()), 5_000);
    },
    suspend: () => sleep.suspend(),
    async resume() {
      await sleep.resume();
      bus.publish(Topic.status, status());
    },
    async stop() {
      statusTimer?.cancel();
      cancelChanged();
      await stores.intake.close(); // appends in flight reach the router's queue before it drains
      for (const s of stoppers.reverse()) await s();
      await stores.reads.close();
      db.close();
      log.info('core stopped');
      try {
        log.flush();
      } catch {
        // the async log file may not be open yet on a very short run; pino flushes on exit anyway
      }
    },
  };
}
