import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createCore, type Core, type CoreOptions } from '../app';
import { ConfigSchema } from '../config';
import { createLogger } from '../log';

// Test support for crash, replay and upgrade tests of intake (group-commit, intake-inbox, inbox-file tests).

/** Every event routed to the desktop channel. */
const config = ConfigSchema.parse({ channels: [{ name: 'desktop', type: 'desktop' }], routes: [{ channels: ['desktop'] }] });

export interface CoreBed {
  /** A fresh data dir, removed after the file. */
  tempDir(): string;
  /** A core (not started) on `dir`, as `vigil serve` opens it again after a crash; stopped after the file if still open. */
  open(dir: string, o?: Pick<CoreOptions, 'clock' | 'decider'>): Core;
  /** "Crash": the database goes away under the core before its deciding pass ran; only the inbox holds what it acknowledged. */
  crash(core: Core): Promise<void>;
}

/** Cores on real data dirs, opened one after another: what one test file's crash and restart tests share. */
export function useCoreBed(prefix: string): CoreBed {
  const dirs: string[] = [];
  const cores: Core[] = [];
  afterAll(async () => {
    for (const c of cores) if (c.areas.db.open) await c.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempDir() {
      const d = mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
      dirs.push(d);
      return d;
    },
    open(dir, o = {}) {
      const core = createCore({ config, dataDir: dir, log: createLogger(null), secrets: { get: () => undefined, names: () => [] }, ...o });
      cores.push(core);
      return core;
    },
    async crash(core) {
      core.areas.db.close();
      await new Promise((r) => setImmediate(r));
    },
  };
}
