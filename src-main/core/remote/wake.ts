import type { Clock, TimerHandle } from '../clock';
import type { SshPool } from './pool';
import type { SshProbes } from './probes';

/** A host that failed its check on waking is checked once more this much later: Wi-Fi often comes back after the wake. */
export const WAKE_RECHECK_MS = 20_000;

/**
 * What the remote area does when the machine wakes (issue 18.6): the connections opened before the sleep are dropped,
 * every host is checked at once (the console's host states become the post-wake ones) and the SSH probes run.
 * Returns the lines for the "asleep" event.
 */
export function remoteWaker(d: { pool: SshPool; hosts: () => string[]; probes: () => SshProbes; clock: Clock; changed: () => void }) {
  const retries = new Set<TimerHandle>();
  const check = (name: string) =>
    d.pool.check(name).then(
      () => ({ name, ok: true, line: `${name} reachable` }),
      (e: unknown) => ({ name, ok: false, line: (e as Error).message }),
    );
  return {
    async wake(): Promise<string[]> {
      const dropped = d.pool.dropAll();
      const [checked, ran] = await Promise.all([Promise.all(d.hosts().map(check)), d.probes().wake()]);
      d.changed();
      for (const h of checked.filter((c) => !c.ok)) {
        const t = d.clock.setTimeout(() => {
          retries.delete(t);
          void check(h.name).then(d.changed);
        }, WAKE_RECHECK_MS);
        retries.add(t);
      }
      return [
        dropped.length ? `SSH connections reopened: ${dropped.join(', ')}` : '',
        checked.length ? `Hosts checked again: ${checked.map((c) => c.line).join('; ')}` : '',
        checked.some((c) => !c.ok) ? `Hosts that did not answer are checked once more ${WAKE_RECHECK_MS / 1000} s later` : '',
        ran.length ? `SSH probes ran again: ${ran.map((r) => `${r.name} ${r.ok ? 'ok' : 'failing'}`).join(', ')}` : '',
      ].filter(Boolean);
    },
    /** Asleep again or stopping: no pending re-check. */
    cancel(): void {
      for (const t of retries) t.cancel();
      retries.clear();
    },
  };
}
