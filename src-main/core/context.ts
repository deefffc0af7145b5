import type { StatusTile } from '../../src-shared/api/system';
import { Topic, type Collection } from '../../src-shared/api/topics';
import { Bus } from './bus';
import type { Clock } from './clock';
import type { Config, SecretStore } from './config';
import type { Logger } from './log';
import type { Buckets, Metrics } from './metrics';
import type { EventRecord, Stores } from './store';
import type { TriageResult } from '../../src-shared/domain';

/**
 * What every feature area gets from the composition root (app.ts). It lives
 * below the areas so that no area imports app.ts, which imports every area.
 */
export interface CoreContext {
  config: Config;
  dataDir: string | null;
  /** Every repository, built once; one transaction() over all of them. Areas reach the database only through these. */
  stores: Stores;
  clock: Clock;
  log: Logger;
  bus: Bus;
  metrics: Metrics;
  secrets: SecretStore;
  fetch: typeof fetch;
  /**
   * Set only in the decider role (the core on the decider worker thread, docs/architecture.md "Threads"):
   * what a decision asks of services that live on the main thread is posted there instead of run here.
   */
  toMain: ToMain | null;
  /** Feature areas register status tiles here (Overview, tray, smoke). */
  statusProviders: Array<() => StatusTile[]>;
  /** Ask the shells to refresh views showing these collections. */
  changed(...what: Collection[]): void;
  /** Feature lifecycle: started in registration order, stopped in reverse. */
  onStart(fn: () => void | Promise<void>): void;
  onStop(fn: () => void | Promise<void>): void;
  /**
   * Live reload (R-CHANGE-3), two phases so a refusal changes nothing: every area's
   * `prepare(next, prev)` runs first and may throw to refuse (with the field and reason);
   * only when all accept is ctx.config swapped and each returned `apply` run.
   */
  onReload(prepare: ReloadPrepare): void;
  /**
   * Sleep and wake (issue 18.6): before the machine suspends an area stops its timers; on waking it catches up once
   * (what fell due runs now, marked late; connections reopen) and may say what it did, for the "asleep" event.
   */
  onSleep(fn: (at: number) => void | Promise<void>): void;
  onWake(fn: (w: Wake) => void | string[] | Promise<void | string[]>): void;
}

/** What the decider thread hands the main thread (posted in one report after each commit). */
export interface ToMain {
  /** Outbox rows were queued for this channel: its sender looks (senders run on the main thread). */
  kickChannel(channel: string): void;
  /** An escalation step was armed: the escalator (main thread) re-arms its timer. */
  kickEscalator(): void;
  /** A notified firing alert may get a rule plan: ElephantAlpha proposes it on the main thread. */
  propose(eventId: string): void;
  /** AI triage after the first notification (NemoTron, its SSH tools and memory search live on the main thread). */
  followUp(job: FollowUpJob): void;
  /** Intake batches decided and committed, with the router metrics they count (main's registry serves /metrics). */
  decided(seqs: number[], m: DecidedMetrics): void;
  /** Inbox rows through this seq are decided and fsynced in vigil.db: the main thread has the intake's writer delete them. */
  synced(seq: number): void;
  /** A counter another area's stage bumped while deciding (safe actions, AutoHeal refusals): counted on the main thread. */
  count(metric: string, labels: Record<string, string>, n: number): void;
  /** Deciding failed (and how, since when), or works again (null): posted at once, the status page shows it. */
  failing(f: DecidingFailure | null): void;
}

/** Deciding fails and nothing has committed since: the status page and /metrics say intake is not being decided. */
export interface DecidingFailure {
  /** The first failure of this run (epoch ms). */
  since: number;
  /** What went wrong, as a sentence fit to show (the last failure's first line, credentials masked). */
  error: string;
  /** Failed attempts since (a decider thread that ended: how many threads in a row ended). */
  attempts: number;
}

export interface FollowUpJob {
  ev: EventRecord;
  hermes: TriageResult;
  channels: string[];
}

/**
 * Router metrics of one commit: events by source and result, dispatch latencies (s) counted into
 * `vigil_router_dispatch_seconds`' buckets (DISPATCH_BUCKETS: a few numbers a commit, not one an event), Hermes triages.
 */
export interface DecidedMetrics {
  events: Array<{ source: string; result: string; n: number }>;
  dispatch: Buckets;
  triaged: number;
}

/** A wake-up: asleep from `from` to `to` (epoch ms); `span` is "02:10 to 06:45 UTC" for messages. */
export interface Wake {
  from: number;
  to: number;
  span: string;
}

/** An area's part of a reload: throw to refuse; return what to do once the new config is in force. */
export type ReloadPrepare = (next: Config, prev: Config) => void | (() => void | Promise<void>);

export type ContextParts = Omit<
  CoreContext,
  'bus' | 'statusProviders' | 'changed' | 'onStart' | 'onStop' | 'onReload' | 'onSleep' | 'onWake' | 'toMain'
> & { toMain?: ToMain | null };

/** The context plus what only the composition root drives: lifecycle hooks and the pending change push. */
export interface ContextRuntime {
  ctx: CoreContext;
  starters: Array<() => void | Promise<void>>;
  stoppers: Array<() => void | Promise<void>>;
  reloaders: ReloadPrepare[];
  sleepers: Array<Parameters<CoreContext['onSleep']>[0]>;
  wakers: Array<Parameters<CoreContext['onWake']>[0]>;
  /** Cancel a change push still waiting (on stop). */
  cancelChanged(): void;
}

export function createContext(parts: ContextParts): ContextRuntime {
  const bus = new Bus();
  const starters: ContextRuntime['starters'] = [];
  const stoppers: ContextRuntime['stoppers'] = [];
  const reloaders: ReloadPrepare[] = [];
  const sleepers: ContextRuntime['sleepers'] = [];
  const wakers: ContextRuntime['wakers'] = [];
  let changedPending = new Set<Collection>();
  let changedTimer: { cancel(): void } | null = null;
  const ctx: CoreContext = {
    ...parts,
    toMain: parts.toMain ?? null,
    bus,
    statusProviders: [],
    // Coalesce change pushes into one batch per 100 ms so a storm does not flood the renderer.
    changed(...what) {
      for (const w of what) changedPending.add(w);
      if (changedTimer) return;
      changedTimer = parts.clock.setTimeout(() => {
        changedTimer = null;
        const batch = [...changedPending];
        changedPending = new Set();
        bus.publish(Topic.changed, { what: batch });
      }, 100);
    },
    onStart: (fn) => void starters.push(fn),
    onStop: (fn) => void stoppers.push(fn),
    onReload: (fn) => void reloaders.push(fn),
    onSleep: (fn) => void sleepers.push(fn),
    onWake: (fn) => void wakers.push(fn),
  };
  return { ctx, starters, stoppers, reloaders, sleepers, wakers, cancelChanged: () => changedTimer?.cancel() };
}
