import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, configFileFor, configJsonSchema, loadConfig, envName, headlessSecrets, secretSource } from '../../core/config';
import { PolicyConfigError, policyFromConfig } from '../../core/remote';
import { secretRefs } from '../../core/settings';
import { loadOrCreateToken } from '../auth';
import { defaultDataDir, readServeInfo } from '../paths';
import { EXIT, type Command } from './index';
import { cli, CliExit } from './args';
import { callServer, pinFor, refusal } from './server';

const USAGE =
  'vigil config check [--config FILE] [--data-dir DIR] | vigil config reload [--data-dir DIR] [--pin SHA256] | vigil config schema';

/**
 * `vigil config check`: validates the config the server would load (`--config`, else
 * `<data-dir>/vigil.yaml`, else the embedded default). Invalid → exit 1 with every key path;
 * referenced secrets that are unset are warnings (exit 0): the server starts, that channel waits.
 */
export const configCommand: Command = {
  name: 'config',
  usage: USAGE,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: { config: { type: 'string' }, 'data-dir': { type: 'string' }, pin: { type: 'string' } },
        allowPositionals: true,
      });
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const { positionals, values } = parsed;
    const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
    if (positionals[0] === 'reload') return cli(() => reload(dataDir, values.pin))(argv);
    if (positionals[0] === 'schema') {
      // For editors (yaml-language-server) and CI linters: the same schema the server validates with.
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return EXIT.ok;
    }
    if (positionals[0] !== 'check') {
      process.stderr.write(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const file = configFileFor(values.config, dataDir);
    let loaded;
    try {
      loaded = loadConfig(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`INVALID ${file ?? '(embedded default)'}\n`);
      for (const issue of e.issues) process.stderr.write(`  ${issue}\n`);
      return EXIT.error;
    }
    const { config, source } = loaded;
    try {
      policyFromConfig(config); // the server refuses a template that is not read-only or prints secrets: so does the check
    } catch (e) {
      if (!(e instanceof PolicyConfigError)) throw e;
      process.stderr.write(`INVALID ${file ?? '(embedded default)'}\n  remote.templates: ${e.message}\n`);
      return EXIT.error;
    }
    process.stdout.write(
      `OK ${source}: ${config.channels.length} channel(s), ${config.routes.length} route(s), ${config.hosts.length} host(s), ${config.probes.length} probe(s)\n`,
    );
    const store = headlessSecrets(dataDir);
    for (const [name, usedBy] of secretRefs(config)) {
      let state: string | null;
      try {
        state = secretSource(store, name);
      } catch (e) {
        state = null;
        process.stdout.write(`WARN secrets: ${(e as Error).message}\n`);
      }
      if (state === null) {
        process.stdout.write(`WARN secret "${name}" is not set (used by ${usedBy.join(', ')}): set it in Settings or ${envName(name)}\n`);
      }
    }
    return EXIT.ok;
  },
};

/**
 * `vigil config reload`: ask the `vigil serve` of this data dir to reload (POST /-/reload), print what it said.
 * Over TLS the certificate is pinned: --pin, else the fingerprint the server wrote into serve.json.
 */
async function reload(dataDir: string, pin: string | undefined): Promise<number> {
  const info = readServeInfo(dataDir);
  if (!info)
    throw new CliExit(EXIT.error, `no running vigil serve for ${dataDir} (no serve.json there); pass --data-dir where it keeps its data`);
  const url = new URL('/-/reload', info.url);
  const answer = await callServer(
    url,
    { method: 'POST', headers: { authorization: `Bearer ${loadOrCreateToken(dataDir)}` } },
    pinFor(url, { pin, 'data-dir': dataDir }),
  );
  if (answer.status !== 200) throw new CliExit(EXIT.error, `REFUSED ${refusal(answer)}`);
  const body = JSON.parse(answer.body) as { reload?: { at: number } };
  process.stdout.write(`RELOADED vigil serve pid ${info.pid} at ${new Date(body.reload?.at ?? Date.now()).toISOString()}\n`);
  return EXIT.ok;
}
