import type { CoreContext } from '../../context';
import type { OutboxWriter } from '../../notify';
import type { AlertStateStore } from '../../store';
import { burstStage } from '../stages/burst';
import { flapStage } from '../stages/flap';
import { groupStage } from '../stages/group';
import { insertStage } from '../stages';
import type { Stage } from '../types';
import { NoiseBook } from './book';

/**
 * Signal over noise (R-NOISE-1..3): flap, burst and group stages sharing
 * one durable book. They go after `route` (they need its channels) and
 * before `outbox`, in that order: a flapping alert is the flap rule's, a
 * burst's hosts are the burst's, everything else is grouped.
 */
export function createNoise(ctx: CoreContext, outbox: OutboxWriter, router: { states: AlertStateStore; onRollback(fn: () => void): void }) {
  const book = new NoiseBook(ctx, outbox, router.states);
  // The book caches rows written in the router's processing transaction: rebuilt when one rolls back (no half-applied batch).
  router.onRollback(() => book.reload());
  ctx.onStop(() => book.stop());
  return {
    book,
    /** `stages` with flap → burst → group inserted before `outbox`. */
    withStages(stages: Stage[]): Stage[] {
      let out = stages;
      for (const s of [flapStage(book), burstStage(book), groupStage(book)]) out = insertStage(out, s, { before: 'outbox' });
      return out;
    },
  };
}
