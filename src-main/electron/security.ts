/**
 * The Electron shell's security decisions as plain data and functions (no
 * electron import), so they are tested under Node even though the Electron
 * binary cannot run on the build machines (R-SEC-3).
 */

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The window's webPreferences: isolated, sandboxed, no Node in any frame, no webviews. */
export function webPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    spellcheck: false,
  } as const;
}

export interface SenderFrame {
  url: string;
  /** The frame is the top frame (no parent). */
  isTop: boolean;
  /** The IPC came from our own window's webContents. */
  fromOurWindow: boolean;
}

/** Where the console is loaded from: the built index.html, or the dev server in `npm start`. */
export interface AppOrigin {
  appUrl: string;
  devUrl?: string;
}

const withoutFragment = (url: string): string => url.replace(/[?#].*$/, '');

/** Only our own top frame, showing our own page, may call the core over IPC. */
export function isTrustedFrame(f: SenderFrame, origin: AppOrigin): boolean {
  if (!f.isTop || !f.fromOurWindow) return false;
  if (withoutFragment(f.url) === withoutFragment(origin.appUrl)) return true;
  return origin.devUrl !== undefined && new URL(f.url).origin === new URL(origin.devUrl).origin;
}

/** Links the console may hand to the OS browser; everything else (file:, javascript:, custom schemes) is dropped. */
export function isExternalLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
