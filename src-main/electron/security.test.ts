import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSP, isExternalLink, isTrustedFrame, webPreferences } from './security';

const origin = { appUrl: 'file:///opt/Vigil/resources/app.asar/out/renderer/index.html' };

describe('Electron shell security (R-SEC-3)', () => {
  it('R-SEC-3: the window is isolated and sandboxed, with no Node in any frame and no webviews', () => {
    expect(webPreferences('/p/preload.cjs')).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
    });
  });

  it('R-SEC-3: the CSP allows only our own scripts and connections, no eval, no plugins, no framing', () => {
    const directive = (name: string) =>
      CSP.split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith(`${name} `));
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('connect-src')).toBe("connect-src 'self'");
    expect(directive('object-src')).toBe("object-src 'none'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(CSP).not.toMatch(/unsafe-eval/);
    // The page's own meta CSP (what the headless shell serves) is no looser for scripts.
    const html = readFileSync(join(__dirname, '../../src-renderer/index.html'), 'utf8');
    expect(html).toMatch(/script-src 'self';/);
  });

  it('R-SEC-3: only our own top frame showing our own page may call the core over IPC', () => {
    const top = { isTop: true, fromOurWindow: true };
    expect(isTrustedFrame({ ...top, url: `${origin.appUrl}#/events/abc` }, origin)).toBe(true);
    expect(isTrustedFrame({ ...top, url: 'file:///tmp/evil.html' }, origin)).toBe(false);
    expect(isTrustedFrame({ ...top, url: 'https://example.com/' }, origin)).toBe(false);
    expect(isTrustedFrame({ ...top, isTop: false, url: origin.appUrl }, origin)).toBe(false);
    expect(isTrustedFrame({ ...top, fromOurWindow: false, url: origin.appUrl }, origin)).toBe(false);
    // The dev server is trusted only when one is configured, and only on its own origin.
    const dev = { ...origin, devUrl: 'http://localhost:5173/' };
    expect(isTrustedFrame({ ...top, url: 'http://localhost:5173/#/overview' }, dev)).toBe(true);
    expect(isTrustedFrame({ ...top, url: 'http://localhost:5174/' }, dev)).toBe(false);
    expect(isTrustedFrame({ ...top, url: 'http://localhost:5173/' }, origin)).toBe(false);
  });

  it('R-SEC-3: only http(s) links leave the app, to the OS browser', () => {
    expect(isExternalLink('https://runbooks.example/disk')).toBe(true);
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'vigil://x', 'not a url']) expect(isExternalLink(url)).toBe(false);
  });
});
