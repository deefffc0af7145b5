import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../core/config';
import { PolicyConfigError, policyFromConfig } from '../../core/remote';
import { EXIT, type Command } from './index';

const USAGE = 'vigil policy check [--config FILE] [--host NAME] -- "<command string>"';

/** `vigil policy check`: the diagnostic policy's verdict for a command, without running anything (R-HEAL-1). */
export const policyCommand: Command = {
  name: 'policy',
  usage: USAGE,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' }, host: { type: 'string' } } });
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const { positionals, values } = parsed;
    if (positionals[0] !== 'check' || positionals.length < 2) {
      process.stderr.write(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const command = positionals.slice(1).join(' ');
    let config;
    let policy;
    try {
      config = loadConfig(values.config).config;
      policy = policyFromConfig(config);
    } catch (e) {
      if (!(e instanceof ConfigError) && !(e instanceof PolicyConfigError)) throw e;
      process.stderr.write(`${e.message}\n`);
      return EXIT.error;
    }
    let tags: string[] | undefined;
    if (values.host !== undefined) {
      const h = config.hosts.find((x) => x.name === values.host);
      if (!h) {
        process.stdout.write(`DENY no host named "${values.host}" in the config\n`);
        return EXIT.denied;
      }
      tags = h.tags;
    }
    const v = policy.check(command, tags);
    if (v.allowed) {
      process.stdout.write(`ALLOW ${v.templateId}\n`);
      return EXIT.ok;
    }
    process.stdout.write(`DENY ${v.reason}\n`);
    return EXIT.denied;
  },
};
