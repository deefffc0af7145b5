import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, configFileFor, loadConfig, envName, headlessSecrets, secretSource } from '../../core/config';
import { PolicyConfigError, policyFromConfig } from '../../core/remote';
import { secretRefs } from '../../core/settings';
import { defaultDataDir } from '../paths';
import { EXIT, type Command } from './index';

const USAGE = 'vigil config check [--config FILE] [--data-dir DIR]';

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
      parsed = parseArgs({ args: argv, options: { config: { type: 'string' }, 'data-dir': { type: 'string' } }, allowPositionals: true });
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const { positionals, values } = parsed;
    if (positionals[0] !== 'check') {
      process.stderr.write(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
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
