import {
  consoleApi,
  type ConsoleClient,
  type Input,
  type MethodName,
  type Output,
  type TopicName,
  type TopicPayload,
} from '../../src-shared/api';
import type { VigilBridge } from '../../src-shared/desktop';
import type { Result } from '../../src-shared/result';
import { CSRF_HEADER, SESSION_ENDED_EVENT, SESSION_PATH, type SessionState } from '../../src-shared/session';

declare global {
  interface Window {
    /** The Electron preload's bridge (IPC); absent in a browser. */
    vigil?: VigilBridge;
  }
}

/** Where a browser console stands with the server: signed in (the cookie works), or not and why. */
export type SessionOutcome = { signedIn: SessionState } | { signedOut: string };

const sessionRequest = async (method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<SessionOutcome> => {
  try {
    const res = await fetch(SESSION_PATH, {
      method,
      headers: { [CSRF_HEADER]: '1', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const r = (await res.json()) as Result<SessionState>;
    return r.ok ? { signedIn: r.value } : { signedOut: r.error.message };
  } catch (e) {
    return { signedOut: `Vigil is not reachable: ${(e as Error).message}` };
  }
};
/** Exchange a personal token for the session cookie (HttpOnly: this page never sees the cookie, and keeps no token). */
export const signIn = (token: string) => sessionRequest('POST', { token });
/** Who the cookie signs in, or why it no longer does (expired, ended on the People page, signed out). */
export const whoAmI = () => sessionRequest('GET');
export const signOut = async (): Promise<void> => void (await sessionRequest('DELETE'));

/**
 * The address `vigil serve` prints carries the token in the fragment (#token=…, never sent to a server):
 * it is exchanged for the cookie once and removed from the address bar at once, so it is not shared by a
 * screenshot, a copied link or the history; the page keeps it nowhere. Otherwise the cookie decides.
 */
export async function startSession(): Promise<SessionOutcome> {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return whoAmI();
  // "#token=T", "#token=T&/events" or "#/events&token=T": keep everything but the token.
  const rest = location.hash.replace(/&token=[^&]+/, '').replace(/^#token=[^&]+&?/, '#');
  history.replaceState(null, '', location.pathname + location.search + (rest === '#' ? '' : rest));
  return signIn(decodeURIComponent(m[1]!));
}

/**
 * Headless transport: HTTP RPC + one SSE stream, both authenticated by the session cookie alone.
 * Every call carries the CSRF header (the server refuses cookie-authenticated changes without it).
 * A 401, or the stream's session-ended event, means the session is over: `onSignedOut(reason)`.
 */
export function httpClient(onSignedOut: (reason: string) => void): ConsoleClient & { close(): void } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;
  let over = false;
  const end = (reason: string) => {
    if (over) return;
    over = true;
    source?.close();
    onSignedOut(reason);
  };
  const listen = (s: EventSource, topic: string) =>
    s.addEventListener(topic, (e) => {
      const payload: unknown = JSON.parse((e as MessageEvent<string>).data);
      for (const fn of listeners.get(topic) ?? []) fn(payload);
    });
  const open = () => {
    const s = new EventSource('/api/stream');
    source = s;
    for (const topic of listeners.keys()) listen(s, topic);
    // The stream's session ended. Signed in again in another tab of this browser, the cookie is already a new
    // session (the old one was ended by that sign-in): reopen on it rather than show the sign-in page.
    s.addEventListener(SESSION_ENDED_EVENT, (e) => {
      const reason = (JSON.parse((e as MessageEvent<string>).data) as { reason: string }).reason;
      s.close();
      void whoAmI().then((w) => ('signedIn' in w && !over ? open() : end(reason)));
    });
    // A refused stream (401) is not retried by the browser: ask the server why.
    s.onerror = () => {
      if (s.readyState === EventSource.CLOSED) void whoAmI().then((w) => 'signedOut' in w && end(w.signedOut));
    };
  };
  const ensureStream = (topic: string) => {
    if (over) return;
    if (!source) open();
    if (!listeners.has(topic)) {
      listeners.set(topic, new Set());
      listen(source!, topic);
    }
  };
  return {
    async call<M extends MethodName>(method: M, input: Input<M>): Promise<Result<Output<M>>> {
      try {
        const res = await fetch(`/api/rpc/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
          body: JSON.stringify(input ?? {}),
        });
        // Success and every error alike arrive as the envelope (R-CONTRACT-2).
        const r = (await res.json()) as Result<Output<M>>;
        // The browser drops an expired cookie itself, so ask the server why rather than show "missing token".
        if (res.status === 401 && !r.ok) void whoAmI().then((w) => end('signedOut' in w ? w.signedOut : r.error.message));
        return r;
      } catch (e) {
        return { ok: false, error: { code: 'unavailable', message: `Vigil is not reachable: ${(e as Error).message}` } };
      }
    },
    subscribe<T extends TopicName>(topic: T, fn: (p: TopicPayload<T>) => void) {
      ensureStream(topic);
      const set = listeners.get(topic) ?? new Set();
      const wrapped = fn as (p: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    close() {
      over = true;
      source?.close();
    },
  };
}

/** Throwing wrapper for places that prefer exceptions; the message is the core's sentence. */
export async function call<M extends MethodName>(client: ConsoleClient, method: M, input: Input<M>): Promise<Output<M>> {
  const r = await client.call(method, input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export const methods = Object.keys(consoleApi) as MethodName[];

export interface StreamProgress {
  bytes: number;
  lines: number;
  /** Content-Length when the server sent one (NDJSON streams usually do not). */
  total: number | null;
}

/**
 * GET an NDJSON export with the session cookie (headless mode), counting bytes
 * and lines as they arrive, and return it as a Blob. Null in the desktop app,
 * which has no HTTP server; callers fall back to the ConsoleApi there.
 */
export async function fetchNdjson(path: string, onProgress: (p: StreamProgress) => void, signal?: AbortSignal): Promise<Blob | null> {
  if (window.vigil) return null;
  const res = await fetch(path, { signal });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `The export failed (HTTP ${res.status}).`);
  }
  const total = Number(res.headers.get('content-length')) || null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  const p: StreamProgress = { bytes: 0, lines: 0, total };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    p.bytes += value.byteLength;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) p.lines++;
    onProgress({ ...p });
  }
  return new Blob(chunks as BlobPart[], { type: 'application/x-ndjson' });
}
