import type { CoreContext } from '../context';
import { createAmPoller } from '../ingest/alertmanager-poller';
import { createHttpProbe } from '../ingest/http-probe';
import type { OutboxWriter } from '../notify/types';
import { eventHandlers } from './api';
import { createNoise } from './noise';
import { noiseHandlers } from './noise/api';
import { attachRouter } from './registry';
import { createRouter } from './router';
import { routerTiles } from './status';

export { reportFailure, reportRecovery } from './report';
export { routerOf } from './registry';
export type { Router, IntakeEvent } from './router';
export type { Stage, Decision, StageContext } from './types';
export { insertStage, defaultStages } from './stages';

/**
 * The router area: router + intake sources (Alertmanager poller, HTTP
 * probes) + ConsoleApi handlers + status tiles, started and stopped with the core.
 */
export function createRouterArea(ctx: CoreContext, outbox: OutboxWriter) {
  const router = createRouter(ctx, { outbox });
  attachRouter(ctx, router);
  // R-NOISE: flap → burst → group stages before the outbox, on one durable book.
  router.extendStages(createNoise(ctx, outbox, router).withStages);
  const poller = ctx.config.alertmanager ? createAmPoller(ctx, router, ctx.config.alertmanager) : null;
  const probes = ctx.config.probes.flatMap((p) => (p.type === 'http' ? [createHttpProbe(ctx, router, p)] : []));
  ctx.statusProviders.push(routerTiles(ctx, router));
  ctx.onStart(() => {
    const n = router.resume();
    if (n) ctx.log.info({ replayed: n }, 'processed events left in the inbox');
    poller?.start();
    probes.forEach((p) => p.start());
  });
  ctx.onStop(async () => {
    probes.forEach((p) => p.stop());
    await poller?.stop();
    await router.drain();
    router.stop();
  });
  return { router, poller, probes, handlers: { ...eventHandlers(ctx, router), ...noiseHandlers(ctx, router) } };
}
