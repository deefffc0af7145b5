import { homedir } from 'node:os';
import { join } from 'node:path';

/** Headless default data dir: $XDG_DATA_HOME/vigil or ~/.local/share/vigil (Electron uses userData). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIGIL_DATA_DIR) return env.VIGIL_DATA_DIR;
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'vigil');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'vigil');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'vigil');
}
