import type { CoreContext } from '../context';
import type { OutboxStore } from '../store';
import type { OutboxOptions } from './outbox';
import type { Channel } from './types';

/** The outbox options with their defaults filled in (alertNow stays optional). */
export type WorkerOptions = OutboxOptions & Required<Omit<OutboxOptions, 'alertNow' | 'requeue' | 'thread'>>;

/** What one channel's worker works with: the modules it is split into (delivery, settle, expiry, digests) take this. */
export interface WorkerScope {
  readonly ctx: CoreContext;
  readonly store: OutboxStore;
  readonly channel: Channel;
  readonly opts: WorkerOptions;
}
