import { isMethodName, type ConsoleClient } from '../../../src-shared/api';
import { fail, type Result } from '../../../src-shared/result';
import type { TeamClient } from './client';

/**
 * What the desktop's window, tray and notifications talk to (R-TEAM-2): the
 * local core or, in connected mode, the team server. Both answer the same
 * ConsoleApi; `dispatch` takes an unchecked method name (from IPC).
 */
export interface Backend extends ConsoleClient {
  dispatch(method: string, input: unknown): Promise<Result<unknown>>;
  close(): Promise<void>;
}

/** The part of a core the desktop uses (structural, so this area does not import app.ts). */
export interface LocalCore {
  call: ConsoleClient['call'];
  dispatch(method: string, input: unknown): Promise<Result<unknown>>;
  ctx: { bus: { subscribe: ConsoleClient['subscribe'] } };
  stop(): Promise<void>;
}

export const localBackend = (core: LocalCore, onClose: () => Promise<void> = async () => {}): Backend => ({
  call: (m, i) => core.call(m, i),
  dispatch: (m, i) => core.dispatch(m, i),
  subscribe: (t, fn) => core.ctx.bus.subscribe(t, fn),
  async close() {
    await onClose();
    await core.stop();
  },
});

/** The team server validates and authorises every call itself; a name it does not know is refused here already. */
export const teamBackend = (client: TeamClient): Backend => ({
  call: (m, i) => client.call(m, i),
  dispatch: (m, i) =>
    isMethodName(m) ? (client.call(m, i as never) as Promise<Result<unknown>>) : Promise.resolve(fail('not_found', `no method "${m}"`)),
  subscribe: (t, fn) => client.subscribe(t, fn),
  close: async () => client.close(),
});
