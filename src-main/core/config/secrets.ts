import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretRef } from './schema';

/** Where a secret's value comes from, as the console shows it (never the value). */
export type SecretSource = 'env' | 'file' | 'keychain';

/** Where secret values come from. The Electron shell supplies a safeStorage-backed one. */
export interface SecretStore {
  get(name: string): string | undefined;
  /** Store a secret (never echoed back). Headless: refused unless a writable backend exists. */
  set?(name: string, value: string): void;
  names(): string[];
  /** Where the value in effect comes from; null when unset. Stores without it are the desktop keychain (see secretSource). */
  source?(name: string): SecretSource | null;
}

export const envName = (name: string): string => `VIGIL_SECRET_${name.toUpperCase().replace(/-/g, '_')}`;

/** Write `text` to `file` so that a reader sees the old or the new file, never a half: 0600 temp file, fsync, rename. */
export function writeFileAtomic0600(file: string, text: string): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  // 'wx': never follow or reuse a file someone else left at the temp path.
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  // The rename must reach the disk too: fsync the directory (not possible on Windows).
  if (process.platform !== 'win32') {
    const dir = openSync(join(file, '..'), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}

/**
 * Headless secrets: VIGIL_SECRET_<NAME> from the environment, then
 * <data-dir>/secrets.json, which must be mode 0600 (else refused).
 * set() writes secrets.json atomically with mode 0600.
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
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      // Not the parser's message: it quotes the file's text, which holds secrets.
      throw new Error(`${file} is not valid JSON; fix or remove it`);
    }
    if (typeof data !== 'object' || data === null) throw new Error(`${file} must hold a JSON object of name → value`);
    return data as Record<string, string>;
  };
  return {
    get(name) {
      const all = readFile();
      return env[envName(name)] ?? (Object.hasOwn(all, name) ? all[name] : undefined); // never Object.prototype's
    },
    source(name) {
      if (env[envName(name)] !== undefined) return 'env';
      return Object.hasOwn(readFile(), name) ? 'file' : null;
    },
    set(name, value) {
      // readFile() refuses a file with looser permissions than 0600: it is not rewritten then either.
      const all = { ...readFile(), [name]: value };
      writeFileAtomic0600(file, `${JSON.stringify(all, null, 2)}\n`);
    },
    names() {
      const fromEnv = Object.keys(env)
        .filter((k) => k.startsWith('VIGIL_SECRET_'))
        .map((k) => k.slice('VIGIL_SECRET_'.length).toLowerCase());
      return [...new Set([...fromEnv, ...Object.keys(readFile())])];
    },
  };
}

/**
 * Where a secret comes from. A store that does not say is the desktop
 * keychain store, which falls back to the environment when it holds no value.
 */
export function secretSource(store: SecretStore, name: string, env: NodeJS.ProcessEnv = process.env): SecretSource | null {
  if (store.source) return store.source(name);
  if (store.names().includes(name)) return 'keychain';
  return env[envName(name)] !== undefined ? 'env' : null;
}

export function resolveSecret(store: SecretStore, ref: SecretRef | undefined): string | undefined {
  return ref ? store.get(ref.secret) : undefined;
}
