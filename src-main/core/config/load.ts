import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { describeZodError } from '../../../src-shared/result';
import { ConfigSchema, type Config } from './schema';

export class ConfigError extends Error {
  readonly code = 'bad_config';
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
  }
}

/** The embedded default: no hosts, desktop notifications, smoke checks on. */
export const DEFAULT_CONFIG_YAML = `# Vigil default configuration (used when no --config is given)
channels:
  - { name: desktop, type: desktop }
routes:
  - { match: {}, channels: [desktop] }
smoke: { enabled: true }
`;

/** Parse and validate YAML text; errors name the key path and what was expected. */
export function parseConfig(text: string, source = 'vigil.yaml'): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => `${source}: ${e.message}`);
    throw new ConfigError(`${source} is not valid YAML: ${issues[0]}`, issues);
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ConfigError(`${source} is invalid: ${describeZodError(parsed.error)}`, issues);
  }
  return parsed.data;
}

/**
 * Which file is the config: `--config` when given, else `<data-dir>/vigil.yaml` when it exists
 * (the example config promises this), else none (the embedded default).
 */
export function configFileFor(file: string | undefined, dataDir: string | undefined): string | undefined {
  if (file) return file;
  if (!dataDir) return undefined;
  const inDataDir = join(dataDir, 'vigil.yaml');
  return existsSync(inDataDir) ? inDataDir : undefined;
}

export function loadConfig(file?: string): { config: Config; source: string } {
  if (!file) return { config: parseConfig(DEFAULT_CONFIG_YAML, '(embedded default)'), source: '(embedded default)' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${file}: ${(e as Error).message}`, [(e as Error).message]);
  }
  return { config: parseConfig(text, file), source: file };
}
