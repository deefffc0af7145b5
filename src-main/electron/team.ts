import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../core/config';
import type { TeamConfig } from '../core/team';

const TOKEN_SECRET = 'team-token';

/**
 * Connected mode's settings (R-PEOPLE-2): `team.json` in userData names the
 * team server and its pinned fingerprint; the personal token lives in the OS
 * keychain (safeStorage). A token written into team.json by hand is moved
 * into the keychain at the first start and removed from the file.
 */
export function loadTeamConfig(userData: string, secrets: SecretStore): TeamConfig | null {
  const file = join(userData, 'team.json');
  if (!existsSync(file)) return null;
  const s = JSON.parse(readFileSync(file, 'utf8')) as { url?: string; pin?: string; token?: string };
  if (!s.url || !s.pin) throw new Error(`${file} needs "url" (https://…) and "pin" (the fingerprint vigil serve printed)`);
  if (s.token) {
    secrets.set?.(TOKEN_SECRET, s.token);
    writeFileSync(file, JSON.stringify({ url: s.url, pin: s.pin }, null, 2), { mode: 0o600 });
  }
  const token = secrets.get(TOKEN_SECRET);
  if (!token) throw new Error(`connected mode: no personal token in the keychain; add "token" to ${file} once`);
  return { url: s.url, pin: s.pin, token };
}
