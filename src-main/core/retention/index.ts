import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RetentionView } from '../../../src-shared/api/retention';
import type { CoreContext } from '../context';
import { auditArchivePath } from './archive';
import { preview, prunePass, type Counts, type PassInput, type RetentionPolicy } from './pass';
import { inboxFile, threadClient, workerScript } from '../store';

export { auditArchivePath, readArchive } from './archive';

/** How retention runs passes: on its worker thread, or inline for an in-memory database (tests). */
interface Runner {
  kind: RetentionView['runsOn'];
  preview(policy: RetentionPolicy, now: number): Promise<Counts>;
  prune(input: PassInput): Promise<Counts>;
  close(): Promise<void>;
}

function workerRunner(dbFile: string, script: { source: string; eval: boolean }): Runner {
  const thread = threadClient(script, { file: dbFile });
  return {
    kind: 'worker',
    preview: (policy, now) => thread.ask<Counts>('preview', { policy, now }),
    prune: (input) => thread.ask<Counts>('prune', { ...input }),
    close: thread.close,
  };
}

export function wireRetention(ctx: CoreContext) {
  const cfg = () => ctx.config.retention;
  const policy = (): RetentionPolicy => {
    const { interval: _i, batch: _b, ...kinds } = cfg();
    return kinds;
  };
  const dbFile = ctx.dataDir ? join(ctx.dataDir, 'vigil.db') : null;
  const script = dbFile ? workerScript(__dirname, 'worker.ts', 'retention-worker.js') : null;
  if (dbFile && !script) ctx.log.warn('retention worker script not found; pruning runs inline in small batches');
  let runner: Runner | null = null;
  const getRunner = (): Runner =>
    (runner ??=
      dbFile && script
        ? workerRunner(dbFile, script)
        : {
            kind: 'inline',
            preview: async (p, now) => preview(ctx.stores.retention, p, now),
            prune: async (input) => prunePass(ctx.stores.retention, input),
            close: async () => undefined,
          });
  let lastPass: RetentionView['lastPass'] = null;
  let running: Promise<void> | null = null;

  const pass = (): Promise<void> =>
    (running ??= (async () => {
      const now = ctx.clock.now();
      try {
        const removed = await getRunner().prune({
          policy: policy(),
          now,
          batch: cfg().batch,
          maxBatches: 200,
          archiveFile: ctx.dataDir ? auditArchivePath(ctx.dataDir) : null,
        });
        lastPass = { at: now, removed: removed as Record<string, number>, error: null };
        if (Object.values(removed).some((n) => n > 0)) ctx.log.info({ removed }, 'retention pass');
      } catch (e) {
        lastPass = { at: now, removed: {}, error: (e as Error).message };
        ctx.log.error({ err: (e as Error).message }, 'retention pass failed');
      } finally {
        running = null;
      }
    })());

  const size = (file: string | null): number | null => (file && existsSync(file) ? statSync(file).size : null);
  const sum = (xs: Array<number | null>): number | null =>
    xs.some((x) => x !== null) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : null;
  const view = async (): Promise<RetentionView> => {
    const p = policy();
    const due = await getRunner().preview(p, ctx.clock.now());
    return {
      databaseBytes: size(dbFile),
      walBytes: size(dbFile && `${dbFile}-wal`),
      inboxBytes: dbFile === null ? null : sum([size(inboxFile(dbFile)), size(`${inboxFile(dbFile)}-wal`)]),
      archiveBytes: size(ctx.dataDir && auditArchivePath(ctx.dataDir)),
      kinds: (Object.keys(p) as Array<keyof RetentionPolicy>).map((kind) => ({
        kind,
        keepMs: p[kind],
        due: p[kind] === null ? null : (due[kind] ?? 0),
      })),
      lastPass,
      runsOn: getRunner().kind,
    };
  };

  let timer: { cancel(): void } | null = null;
  const schedule = () => {
    timer = ctx.clock.setTimeout(() => void pass().finally(schedule), cfg().interval);
  };
  ctx.onStart(() => schedule());
  ctx.onStop(async () => {
    timer?.cancel();
    await running;
    await runner?.close();
  });

  return {
    pass,
    handlers: {
      'retention.get': () => view(),
      'retention.run': async () => {
        await pass();
        return view();
      },
    },
  };
}
