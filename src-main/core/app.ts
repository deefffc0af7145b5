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
import { Topic } from '../../src-shared/api/topics';
import { worstStatus } from '../../src-shared/constants';
import { describeZodError, fail, ok, type ErrorCode, type Result } from '../../src-shared/result';
import type { CoreContext } from './context';
import type { ReloadRecord, ReloadVia } from './config';
import { limitInlining, type Database, type RawAnswer, type RawIntake } from './store';
import type { CallbackOutcome, TelegramUpdate } from './agents';
import { auditCall } from './audit';
import type { Heal } from './heal';
import type { Smoke } from './smoke';
import type { ConsoleNotices } from './notify';
import { wireFirstRun } from './firstrun';
import { intakeCommitter, rawIntakeCommitter, type IntakeEvent, type Router } from './router';
import { VigilError } from './errors';
import { isAckData } from './ack';
import type { Heartbeat } from './heartbeat';
import type { People } from './people';
import type { Loop } from './loop';
import { probeNow } from './ingest';
import { utcText } from './duration';
import { openContext, wireAreas, type ContextOptions } from './areas';
import { startDecider, type DeciderThread, type RestartPolicy } from './decider';
import { startSender } from './sender';

export const VERSION = '0.1.0';

export interface CoreOptions extends ContextOptions {
  /** Where the config came from (a file path or "(embedded default)"), shown in Settings. */
  configSource?: string;
  /** The file reloads read and Settings writes (it may not exist yet); null/absent: no live config file. */
  configFile?: string | null;
  /** Reload when configFile changes on disk (default: on when there is a file). */
  watchConfig?: boolean;
  /** Headless: the desktop channel delivers only when a connected console reports a notice shown (`Core.consoles`). */
  desktopShownByConsole?: boolean;
  /**
   * Where intake is decided: 'worker' (vigil serve, the desktop shell) on the decider thread with its own connection,
   * so a storm's deciding never holds the thread serving /health; 'inline' (default) on this thread, as in-process
   * callers that read a decision at once expect. An in-memory database always decides inline.
   */
  decider?: 'worker' | 'inline';
  /** Tests: when a decider thread that ended is started again (default 1 s, doubling up to 60 s). */
  deciderRestart?: RestartPolicy;
  /**
   * Where the outbox sends: 'worker' (vigil serve with VIGIL_SENDER=worker) on the sender thread with its own connection
   * (claims, HTTP, settles), desktop notices still shown here; 'inline' (default) on this thread. An in-memory database
   * always sends inline.
   */
  sender?: 'worker' | 'inline';
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
   * resolves with their ids once fsynced, before they are decided. `bytes`: the request body's size (bounds a group).
   */
  accept(events: IntakeEvent[], via: string, bytes?: number): Promise<string[]>;
  /**
   * The same for a request's raw body, read on the intake thread (issue 17: the main thread only hands the bytes
   * over and writes the answer). Present with an intake thread and a decider thread (`vigil serve`); without them
   * (in-memory cores, inline deciding) the shells parse and `accept`.
   */
  acceptRaw?(req: RawIntake): Promise<RawAnswer>;
  /** Smoke actions the shells offer besides the ConsoleApi (HTTP routes: run, NDJSON export, clear, daily summary). */
  smoke: Pick<Smoke, 'run' | 'exportNdjson' | 'clear' | 'sendSummary'>;
  /** A Telegram inline-button press (webhook route): "ack:…" buttons go to the ack area, the others to the agents. */
  telegramCallback(update: TelegramUpdate): CallbackOutcome;
  /**
   * The areas as built, for tests and benchmarks that drive them directly; shells use the methods above.
   * `db` is the raw database for tests that read real rows (areas reach it only through ctx.stores).
   */
  areas: { router: Router; heartbeat: Heartbeat | null; heal: Heal; loop: Loop; db: Database; decider: DeciderThread | null };
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
  const { ctx, starters, stoppers, reloaders, sleepers, wakers, cancelChanged, db } = openContext(opts);
  const { clock, log, stores } = ctx;
  const startedAt = clock.now();
  // File databases may decide on the decider worker thread; an in-memory one (most unit tests) cannot be shared.
  const threaded = opts.decider === 'worker' && !!opts.dataDir;
  if (threaded) limitInlining(); // before the threads start and a storm's hot code is compiled (store/inline-budget.ts)
  const decider = threaded ? startDecider(ctx, { ...opts, dataDir: opts.dataDir! }, () => areas) : null;
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
      notificationsPausedUntil: areas.paused(),
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

  // Notifying a storm costs this thread neither the HTTP sends nor waits at the write lock (core/sender).
  const sender = opts.sender === 'worker' && opts.dataDir ? startSender(ctx, opts.dataDir) : null;
  const areas = wireAreas({ ctx, reloaders, sleepers, wakers }, { ...opts, decider, sender });
  const { notify, router, audit, people, agents, remote, heal, smoke, acks, heartbeat, live, loop, sleep } = areas;

  const handlers: Handlers = {
    ...areas.handlers,
    'probes.run': ({ probe }) => probeNow(ctx, probe, { http: () => router.probes, ssh: () => remote.probes }),
    ...wireFirstRun(ctx).handlers,
    'status.get': () => status(),
    'notifications.pause': ({ minutes }) => {
      areas.pause(minutes === 0 ? null : clock.now() + minutes * 60_000);
      bus.publish(Topic.status, status());
      return { pausedUntil: areas.paused() };
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
  const raw = stores.intake.raw;
  const acceptRaw = raw && decider ? rawIntakeCommitter(router.router, raw) : undefined;

  return {
    ctx,
    handlers,
    status,
    accept,
    ...(acceptRaw ? { acceptRaw } : {}),
    smoke: smoke.smoke,
    telegramCallback: (u) => (isAckData(u.callback_query?.data) ? acks.telegramCallback(u) : agents.telegramCallback(u)),
    areas: { router: router.router, heartbeat, heal: heal.heal, loop, db, decider },
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
      stores.inbox.close();
      log.info('core stopped');
      try {
        log.flush();
      } catch {
        // the async log file may not be open yet on a very short run; pino flushes on exit anyway
      }
    },
  };
}
