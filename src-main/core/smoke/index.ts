import type { CoreContext } from '../context';
import { createScheduler } from '../scheduler';
import { humanDuration } from '../duration';
import type { OutboxWriter } from '../notify';
import { sourcesFrom, type AreaReaders } from './area-sources';
import { smokeHandlers } from './handlers';
import { agentOutcomesFromMetrics } from './metrics-source';
import { createSmoke, type SmokeAudit } from './service';
import type { SmokeSources } from './sources';

export type { SmokeSources } from './sources';
export type { AreaReaders } from './area-sources';
export type { Smoke, SmokeAudit } from './service';
export { parseTimeBound } from './export';

export interface SmokeWiring {
  /** Read-only views of the other areas; those left out report "not configured". */
  readers?: AreaReaders;
  /** Overrides of individual sources (tests). */
  sources?: SmokeSources;
  outbox?: () => OutboxWriter | null;
  audit?: () => SmokeAudit | null;
  /** A scheduled job threw: make it a `vigil` event (router's reportFailure). */
  onJobError?: (job: string, err: unknown) => void;
}

/** The jobs a person would miss, as the "asleep" event names them (housekeeping such as pruning catches up unnamed). */
const JOB_LABELS: Record<string, string> = {
  'smoke.run': 'Self-checks',
  'smoke.summary': 'The daily self-check summary',
};

/** Build the smoke area on the core context: service, schedule, status tiles, handlers. */
export function wireSmoke(ctx: CoreContext, w: SmokeWiring = {}) {
  const scheduler = createScheduler({
    clock: ctx.clock,
    log: ctx.log,
    onError: w.onJobError ?? ((job, err) => ctx.log.error({ job, err }, 'scheduled job failed')),
  });
  const smoke = createSmoke({
    config: ctx.config,
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
    store: ctx.stores.smoke,
    exportChunks: ctx.stores.reads.smokeChunk,
    sources: {
      ...sourcesFrom(ctx.config, w.readers ?? {}, () => ctx.clock.now()),
      agentOutcomes: agentOutcomesFromMetrics(ctx.metrics, ctx.clock),
      ...w.sources,
    },
    scheduler,
    transaction: ctx.stores.transaction,
    outbox: w.outbox ?? (() => null),
    audit: w.audit ?? (() => null),
    changed: ctx.changed,
  });
  ctx.statusProviders.push(() => smoke.tiles());
  ctx.onStart(() => smoke.start());
  ctx.onStop(() => scheduler.stop());
  // Asleep, no job fires; on waking each one that fell due runs once, and the "asleep" event says how late (issue 18.6).
  ctx.onSleep(() => scheduler.pause());
  ctx.onWake(() =>
    scheduler.wake().flatMap(({ job, lateMs }) => (JOB_LABELS[job] ? [`${JOB_LABELS[job]} ran ${humanDuration(lateMs)} late`] : [])),
  );
  return { smoke, scheduler, handlers: smokeHandlers(smoke) };
}
export { smokeNdjson } from './export';
