import type { CoreContext } from '../../app';
import type { OutboxWriter } from '../../notify/types';
import type { AlertStateStore } from '../../store/alert-state';
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
export function createNoise(ctx: CoreContext, outbox: OutboxWriter, states: AlertStateStore) {
  const book = new NoiseBook(ctx, outbox, states);
  // The router invalidates its dedupe cache when a processing transaction rolls back. The book is a
  // cache of rows written in that same transaction, so it is rebuilt with it (no half-applied batch).
  const invalidate = states.invalidate.bind(states);
  states.invalidate = () => {
    invalidate();
    book.reload();
  };
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
