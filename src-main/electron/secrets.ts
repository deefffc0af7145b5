import { safeStorage } from 'electron';
import { existsSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../core/config';

/**
 * Secrets kept with the OS keychain via safeStorage: values are encrypted
 * before they touch disk. Linux's "basic_text" backend is plaintext in
 * disguise, so it is refused rather than trusted.
 */
export function safeStorageSecrets(userData: string): SecretStore {
  const file = join(userData, 'secrets.enc.json');
  const read = (): Record<string, string> => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {});
  const usable = (): void => {
    if (!safeStorage.isEncryptionAvailable()) throw new Error('the OS keychain is not available, so secrets cannot be stored');
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
      throw new Error('no keychain (gnome-libsecret or kwallet) found: refusing to keep secrets in plain text');
    }
  };
  return {
    get(name) {
      const enc = read()[name];
      if (!enc) return process.env[`VIGIL_SECRET_${name.toUpperCase().replace(/-/g, '_')}`];
      usable();
      return safeStorage.decryptString(Buffer.from(enc, 'base64'));
    },
    set(name, value) {
      usable();
      const all = read();
      all[name] = safeStorage.encryptString(value).toString('base64');
      // 0600 temp file, fsync, rename: never a half-written secrets file.
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, file);
    },
    names: () => Object.keys(read()),
  };
}
