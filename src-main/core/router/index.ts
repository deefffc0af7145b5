import type { CoreContext } from '../context';
import { createAmPoller, createHttpProbe } from '../ingest';
import type { OutboxWriter } from '../notify';
import { eventHandlers } from './api';
import { createNoise } from './noise';
import { noiseHandlers } from './noise/api';
import { failureReports } from './report';
import { createRouter, type DeciderLink } from './router';
import { routerTiles } from './status';
import { settle } from './settle';

export { failureReports, type FailureReports } from './report';
export type { Router, IntakeEvent, DeciderLink } from './router';
export { failedAgain, sourceLabel } from './router';
export { countDecided } from './decide';
export { inboxText, intakeCommitter, rawIntakeCommitter } from './group-commit';
export { settle } from './settle';
export type { Stage, Decision, StageContext } from './types';
export { PIPELINE, type StageName } from './pipeline';
export { firstRoute } from './noise/eligible';
export { incidentGroup, resolutionThread, threadOf } from './incident-key';
// Label matching shared with the alert model and the Alertmanager API (one matcher implementation, R-SEC-5).
export { compileMatchers, compileRegex, type CompiledMatcher } from './silence-matcher';
export { muteActive } from './mute-window';

/**
 * The router area: router + intake sources (Alertmanager poller, HTTP
 * probes) + ConsoleApi handlers + status tiles, started and stopped with the core.
 */
export function createRouterArea(ctx: CoreContext, outbox: OutboxWriter, decider: DeciderLink | null = null) {
  const router = createRouter(ctx, { outbox, decider });
  const reports = failureReports(ctx.log, router);
  // R-NOISE: fills the flap, burst and group slots of the pipeline. Its book flushes on timers, so only the
  // thread that decides builds one (two books would send each group's flush twice).
  const noise = decider ? null : createNoise(ctx, outbox, router);
  let poller = ctx.config.alertmanager ? createAmPoller(ctx, router, reports, ctx.config.alertmanager) : null;
  let probes = ctx.config.probes.flatMap((p) => (p.type === 'http' ? [createHttpProbe(ctx, router, reports, p)] : []));
  let started = false;
  // Live reload: changed or new probes (and a changed Alertmanager source) restart; unchanged ones keep their state.
  ctx.onReload((next, prev) => async () => {
    const before = new Map(prev.probes.map((p, i) => [JSON.stringify(p), probes.find((x) => x.name === prev.probes[i]!.name)]));
    const kept = new Set<unknown>();
    probes = next.probes.flatMap((p) => {
      if (p.type !== 'http') return [];
      const same = before.get(JSON.stringify(p));
      if (same) return [(kept.add(same), same)];
      const fresh = createHttpProbe(ctx, router, reports, p);
      if (started) fresh.start();
      return [fresh];
    });
    for (const old of before.values()) if (old && !kept.has(old)) old.stop();
    if (JSON.stringify(next.alertmanager) !== JSON.stringify(prev.alertmanager)) {
      await poller?.stop();
      poller = next.alertmanager ? createAmPoller(ctx, router, reports, next.alertmanager) : null;
      if (started) poller?.start();
    }
  });
  ctx.statusProviders.push(routerTiles(ctx, router));
  ctx.metrics.decidingFailingFrom(() => router.failing() !== null);
  ctx.onStart(async () => {
    // With a decider worker, the start-up replay is its: wait for it, so resolutions still in the inbox cancel
    // their escalation chains before the escalator starts (as the inline replay below does) — unless it fails.
    // An empty inbox has nothing to replay: the ready line does not wait for the thread to load the core.
    if (decider && router.inbox().count > 0) await settle(router);
    const n = router.resume();
    if (n) ctx.log.info({ replayed: n }, 'processed events left in the inbox');
    started = true;
    poller?.start();
    probes.forEach((p) => p.start());
  });
  // Sleep and wake (issue 18.6): probes and the poller stop; on waking each probe checks at once and the poller polls.
  ctx.onSleep(async () => {
    probes.forEach((p) => p.pause());
    await poller?.stop();
  });
  ctx.onWake(async () => {
    if (!started) return [];
    poller?.start();
    const ran = await Promise.all(probes.map(async (p) => `${p.name} ${(await p.wake()).ok ? 'ok' : 'failing'}`));
    return ran.length ? [`HTTP probes checked again: ${ran.join(', ')}`] : [];
  });
  ctx.onStop(async () => {
    started = false;
    probes.forEach((p) => p.stop());
    await poller?.stop();
    if ((await settle(router)) === 'failing') {
      const { count } = router.inbox();
      ctx.log.warn({ waiting: count }, 'stopping while deciding fails: what waits stays in the inbox for the next start');
    }
    router.stop();
  });
  return {
    router,
    reports,
    noise,
    get poller() {
      return poller;
    },
    /** HTTP probes in force (they follow reloads); "Probe now" runs one by name. */
    get probes() {
      return probes;
    },
    handlers: { ...eventHandlers(ctx, router), ...noiseHandlers(ctx, router) },
  };
}
export { eventId } from './ids';
export { formatMessage } from './message';
export { labelsMatch } from './mute-window';
export { createNoise } from './noise';
export { createRouter } from './router';
export { matchLabels } from './silence-matcher';
export { notificationKey } from './stages/outbox';
export { hold, trace } from './types';
