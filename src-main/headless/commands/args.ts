import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createCore, type Core } from '../../core/app';
import { ConfigError, configFileFor, loadConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { defaultDataDir } from '../paths';
import { EXIT } from './command';

/**
 * What the sub-commands share about their command line: parsing with the
 * usage line on a refused flag, the data dir and its database, the config,
 * a short-lived local core, the API token. A problem is a CliExit: its
 * sentence goes to stderr and its code is the exit code (see `cli`).
 */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A command's body that may throw CliExit; anything else is a bug and propagates. */
export const cli =
  (fn: (argv: string[]) => Promise<number>) =>
  async (argv: string[]): Promise<number> => {
    try {
      return await fn(argv);
    } catch (e) {
      if (!(e instanceof CliExit)) throw e;
      process.stderr.write(`${e.message}\n`);
      return e.code;
    }
  };

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: O }>>;

/** node:util parseArgs (strict, positionals allowed); a refused flag is a usage error that prints the usage line. */
export function parseCommand<const O extends Options>(argv: string[], usage: string, options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new CliExit(EXIT.usage, `${(e as Error).message}\nusage: ${usage}`);
  }
}

export const usageError = (usage: string, why?: string): CliExit => new CliExit(EXIT.usage, `${why ? `${why}\n` : ''}usage: ${usage}`);

/** The data dir (--data-dir, else the default) that must already hold vigil serve's database. */
export function existingDataDir(flag: string | undefined): string {
  const dir = resolve(flag ?? defaultDataDir());
  if (!existsSync(join(dir, 'vigil.db')))
    throw new CliExit(EXIT.error, `no Vigil database in ${dir} (pass --data-dir where vigil serve keeps its data)`);
  return dir;
}

/**
 * A core on the data dir's database for one look-up (not started: no
 * probes, pollers or workers), with the config the server would load.
 * Stopped after `fn`, whatever it does.
 */
export async function withLocalCore<T>(values: { config?: string; 'data-dir'?: string }, fn: (core: Core) => Promise<T>): Promise<T> {
  const dataDir = existingDataDir(values['data-dir']);
  let config;
  try {
    config = loadConfig(configFileFor(values.config, dataDir)).config;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new CliExit(EXIT.error, e.message);
  }
  // No log file of its own: errors go to stderr.
  const core = createCore({ config, dataDir, log: createLogger(null) });
  try {
    return await fn(core);
  } finally {
    await core.stop();
  }
}

/** Command-line input arrives unchecked, like a request: the contract checks it (a refusal is a usage error). */
export async function dispatch(core: Core, method: string, input: unknown): Promise<unknown> {
  const r = await core.dispatch(method, input);
  if (r.ok) return r.value;
  throw new CliExit(r.error.code === 'bad_request' ? EXIT.usage : EXIT.error, `${r.error.code}: ${r.error.message}`);
}

/** The API token of a running vigil serve: --token, $VIGIL_TOKEN, or the token file in the data dir. */
export function apiToken(values: { token?: string; 'data-dir'?: string }): string {
  const file = join(resolve(values['data-dir'] ?? defaultDataDir()), 'token');
  const token = values.token ?? process.env.VIGIL_TOKEN ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
  if (!token) throw new CliExit(EXIT.usage, 'no API token: pass --token, set VIGIL_TOKEN, or --data-dir where vigil serve keeps its token');
  return token;
}

/** Write with backpressure: a large export piped to a slow reader stays in constant memory. */
export function write(text: string | Uint8Array): Promise<void> | void {
  if (!process.stdout.write(text)) return new Promise((r) => process.stdout.once('drain', () => r()));
}
