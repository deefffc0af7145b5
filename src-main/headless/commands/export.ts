import { parseTimeBound, smokeNdjson } from '../../core/smoke';
import { openDatabase, EXPORT_SPECS, exportTableChunks, tableExists, createSmokeHistoryStore, smokeNdjsonChunk } from '../../core/store';
import { join } from 'node:path';
import { cli, CliExit, dispatch, existingDataDir, parseCommand, usageError, withLocalCore, write } from './args';
import { EXIT, type Command } from './command';

const KINDS = ['events', 'smoke', 'audit', 'incidents'] as const;
type Kind = (typeof KINDS)[number];
const USAGE = [
  `vigil export <${KINDS.join('|')}> [--data-dir DIR] [--since ISO] [--until ISO]`,
  'vigil export incident <id> [--format md|ndjson] [--data-dir DIR] [--config FILE]',
].join('\n  ');

/**
 * `vigil export incident <id>`: the post-incident draft in markdown (impact
 * window, changes before it, what was done, what helped, timeline) or its raw
 * records as NDJSON (R-LOOP-3), the same text the console's draft shows.
 */
async function exportIncident(positionals: string[], values: { format?: string; config?: string; 'data-dir'?: string }): Promise<number> {
  if (positionals.length !== 2) throw usageError(USAGE);
  return withLocalCore(values, async (core) => {
    const r = (await dispatch(core, 'incidents.export', { id: positionals[1], format: values.format ?? 'md' })) as { text: string };
    await write(r.text);
    return EXIT.ok;
  });
}

/** `vigil export …`: NDJSON on stdout, one record per line, oldest first. */
export const exportCommand: Command = {
  name: 'export',
  usage: USAGE,
  run: cli(async (argv) => {
    const { positionals, values } = parseCommand(argv, USAGE, {
      'data-dir': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      format: { type: 'string' },
      config: { type: 'string' },
    });
    if (positionals[0] === 'incident') return exportIncident(positionals, values);
    const kind = positionals[0] as Kind | undefined;
    if (positionals.length !== 1 || !kind || !KINDS.includes(kind)) throw usageError(USAGE);
    if (values.format !== undefined || values.config !== undefined)
      throw usageError(USAGE, `--format and --config are for export incident`);
    let since: number;
    let until: number;
    try {
      since = parseTimeBound('--since', values.since, 0);
      until = parseTimeBound('--until', values.until, Number.MAX_SAFE_INTEGER);
    } catch (e) {
      throw new CliExit(EXIT.usage, (e as Error).message);
    }
    if (since >= until) throw new CliExit(EXIT.usage, '--since must be before --until');
    const { db } = openDatabase(join(existingDataDir(values['data-dir']), 'vigil.db'));
    try {
      if (kind === 'smoke') {
        const smoke = createSmokeHistoryStore(db);
        for await (const chunk of smokeNdjson((q) => smokeNdjsonChunk(smoke, q), since, until)) await write(chunk);
        return EXIT.ok;
      }
      const spec = EXPORT_SPECS[kind];
      if (!tableExists(db, spec.table))
        throw new CliExit(EXIT.error, `export of ${kind} is not available in this build (no ${spec.table} table)`);
      for (const rows of exportTableChunks(db, spec, since, until)) await write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return EXIT.ok;
    } finally {
      db.close();
    }
  }),
};
