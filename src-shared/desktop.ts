import { z } from 'zod';
import type { ConsoleClient } from './api';
import type { Role } from './api/people';
import { PAGES, type PageName } from './constants';
import type { Result } from './result';

/** "Open this page, on this item": a notification click or a tray menu item, sent to the renderer. */
export interface OpenRequest {
  page: PageName;
  /** The item to show (event id, approval id), or null for the page itself. */
  id: string | null;
}

/**
 * What the Electron preload exposes as `window.vigil`, declared once: the
 * preload `satisfies` it and the renderer's Electron transport is this object.
 * The ConsoleApi call and push subscription (the same client the HTTP
 * transport builds), plus the "open this page on this item" signal.
 */
export interface VigilBridge extends ConsoleClient {
  /** Notification click or tray item: open a page on an item. */
  onOpen: (fn: (to: OpenRequest) => void) => () => void;
  /** Local or connected mode (desktop only: a browser console is always its server's). */
  team: TeamBridge;
}

/**
 * Connected mode (R-TEAM-2) as the desktop shows it. Every field derives from
 * real calls: "connected" only after the team server answered `me.get` for
 * this person's token over the pinned connection; "disconnected" while it is
 * unreachable (retrying); "refused" when the pin or the token was refused.
 */
export type TeamStatus =
  | { mode: 'local' }
  | {
      mode: 'connected';
      url: string;
      pin: string;
      state: 'connecting' | 'connected' | 'disconnected' | 'refused';
      /** Who the team server says this token is (from the last successful me.get). */
      person: { name: string; role: Role } | null;
      /** Why it is disconnected or refused. */
      reason: string | null;
      /** When the last successful call was answered. */
      since: number | null;
    };

/** What a person enters in Settings → Team server; the pin is the fingerprint they confirmed. */
export const TeamConnectInput = z
  .object({
    url: z.string().trim().min(1, 'the team server URL is missing').max(2000),
    token: z.string().trim().min(1, 'the personal token is missing').max(500),
    pin: z.string().trim().min(1).max(200),
  })
  .strict();
export type TeamConnectInput = z.infer<typeof TeamConnectInput>;

export interface TeamBridge {
  status(): Promise<TeamStatus>;
  onStatus(fn: (s: TeamStatus) => void): () => void;
  /** Trust on first use, step 1: the certificate fingerprint the server presents, to compare with what vigil serve printed. */
  probe(url: string): Promise<Result<{ url: string; fingerprint: string }>>;
  /** Step 2: check the token over a connection pinned to the confirmed fingerprint, store it, and switch (local router off). */
  connect(input: TeamConnectInput): Promise<Result<TeamStatus>>;
  /** Back to local mode: forget the server and the token, start the local router. */
  disconnect(): Promise<Result<TeamStatus>>;
}

/** The renderer checks what arrives over IPC before navigating. */
export function isOpenRequest(v: unknown): v is OpenRequest {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { page?: unknown; id?: unknown };
  return (
    typeof r.page === 'string' &&
    (PAGES as readonly string[]).includes(r.page) &&
    (r.id === null || (typeof r.id === 'string' && r.id.length <= 200))
  );
}
