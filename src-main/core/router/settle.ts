import type { Router } from './router';

/**
 * The drain of start-up and shutdown: wait until everything acknowledged is decided — but not while deciding
 * fails (or the decider thread is down). What is left then stays in the durable inbox and is decided at the
 * next start: a broken database must not keep `vigil serve` from starting (its status page says what is wrong)
 * or from stopping on SIGTERM.
 */
export function settle(router: Pick<Router, 'drain' | 'failing'>, pollMs = 200): Promise<'drained' | 'failing'> {
  if (router.failing()) return Promise.resolve('failing');
  return new Promise((resolve) => {
    const look = setInterval(() => {
      if (!router.failing()) return;
      clearInterval(look);
      resolve('failing');
    }, pollMs);
    void router.drain().then(() => {
      clearInterval(look);
      resolve('drained');
    });
  });
}
