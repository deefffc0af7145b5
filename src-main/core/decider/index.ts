import type { Counter } from 'prom-client';
import type { CoreContext } from '../context';
import type { Metrics } from '../metrics';
import type { Areas } from '../areas';
import { Collection } from '../../../src-shared/api/topics';
import { countDecided } from '../router';
import { deciderThread, type DeciderThread, type Report, type RestartPolicy } from './client';

export type { DeciderThread, RestartPolicy } from './client';
export { DECIDER_THREAD_NAME } from './protocol';

/**
 * The main thread's half of the decider role (docs/architecture.md "Threads"): start the decider worker on the
 * same database file and config, and carry out each report it posts after a commit — batches no longer queued,
 * metrics into this thread's registry (/metrics), senders kicked, escalations armed, plans proposed, AI
 * follow-ups started, views told. Reloads accepted here are posted to it. Null when the worker script is missing.
 */
export function startDecider(
  ctx: CoreContext,
  opts: { dataDir: string; configSource?: string; desktopShownByConsole?: boolean; deciderRestart?: RestartPolicy },
  areas: () => Areas,
): DeciderThread | null {
  const data = {
    config: ctx.config,
    dataDir: opts.dataDir,
    configSource: opts.configSource,
    desktopShownByConsole: opts.desktopShownByConsole,
    writeGate: ctx.stores.writeGate.sab,
  };
  const thread = deciderThread(
    data,
    ctx.log,
    {
      report: onReport,
      restarted() {
        ctx.metrics.deciderRestarts.inc();
        // The thread that ended may have committed a decision and died before posting its report: look again.
        const a = areas();
        for (const ch of ctx.config.channels) a.notify.outbox.kick(ch.name);
        a.acks.escalator.kick();
        ctx.changed(Collection.events);
      },
    },
    opts.deciderRestart,
  );
  function onReport(r: Report): void {
    const a = areas();
    a.router.router.decided(r.seqs);
    for (const m of r.metrics) countDecided(ctx.metrics, m);
    for (const ch of r.channels) a.notify.outbox.kick(ch);
    if (r.escalate) a.acks.escalator.kick();
    for (const id of r.propose) a.loop.proposeFor(id);
    for (const job of r.followUps) a.router.router.followUp(job);
    for (const c of r.counted) (ctx.metrics[c.metric as keyof Metrics] as Counter).inc(c.labels, c.n);
    if (r.changed.length) ctx.changed(...r.changed);
    if (r.synced) ctx.stores.intake.prune(r.synced); // by the intake thread, never the niced decider (R-INBOX-3)
  }
  if (!thread) {
    ctx.log.warn('decider worker script not found; deciding on the main thread');
    return null;
  }
  ctx.stores.writeGate.mode = 'announce'; // the decider commits back to back now: this thread's writes go first, never sleep behind it
  ctx.onReload((next) => () => thread.config(next));
  // Registered before the areas, so stopped after them: the router's stop has drained the inbox by then.
  ctx.onStop(() => thread.stop());
  return thread;
}
