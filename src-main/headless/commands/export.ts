import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTimeBound, smokeNdjson } from '../../core/smoke';
import { openDatabase, EXPORT_SPECS, exportTableChunks, tableExists, createSmokeHistoryStore } from '../../core/store';
import { defaultDataDir } from '../paths';
import { EXIT, type Command } from './index';

const KINDS = ['events', 'smoke', 'audit', 'incidents'] as const;
type Kind = (typeof KINDS)[number];
const USAGE = `vigil export <${KINDS.join('|')}> [--data-dir DIR] [--since ISO] [--until ISO]`;

/** Write with backpressure: a million rows piped to a slow reader stay in constant memory. */
function write(text: string): Promise<void> | void {
  if (!process.stdout.write(text)) return new Promise((r) => process.stdout.once('drain', () => r()));
}

/** `vigil export …`: NDJSON on stdout, one record per line, oldest first. */
export const exportCommand: Command = {
  name: 'export',
  usage: USAGE,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { 'data-dir': { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
      });
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const { positionals, values } = parsed;
    const kind = positionals[0] as Kind | undefined;
    if (positionals.length !== 1 || !kind || !KINDS.includes(kind)) {
      process.stderr.write(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    let since: number;
    let until: number;
    try {
      since = parseTimeBound('--since', values.since, 0);
      until = parseTimeBound('--until', values.until, Number.MAX_SAFE_INTEGER);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return EXIT.usage;
    }
    if (since >= until) {
      process.stderr.write('--since must be before --until\n');
      return EXIT.usage;
    }
    const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
    if (!existsSync(join(dataDir, 'vigil.db'))) {
      process.stderr.write(`no Vigil database in ${dataDir} (pass --data-dir where Vigil keeps its data)\n`);
      return EXIT.error;
    }
    const { db } = openDatabase(join(dataDir, 'vigil.db'));
    try {
      if (kind === 'smoke') {
        for await (const chunk of smokeNdjson(createSmokeHistoryStore(db), since, until)) await write(chunk);
        return EXIT.ok;
      }
      const spec = EXPORT_SPECS[kind];
      if (!tableExists(db, spec.table)) {
        process.stderr.write(`export of ${kind} is not available in this build (no ${spec.table} table)\n`);
        return EXIT.error;
      }
      for (const rows of exportTableChunks(db, spec, since, until)) await write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return EXIT.ok;
    } finally {
      db.close();
    }
  },
};
