/**
 * What the SSE streams share, so a burst of consoles costs the main thread about as much as one (R-SCALE-14):
 * the frame of a published payload is made once for every open stream (the bus hands each subscriber the same
 * object), and consoles connecting within `maxAgeMs` of each other get the same first status snapshot.
 */
export function sseShare<S>(opts: { snapshot: () => S; maxAgeMs: number; now: () => number }) {
  let last: { topic: string; payload: unknown; text: string } | null = null;
  // A shared snapshot keeps its frame: each console of a burst connects in its own turn of the event loop, after
  // `last` was dropped, and would stringify the same snapshot again.
  let snap: { at: number; value: S; frame?: { topic: string; text: string } } | null = null;
  const share = {
    /** The `event:`/`data:` frame of a payload, stringified once however many streams send it. */
    frame(topic: string, payload: unknown): string {
      if (last && last.payload === payload && last.topic === topic) return last.text;
      const text = `event: ${topic}\ndata: ${JSON.stringify(payload)}\n\n`;
      // Kept for this publish only (the bus calls every subscriber synchronously): a payload object changed and
      // published again later is framed again.
      if (!last) queueMicrotask(() => (last = null));
      last = { topic, payload, text };
      return text;
    },
    /** A connecting console's first snapshot: the newest one, taken now unless one is younger than maxAgeMs. */
    snapshot(): S {
      const now = opts.now();
      if (!snap || now - snap.at > opts.maxAgeMs) snap = { at: now, value: opts.snapshot() };
      return snap.value;
    },
    /** The frame of snapshot() under `topic`, stringified once per snapshot however many consoles it is sent to. */
    snapshotFrame(topic: string): string {
      const value = share.snapshot();
      if (snap!.frame?.topic !== topic) snap!.frame = { topic, text: share.frame(topic, value) };
      return snap!.frame.text;
    },
    /** A snapshot published to every stream is the newest: the next console to connect gets it. */
    published(value: S): void {
      snap = { at: opts.now(), value };
    },
  };
  return share;
}
