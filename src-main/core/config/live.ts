import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Collection } from '../../../src-shared/api/topics';
import type { CoreContext, ReloadPrepare } from '../context';
import { VigilError } from '../errors';
import { ConfigError, DEFAULT_CONFIG_YAML, parseConfig } from './load';

/** How a reload was asked for (shown in Settings and the audit). */
export type ReloadVia = 'sighup' | 'http' | 'console' | 'cli' | 'watch' | 'save';

export interface ReloadRecord {
  at: number;
  via: ReloadVia;
  by: string;
  ok: boolean;
  /** Refused: "field.path: reason" lines; the running config stayed in force. */
  issues: string[];
}

export interface LiveConfigDeps {
  /** The file reload reads and save writes; null: the embedded default, nothing to read. */
  file: string | null;
  reloaders: readonly ReloadPrepare[];
  /** A refused reload becomes a `vigil` event (R-ROUTE-1); an accepted one resolves it. */
  onRefused(err: Error): void;
  onAccepted(): void;
  audit?: (entry: { actor: string; action: string; subject: string; detail?: Record<string, unknown> }) => void;
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
export const RELOAD_COMPONENT = 'configuration reload';

/**
 * Live configuration (R-CHANGE-3): read the file, validate it whole, let every
 * area accept or refuse it, and only then put it in force. One reload at a time;
 * a refused file leaves the running config untouched.
 */
export function createLiveConfig(ctx: CoreContext, deps: LiveConfigDeps) {
  let chain: Promise<unknown> = Promise.resolve();
  let last: ReloadRecord | null = null;
  /** The text last put in force, and the text last tried (in force or refused): the watch acts on neither again. */
  let loadedHash: string | null = null;
  let seenHash: string | null = null;
  let watcher: FSWatcher | null = null;
  let debounce: ReturnType<typeof setTimeout> | null = null;

  const readText = (): string => {
    if (!deps.file) return DEFAULT_CONFIG_YAML;
    try {
      return readFileSync(deps.file, 'utf8');
    } catch (e) {
      // No file yet (first run in the data dir): the embedded default is what runs.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG_YAML;
      throw new ConfigError(`cannot read ${deps.file}: ${(e as Error).message}`, [`(file): ${(e as Error).message}`]);
    }
  };
  try {
    loadedHash = hash(readText());
  } catch {
    loadedHash = null;
  }

  const source = deps.file ?? '(embedded default)';
  const refuse = (issues: string[], via: ReloadVia, by: string): never => {
    last = { at: ctx.clock.now(), via, by, ok: false, issues };
    const err = new VigilError('bad_request', `${source} was refused, the running configuration stays in force: ${issues.join('; ')}`);
    ctx.log.warn({ via, by, issues }, 'configuration reload refused');
    deps.audit?.({ actor: by, action: 'config.reload_refused', subject: `config:${source}`, detail: { via, issues } });
    deps.onRefused(err);
    ctx.changed(Collection.settings);
    throw err;
  };

  async function apply(text: string, via: ReloadVia, by: string): Promise<ReloadRecord> {
    seenHash = hash(text);
    let next;
    try {
      next = parseConfig(text, source);
    } catch (e) {
      if (e instanceof ConfigError) return refuse(e.issues, via, by);
      throw e;
    }
    const prev = ctx.config;
    const applies: Array<() => void | Promise<void>> = [];
    for (const prepare of deps.reloaders) {
      try {
        const a = prepare(next, prev);
        if (a) applies.push(a);
      } catch (e) {
        return refuse([(e as Error).message], via, by);
      }
    }
    ctx.config = next;
    for (const a of applies) {
      try {
        await a();
      } catch (e) {
        // Validated and accepted: a part that fails to start is reported, the rest runs on the new config.
        deps.onRefused(e instanceof Error ? e : new Error(String(e)));
      }
    }
    loadedHash = hash(text);
    last = { at: ctx.clock.now(), via, by, ok: true, issues: [] };
    ctx.log.info({ via, by, source }, 'configuration reloaded');
    deps.audit?.({ actor: by, action: 'config.reloaded', subject: `config:${source}`, detail: { via } });
    deps.onAccepted();
    ctx.changed(Collection.settings, Collection.hosts, Collection.outbox);
    return last;
  }

  /** Serialize: a reload waits for the one before it. */
  const queued = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };

  return {
    file: deps.file,
    last: () => last,
    /** The file's text now (the embedded default when there is none yet). */
    text: (): string => readText(),
    /** Re-read the file and put it in force, or refuse it (VigilError bad_request naming the fields). */
    reload: (via: ReloadVia, by: string = via): Promise<ReloadRecord> =>
      queued(async () => {
        let text: string;
        try {
          text = readText();
        } catch (e) {
          if (e instanceof ConfigError) return refuse(e.issues, via, by);
          throw e;
        }
        return apply(text, via, by);
      }),
    /** Put a text in force that the caller has just written to the file (Settings save). */
    applyText: (text: string, via: ReloadVia, by: string): Promise<ReloadRecord> => queued(() => apply(text, via, by)),
    /** Reload when the file changes on disk (editors replace it by rename: watch the directory). */
    watch(): void {
      if (!deps.file || watcher) return;
      const name = basename(deps.file);
      try {
        watcher = watch(dirname(deps.file), (_type, changed) => {
          if (changed !== null && changed !== name) return;
          if (debounce) clearTimeout(debounce);
          debounce = setTimeout(() => {
            debounce = null;
            let text: string;
            try {
              text = readText();
            } catch {
              return;
            }
            // Our own save, a touch without a change, or a text already refused: nothing new to do.
            if (hash(text) === loadedHash || hash(text) === seenHash) return;
            void queued(() => apply(text, 'watch', 'file watch')).catch(() => undefined);
          }, 300);
        });
        watcher.on('error', (e) => ctx.log.warn({ err: e }, 'config file watch failed'));
      } catch (e) {
        ctx.log.warn({ err: e, file: deps.file }, 'cannot watch the config file; SIGHUP, POST /-/reload and Settings still reload');
      }
    },
    unwatch(): void {
      if (debounce) clearTimeout(debounce);
      watcher?.close();
      watcher = null;
    },
  };
}
export type LiveConfig = ReturnType<typeof createLiveConfig>;
