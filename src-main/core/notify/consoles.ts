import type { DesktopNotice } from '../../../src-shared/api/topics';
import { Topic } from '../../../src-shared/api/topics';
import type { NoticeDisplay } from '../channels';
import type { CoreContext } from '../context';

/** How long a connected console has to report a notice shown before the attempt counts as not delivered. */
export const SHOWN_WAIT_MS = 8_000;
/** With no console to show it, the desktop message is retried this often (a console that connects retries it at once). */
export const NO_CONSOLE_RETRY_MS = 60_000;
export const NO_CONSOLE = 'no console is connected to show it';

interface OpenConsole {
  who: string;
  /** Whether this console's person wants notices of this severity (their preferences on the server). */
  wants(severity: DesktopNotice['severity']): boolean;
}

/**
 * Headless truth for the desktop channel (issue 15 item 5): a notice counts as
 * delivered only when a connected console reports that it showed it
 * (`notices.shown`), never because it was published to nobody. The headless
 * shell registers each open console stream here; the Electron shell shows
 * notices itself and does not use this.
 */
export function createConsoleNotices(ctx: CoreContext, waitMs = SHOWN_WAIT_MS) {
  const open = new Set<OpenConsole>();
  const waiting = new Map<string, Array<(by: string) => void>>();
  const connectedListeners: Array<() => void> = [];

  const display: NoticeDisplay = {
    async show(notice, signal) {
      if (!open.size) return { ok: false, retryable: true, retryAfterMs: NO_CONSOLE_RETRY_MS, error: NO_CONSOLE };
      // Everyone connected chose not to see this severity: held, it would block every later notice (criticals too).
      if (![...open].some((c) => c.wants(notice.severity)))
        return {
          ok: false,
          retryable: false,
          dropped: true,
          error: `no connected person wants ${notice.severity} notices (their settings, or their own pause)`,
        };
      const shown = new Promise<string | null>((resolve) => {
        const timer = setTimeout(() => done(null), waitMs);
        const done = (by: string | null) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          const list = (waiting.get(notice.id) ?? []).filter((f) => f !== done);
          if (list.length) waiting.set(notice.id, list);
          else waiting.delete(notice.id);
          resolve(by);
        };
        const onAbort = () => done(null);
        signal.addEventListener('abort', onAbort);
        waiting.set(notice.id, [...(waiting.get(notice.id) ?? []), done]);
      });
      ctx.bus.publish(Topic.notice, notice);
      const by = await shown;
      if (by !== null) return { ok: true };
      return {
        ok: false,
        retryable: true,
        error: open.size ? `no connected console showed it within ${waitMs / 1000} s` : NO_CONSOLE,
        ...(open.size ? {} : { retryAfterMs: NO_CONSOLE_RETRY_MS }),
      };
    },
  };

  return {
    display,
    /** A console opened its stream; returns the call that closes it. */
    connect(who: string, wants: OpenConsole['wants'] = () => true): () => void {
      const c: OpenConsole = { who, wants };
      open.add(c);
      for (const fn of connectedListeners) fn();
      return () => open.delete(c);
    },
    /** How many consoles are connected now. */
    count: () => open.size,
    /** A console showed notice `id`: true if a delivery was waiting for it (a late or repeated report changes nothing). */
    shown(id: string, by: string): boolean {
      const list = waiting.get(id);
      if (!list?.length) return false;
      for (const f of [...list]) f(by);
      return true;
    },
    /** Called when a console connects (the outbox retries held desktop messages at once). */
    onConnect(fn: () => void): void {
      connectedListeners.push(fn);
    },
  };
}

export type ConsoleNotices = ReturnType<typeof createConsoleNotices>;
