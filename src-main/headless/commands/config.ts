import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../core/config/load';
import { EXIT, type Command } from './index';

export const configCommand: Command = {
  name: 'config',
  usage: 'vigil config check [--config FILE]',
  async run(argv) {
    const { positionals, values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, allowPositionals: true });
    if (positionals[0] !== 'check') {
      process.stderr.write(`usage: ${this.usage}\n`);
      return EXIT.usage;
    }
    try {
      const { config, source } = loadConfig(values.config);
      process.stdout.write(
        `OK ${source}: ${config.channels.length} channel(s), ${config.routes.length} route(s), ${config.hosts.length} host(s), ${config.probes.length} probe(s)\n`,
      );
      return EXIT.ok;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`INVALID ${values.config ?? '(embedded default)'}\n`);
      for (const issue of e.issues) process.stderr.write(`  ${issue}\n`);
      return EXIT.error;
    }
  },
};
