/** A stop request from the process's supervisor (systemd, a shell, a test harness). */
export interface StopSignal {
  /** Resolves with the first SIGINT/SIGTERM received. */
  readonly received: Promise<NodeJS.Signals>;
  /** Remove the handlers; call only once the stop has finished. */
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Install the stop handlers at once, before anything is announced: a
 * supervisor may signal the moment it reads the ready line, and a signal
 * that arrives before a handler exists kills the process without a clean
 * stop (R-SEC-6). Later signals during the stop are absorbed so that the
 * stop is not cut short half-way.
 */
export function listenForStop(onRepeat: (sig: NodeJS.Signals) => void = () => {}): StopSignal {
  let first: NodeJS.Signals | undefined;
  let resolve!: (sig: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (sig: NodeJS.Signals) => {
    if (first) return onRepeat(sig);
    first = sig;
    resolve(sig);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return { received, dispose: () => SIGNALS.forEach((s) => process.off(s, handler)) };
}
