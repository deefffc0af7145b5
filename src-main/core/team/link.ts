import type { TeamStatus } from '../../../src-shared/desktop';
import type { TeamClient } from './client';

type Connected = Extract<TeamStatus, { mode: 'connected' }>;

export interface TeamLink {
  readonly status: Connected;
  onStatus(fn: (s: Connected) => void): () => void;
  close(): void;
}

/**
 * The connection status the desktop shows (R-TEAM-2), derived only from real
 * calls: "connected" needs the push stream open AND a `me.get` answered on it
 * (which also names the person and role); a drop of either is "disconnected"
 * (the client keeps retrying); a refused pin or token is "refused". The
 * periodic `me.get` catches a server that vanished without closing the stream.
 */
export function watchTeam(
  client: TeamClient,
  server: { url: string; pin: string },
  opts: { checkEveryMs?: number; now?: () => number } = {},
): TeamLink {
  const now = opts.now ?? Date.now;
  const fns = new Set<(s: Connected) => void>();
  let status: Connected = { mode: 'connected', ...server, state: 'connecting', person: null, reason: null, since: null };
  let closed = false;
  const set = (patch: Partial<Connected>) => {
    if (closed) return;
    status = { ...status, ...patch };
    for (const fn of fns) fn(status);
  };

  let checking = false;
  let again = false;
  const check = async (): Promise<void> => {
    if (closed) return;
    // A check asked for while one runs (the stream just reopened) runs after it: its answer may predate the stream.
    if (checking) return void (again = true);
    checking = true;
    try {
      const me = await client.call('me.get', {});
      if (me.ok) {
        const person = { name: me.value.name, role: me.value.role };
        if (client.state.state === 'connected') set({ state: 'connected', person, reason: null, since: now() });
        else set({ state: 'disconnected', person, reason: 'the push stream is reconnecting' });
      } else if (me.error.code === 'unauthorized' || me.error.code === 'forbidden') {
        set({ state: 'refused', reason: me.error.message });
      } else {
        set({ state: 'disconnected', reason: me.error.message });
      }
    } finally {
      checking = false;
    }
    if (again) {
      again = false;
      await check();
    }
  };

  const offState = client.onState((s) => {
    if (s.state === 'connected') void check();
    else if (s.state === 'down') set({ state: 'disconnected', reason: `${s.reason}; retrying in ${Math.ceil(s.retryInMs / 1000)} s` });
    else if (s.state === 'refused') set({ state: 'refused', reason: s.reason });
  });
  // The stream opens on the first subscription; status pushes keep it busy.
  const offPush = client.subscribe('status', () => {});
  const timer = setInterval(() => void check(), opts.checkEveryMs ?? 20_000);
  timer.unref();

  return {
    get status() {
      return status;
    },
    onStatus(fn) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    close() {
      closed = true;
      clearInterval(timer);
      offState();
      offPush();
    },
  };
}
