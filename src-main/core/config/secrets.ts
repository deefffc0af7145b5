import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretRef } from './schema';

/** Where secret values come from. The Electron shell supplies a safeStorage-backed one. */
export interface SecretStore {
  get(name: string): string | undefined;
  /** Store a secret (never echoed back). Headless: refused unless a writable backend exists. */
  set?(name: string, value: string): void;
  names(): string[];
}

export const envName = (name: string): string => `VIGIL_SECRET_${name.toUpperCase().replace(/-/g, '_')}`;

/**
 * Headless secrets: VIGIL_SECRET_<NAME> from the environment, then
 * <data-dir>/secrets.json, which must be mode 0600 (else refused).
 */
export function headlessSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretStore {
  const file = join(dataDir, 'secrets.json');
  const readFile = (): Record<string, string> => {
    let st;
    try {
      st = statSync(file);
    } catch {
      return {};
    }
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new Error(`${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`);
    }
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof data !== 'object' || data === null) throw new Error(`${file} must hold a JSON object of name → value`);
    return data as Record<string, string>;
  };
  return {
    get(name) {
      return env[envName(name)] ?? readFile()[name];
    },
    names() {
      const fromEnv = Object.keys(env)
        .filter((k) => k.startsWith('VIGIL_SECRET_'))
        .map((k) => k.slice('VIGIL_SECRET_'.length).toLowerCase());
      return [...new Set([...fromEnv, ...Object.keys(readFile())])];
    },
  };
}

export function resolveSecret(store: SecretStore, ref: SecretRef | undefined): string | undefined {
  return ref ? store.get(ref.secret) : undefined;
}
