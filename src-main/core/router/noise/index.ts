import type { CoreContext } from '../../context';
import type { OutboxWriter } from '../../notify';
import type { AlertStateStore } from '../../store';
import { burstStage } from '../stages/burst';
import { flapStage } from '../stages/flap';
import { groupStage } from '../stages/group';
import type { Stage } from '../types';
import { NoiseBook } from './book';

/**
 * Signal over noise (R-NOISE-1..3): flap, burst and group stages sharing
 * one durable book. Their slots (router/pipeline.ts) are after `route` (they
 * need its channels) and before `outbox`, in that order: a flapping alert is
 * the flap rule's, a burst's hosts are the burst's, everything else is grouped.
 */
export function createNoise(
  ctx: CoreContext,
  outbox: OutboxWriter,
  router: { states: AlertStateStore; onRollback(fn: () => void): void; fill(stage: Stage): void },
) {
  const book = new NoiseBook(ctx, outbox, router.states);
  // The book caches rows written in the router's processing transaction: rebuilt when one rolls back (no half-applied batch).
  router.onRollback(() => book.reload());
  ctx.onStop(() => book.stop());
  // R-NOISE: the flap, burst and group slots of the pipeline, on one durable book.
  for (const s of [flapStage(book), burstStage(book), groupStage(book)]) router.fill(s);
  return { book };
}
