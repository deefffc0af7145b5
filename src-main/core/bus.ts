import type { TopicName, TopicPayload } from '../../src-shared/api/topics';

type Listener<T extends TopicName> = (payload: TopicPayload<T>) => void;

/** In-process push bus: the core publishes, shells forward to the renderer. */
export class Bus {
  private listeners = new Map<TopicName, Set<Listener<never>>>();

  publish<T extends TopicName>(topic: T, payload: TopicPayload<T>): void {
    for (const fn of this.listeners.get(topic) ?? []) {
      try {
        (fn as Listener<T>)(payload);
      } catch {
        // A broken subscriber must not break the publisher.
      }
    }
  }

  /** Every subscribe returns its unsubscribe. */
  subscribe<T extends TopicName>(topic: T, fn: Listener<T>): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }
}
