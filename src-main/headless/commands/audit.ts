import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createAudit } from '../../core/audit';
import { systemClock } from '../../core/clock';
import { auditArchivePath, readArchive } from '../../core/retention';
import { sqliteStores, openDatabase } from '../../core/store';
import { defaultDataDir } from '../paths';
import { EXIT, type Command } from './index';

const USAGE = 'vigil audit verify [--data-dir DIR]';

/** `vigil audit verify`: walk the audit hash chain; exit 0 when intact, 1 with the first broken row (R-HEAL-5). */
export const auditCommand: Command = {
  name: 'audit',
  usage: USAGE,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    if (parsed.positionals[0] !== 'verify' || parsed.positionals.length !== 1) {
      process.stderr.write(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const dir = resolve(parsed.values['data-dir'] ?? defaultDataDir());
    const file = join(dir, 'vigil.db');
    if (!existsSync(file)) {
      process.stderr.write(`no Vigil database at ${file}; pass --data-dir\n`);
      return EXIT.error;
    }
    const { db } = openDatabase(file);
    try {
      const r = createAudit(sqliteStores(db), systemClock, { archive: () => readArchive(auditArchivePath(dir)) }).verifyChain();
      if (r.ok) {
        process.stdout.write(`OK audit chain intact: ${r.rows} row(s)${existsSync(auditArchivePath(dir)) ? ' (archive + live)' : ''}\n`);
        return EXIT.ok;
      }
      process.stdout.write(`BROKEN at row ${r.firstBroken!.id}: ${r.firstBroken!.reason} (${r.rows} row(s) read)\n`);
      return EXIT.error;
    } finally {
      db.close();
    }
  },
};
