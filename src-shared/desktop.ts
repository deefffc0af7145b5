import type { ConsoleClient } from './api';
import { PAGES, type PageName } from './constants';

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
