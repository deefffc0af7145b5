import type { TopicName, TopicPayload } from '../../src-shared/api/topics';

type Listener<T extends TopicName> = (payload: TopicPayload<T>) => void;

/** In-process push bus: the core publishes, shells forward to the renderer. */
export class Bus {
  private listeners = new Map<TopicName, Set<Listener<never>>>();
  /** Told about a subscriber that threw (the composition root logs it and raises a vigil event). */
  onError: (topic: TopicName, err: Error) => void = () => undefined;
  private reporting = false;

  publish<T extends TopicName>(topic: T, payload: TopicPayload<T>): void {
    for (const fn of this.listeners.get(topic) ?? []) {
      try {
        (fn as Listener<T>)(payload);
      } catch (e) {
        // A broken subscriber must not break the publisher, nor go unnoticed; a report that fails again is not re-reported.
        if (this.reporting) continue;
        this.reporting = true;
        try {
          this.onError(topic, e instanceof Error ? e : new Error(String(e)));
        } catch {
          // the report itself failed: nothing further can be told from here
        } finally {
          this.reporting = false;
        }
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
