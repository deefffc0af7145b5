import type { Config } from '../config';
import type { Collection } from '../../../src-shared/api/topics';
import { openContext, wireAreas } from '../areas';
import { settle } from '../router';
import { createLogger } from '../log';
import type { ToMain } from '../context';
import { forwardCounters } from '../metrics';
import type { DeciderData } from './protocol';

/**
 * A core in the decider role (runs on the decider worker thread): its own connection to the database file
 * and every area wired from the same config as the main thread's, so the router has all the pipeline's
 * stages (ack, noise, agents' actions, loop incidents and plans). None of the areas is started — no HTTP,
 * no senders, no scheduler, no escalation timers, no probes. It only decides, and what a decision asks of
 * those services goes to the main thread through ctx.toMain. The noise book is the one part that runs
 * here: it writes noise groups, so its flush timers are this thread's (and the main thread builds none).
 */
export function createDeciderCore(data: DeciderData, toMain: ToMain & { changed(what: Collection[]): void }) {
  const log = createLogger(data.dataDir).child({ thread: 'decider' });
  // No secrets here: nothing that decides sends, and the desktop shell's secrets are the main thread's keychain.
  const rt = openContext({
    config: data.config,
    dataDir: data.dataDir,
    log,
    secrets: { get: () => undefined, names: () => [] },
    toMain,
    writeGate: data.writeGate,
  });
  const { ctx } = rt;
  ctx.changed = (...what) => toMain.changed(what);
  // Gauges stay local (the main thread sets its own from the database).
  forwardCounters(ctx.metrics, (metric, labels, n) => toMain.count(metric, labels, n));
  const areas = wireAreas(rt, {
    dataDir: data.dataDir,
    configSource: data.configSource,
    configFile: null,
    watchConfig: false,
    desktopShownByConsole: data.desktopShownByConsole,
    decider: null,
  });
  const router = areas.router.router;
  return {
    ctx,
    router,
    /** A reload the main thread accepted: the same areas' reload steps, without a second chance to refuse. */
    async applyConfig(next: Config): Promise<void> {
      const prev = ctx.config;
      const applies = rt.reloaders.flatMap((prepare) => {
        try {
          return [prepare(next, prev)];
        } catch (e) {
          log.error({ err: e }, 'decider: a reload step refused what the main thread accepted');
          return [];
        }
      });
      ctx.config = next;
      for (const a of applies) await a?.();
    },
    async stop(): Promise<void> {
      await settle(router); // what cannot be decided now stays in the inbox for the next start
      router.stop();
      areas.router.noise?.book.stop();
      await ctx.stores.intake.close();
      await ctx.stores.reads.close();
      rt.db.close();
      ctx.stores.inbox.close();
      log.flush();
    },
  };
}
