import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Role, PersonName, TelegramId, type Person } from '../../../src-shared/api/people';
import { createAudit } from '../../core/audit';
import { systemClock } from '../../core/clock';
import { VigilError } from '../../core/errors';
import { createPeople, type People } from '../../core/people';
import { openDatabase, sqliteStores } from '../../core/store';
import { loadOrCreateToken } from '../auth';
import { defaultDataDir } from '../paths';
import { EXIT, type Command } from './index';

const USER_USAGE =
  'vigil user add NAME --role viewer|responder|approver|admin [--telegram ID] | list | remove NAME | rotate NAME | set NAME [--role R] [--telegram ID] [--data-dir DIR]';
const INTAKE_USAGE = 'vigil intake-token add NAME | list | remove NAME [--data-dir DIR]';

/** Open the data dir's people (the running server sees changes at once: it looks tokens up per request). */
function withPeople<T>(dataDir: string | undefined, fn: (people: People, by: string) => T): T {
  const dir = resolve(dataDir ?? defaultDataDir());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { db } = openDatabase(join(dir, 'vigil.db'));
  try {
    const stores = sqliteStores(db);
    const people = createPeople(stores, {
      audit: createAudit(stores, systemClock),
      clock: systemClock,
    });
    // Adding the first person must not lock out the existing single token: it becomes `admin` first.
    people.ensureFirstAdmin(loadOrCreateToken(dir));
    return fn(people, `cli (${userInfo().username})`);
  } finally {
    db.close();
  }
}

const showToken = (kind: string, name: string, token: string) =>
  process.stdout.write(`${kind} for ${name} (shown once; only its hash is kept — store it now):\n${token}\n`);
const row = (p: Person) =>
  `${p.name.padEnd(20)} ${p.role.padEnd(10)} ${(p.telegram ? `telegram ${p.telegram}` : '').padEnd(22)} token issued ${new Date(p.tokenIssuedAt).toISOString()}`;

/** Run a sub-command body; bad input and refusals are one line on stderr and a non-zero exit. */
function guarded(usage: string, fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VigilError) {
      process.stderr.write(`${e.message}\n`);
      return e.code === 'bad_request' ? EXIT.usage : EXIT.error;
    }
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(e as Error).message}\nusage: ${usage}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

const check = <T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } },
  v: unknown,
  what: string,
): T => {
  const r = schema.safeParse(v);
  if (!r.success) throw new VigilError('bad_request', `${what}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
};

/** `vigil user …`: people and their personal tokens (R-PEOPLE-1). */
export const userCommand: Command = {
  name: 'user',
  usage: USER_USAGE,
  async run(argv) {
    return guarded(USER_USAGE, () => {
      const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { role: { type: 'string' }, telegram: { type: 'string' }, 'data-dir': { type: 'string' } },
      });
      const [sub, nameArg, ...extra] = positionals;
      if (!sub || extra.length || (sub !== 'list' && !nameArg)) throw new VigilError('bad_request', `usage: ${USER_USAGE}`);
      const name = sub === 'list' ? '' : check(PersonName, nameArg, 'NAME');
      return withPeople(values['data-dir'], (people, by) => {
        switch (sub) {
          case 'add': {
            const role = check(Role, values.role, '--role (viewer, responder, approver or admin)');
            const telegram = values.telegram === undefined ? undefined : check(TelegramId, values.telegram, '--telegram');
            const { token } = people.add({ name, role, telegram }, by);
            showToken(`Personal token (${role})`, name, token);
            return EXIT.ok;
          }
          case 'rotate':
            showToken('New personal token (the old one and its sessions no longer work)', name, people.rotate(name, by).token);
            return EXIT.ok;
          case 'remove':
            people.remove(name, by);
            process.stdout.write(`removed ${name}; their token and sessions no longer work\n`);
            return EXIT.ok;
          case 'set': {
            const role = values.role === undefined ? undefined : check(Role, values.role, '--role');
            const telegram =
              values.telegram === undefined ? undefined : values.telegram === '' ? null : check(TelegramId, values.telegram, '--telegram');
            const p = people.handlers['people.update']({ name, role, telegram }, { name: by, role: 'admin' });
            process.stdout.write(`${row(p as Person)}\n`);
            return EXIT.ok;
          }
          case 'list':
            process.stdout.write(people.list().map(row).join('\n') + '\n');
            return EXIT.ok;
          default:
            throw new VigilError('bad_request', `unknown sub-command "${sub}"; usage: ${USER_USAGE}`);
        }
      });
    });
  },
};

/** `vigil intake-token …`: tokens that may only post alerts (webhooks, Alertmanager). */
export const intakeTokenCommand: Command = {
  name: 'intake-token',
  usage: INTAKE_USAGE,
  async run(argv) {
    return guarded(INTAKE_USAGE, () => {
      const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
      const [sub, nameArg, ...extra] = positionals;
      if (!sub || extra.length || (sub !== 'list' && !nameArg)) throw new VigilError('bad_request', `usage: ${INTAKE_USAGE}`);
      return withPeople(values['data-dir'], (people, by) => {
        if (sub === 'list') {
          process.stdout.write(
            people
              .listIntake()
              .map((t) => `${t.name.padEnd(20)} created ${new Date(t.createdAt).toISOString()}`)
              .join('\n') + '\n',
          );
          return EXIT.ok;
        }
        const name = check(PersonName, nameArg, 'NAME');
        if (sub === 'add') {
          showToken('Intake token (may only post alerts)', name, people.addIntake(name, by));
          return EXIT.ok;
        }
        if (sub === 'remove') {
          if (!people.removeIntake(name, by)) throw new VigilError('not_found', `no intake token "${name}"`);
          process.stdout.write(`removed intake token ${name}\n`);
          return EXIT.ok;
        }
        throw new VigilError('bad_request', `unknown sub-command "${sub}"; usage: ${INTAKE_USAGE}`);
      });
    });
  },
};
