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

declare global {
  interface Window {
    /** The Electron preload's bridge (IPC); absent in a browser. */
    vigil?: VigilBridge;
  }
}

/**
 * Headless transport: HTTP RPC + one SSE stream. The token arrives in the
 * URL fragment (#token=…), is kept for this tab only, and removed from the
 * address bar so it is not shared by a screenshot or a copied link.
 */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('vigil.token', decodeURIComponent(m[1]!));
    // "#token=T", "#token=T&/events" or "#/events&token=T": keep everything but the token.
    const rest = location.hash.replace(/&token=[^&]+/, '').replace(/^#token=[^&]+&?/, '#');
    history.replaceState(null, '', location.pathname + location.search + (rest === '#' ? '' : rest));
  }
  return sessionStorage.getItem('vigil.token');
}

function httpClient(token: string): ConsoleClient {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;
  const ensureStream = (topic: string) => {
    if (!source) source = new EventSource(`/api/stream?token=${encodeURIComponent(token)}`);
    if (!listeners.has(topic)) {
      listeners.set(topic, new Set());
      source.addEventListener(topic, (e) => {
        const payload: unknown = JSON.parse((e as MessageEvent<string>).data);
        for (const fn of listeners.get(topic) ?? []) fn(payload);
      });
    }
  };
  return {
    async call<M extends MethodName>(method: M, input: Input<M>): Promise<Result<Output<M>>> {
      try {
        const res = await fetch(`/api/rpc/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
        // Success and every error alike arrive as the envelope (R-CONTRACT-2).
        return (await res.json()) as Result<Output<M>>;
      } catch (e) {
        return { ok: false, error: { code: 'unavailable', message: `Vigil is not reachable: ${(e as Error).message}` } };
      }
    },
    subscribe<T extends TopicName>(topic: T, fn: (p: TopicPayload<T>) => void) {
      ensureStream(topic);
      const set = listeners.get(topic)!;
      const wrapped = fn as (p: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
}

export function createClient(): ConsoleClient | null {
  // Electron transport: the preload bridge is a ConsoleClient already.
  if (window.vigil) return window.vigil;
  const token = takeToken();
  return token ? httpClient(token) : null;
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
 * GET an NDJSON export with the bearer token (headless mode), counting bytes
 * and lines as they arrive, and return it as a Blob. Null in the desktop app,
 * which has no HTTP server; callers fall back to the ConsoleApi there.
 */
export async function fetchNdjson(path: string, onProgress: (p: StreamProgress) => void, signal?: AbortSignal): Promise<Blob | null> {
  if (window.vigil) return null;
  const token = sessionStorage.getItem('vigil.token');
  if (!token) throw new Error('The access token is missing; open the address printed by vigil serve again.');
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` }, signal });
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
