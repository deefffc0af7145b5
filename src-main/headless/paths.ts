import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Headless default data dir: $XDG_DATA_HOME/vigil or ~/.local/share/vigil (Electron uses userData). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIGIL_DATA_DIR) return env.VIGIL_DATA_DIR;
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'vigil');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'vigil');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'vigil');
}

/** What a running `vigil serve` leaves in its data dir so `vigil config reload` can find it. */
export interface ServeInfo {
  pid: number;
  url: string;
  /** Over TLS: the certificate's SHA-256 fingerprint, so the CLI on this machine can pin it (R-PEOPLE-2). */
  fingerprint?: string;
}
const serveFile = (dataDir: string): string => join(dataDir, 'serve.json');

export function writeServeInfo(dataDir: string, info: ServeInfo): void {
  writeFileSync(serveFile(dataDir), `${JSON.stringify(info)}\n`, { mode: 0o600 });
}
export function removeServeInfo(dataDir: string): void {
  rmSync(serveFile(dataDir), { force: true });
}
export function readServeInfo(dataDir: string): ServeInfo | null {
  try {
    const v = JSON.parse(readFileSync(serveFile(dataDir), 'utf8')) as Partial<ServeInfo>;
    if (typeof v.pid !== 'number' || typeof v.url !== 'string') return null;
    return { pid: v.pid, url: v.url, ...(typeof v.fingerprint === 'string' ? { fingerprint: v.fingerprint } : {}) };
  } catch {
    return null;
  }
}
