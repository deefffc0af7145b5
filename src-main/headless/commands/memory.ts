import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createCore } from '../../core/app';
import { ConfigError, configFileFor, loadConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { defaultDataDir } from '../paths';
import { EXIT, type Command } from './index';

const USAGE = 'vigil memory search "<query>" [--mode auto|semantic|keyword] [--limit N] [--data-dir DIR] [--config FILE]';

/** `vigil memory search`: OpenClaw recall from the shell, one JSON object per line (best first). */
export const memoryCommand: Command = {
  name: 'memory',
  usage: USAGE,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          config: { type: 'string' },
          'data-dir': { type: 'string' },
          mode: { type: 'string', default: 'auto' },
          limit: { type: 'string', default: '10' },
        },
      });
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const { positionals, values } = parsed;
    if (positionals[0] !== 'search' || positionals.length !== 2) {
      process.stderr.write(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
    let config;
    try {
      config = loadConfig(configFileFor(values.config, dataDir)).config;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`${e.message}\n`);
      return EXIT.error;
    }
    if (!existsSync(join(dataDir, 'vigil.db'))) {
      process.stderr.write(`no Vigil database in ${dataDir} (pass --data-dir where vigil serve keeps its data)\n`);
      return EXIT.error;
    }
    // A read-only look-up: no log file of its own (errors go to stderr).
    const core = createCore({ config, dataDir, log: createLogger(null) });
    try {
      // Command-line arguments arrive unchecked, like a request: the contract checks them (a bad one is a usage error).
      const r = await core.dispatch('memory.search', { query: positionals[1], mode: values.mode, limit: Number(values.limit) });
      if (!r.ok) {
        process.stderr.write(`${r.error.code}: ${r.error.message}\n`);
        return r.error.code === 'bad_request' ? EXIT.usage : EXIT.error;
      }
      const { used, note, results } = r.value as {
        used: string;
        note: string | null;
        results: Array<{ insight: unknown; score: number; via: string[] }>;
      };
      if (note) process.stderr.write(`note: ${note}\n`);
      results.forEach((h, k) =>
        process.stdout.write(`${JSON.stringify({ rank: k + 1, used, score: h.score, via: h.via, insight: h.insight })}\n`),
      );
      return EXIT.ok;
    } finally {
      await core.stop();
    }
  },
};
