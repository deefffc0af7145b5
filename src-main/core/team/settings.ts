import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic0600, type SecretStore } from '../config';
import { normalisePin } from './pin';

const TOKEN_SECRET = 'team-token';

/** What connected mode needs; the token is null when the keychain has none (a person must connect again). */
export interface SavedTeam {
  url: string;
  pin: string;
  token: string | null;
}

export interface TeamSettings {
  readonly file: string;
  /** null: local mode. Throws with the file's name when team.json is unusable. */
  load(): SavedTeam | null;
  save(team: { url: string; pin: string; token: string }): void;
  /** Back to local mode: the file goes, the token is blanked in the keychain. */
  clear(): void;
}

/**
 * Connected mode's settings (R-TEAM-2): `team.json` in the app's data folder
 * names the team server and its pinned fingerprint; the personal token lives
 * in the OS keychain (the desktop's SecretStore, Electron safeStorage), never
 * in the file. A token written into team.json by hand is moved into the
 * keychain at the first load and removed from the file.
 */
export function teamSettings(dir: string, secrets: SecretStore): TeamSettings {
  const file = join(dir, 'team.json');
  const write = (url: string, pin: string) => writeFileAtomic0600(file, `${JSON.stringify({ url, pin }, null, 2)}\n`);
  return {
    file,
    load() {
      if (!existsSync(file)) return null;
      let s: { url?: unknown; pin?: unknown; token?: unknown };
      try {
        s = JSON.parse(readFileSync(file, 'utf8')) as typeof s;
      } catch {
        throw new Error(`${file} is not valid JSON; connect again from Settings → Team server`);
      }
      const pin = typeof s.pin === 'string' ? normalisePin(s.pin) : null;
      if (typeof s.url !== 'string' || !pin)
        throw new Error(`${file} needs "url" (https://…) and "pin" (the fingerprint vigil serve printed)`);
      if (typeof s.token === 'string' && s.token) {
        secrets.set?.(TOKEN_SECRET, s.token);
        write(s.url, pin);
      }
      return { url: s.url, pin, token: secrets.get(TOKEN_SECRET) || null };
    },
    save({ url, pin, token }) {
      if (!secrets.set) throw new Error('this secret store cannot keep the token');
      // Keychain first: a file naming a server whose token was not stored would start in "refused".
      secrets.set(TOKEN_SECRET, token);
      write(url, pin);
    },
    clear() {
      rmSync(file, { force: true });
      // SecretStore has no delete: an empty value reads as "no token".
      if (secrets.get(TOKEN_SECRET)) secrets.set?.(TOKEN_SECRET, '');
    },
  };
}
