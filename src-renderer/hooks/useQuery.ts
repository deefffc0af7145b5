import { useCallback, useEffect, useRef, useState } from 'react';
import { METHOD_ACCESS, roleAtLeast, roleRefusal, type Input, type MethodName, type Output } from '../../src-shared/api';
import type { ApiError, Result } from '../../src-shared/result';
import type { Collection } from '../../src-shared/api/topics';
import { useApp } from '../store';

/** The core's error envelope as one sentence a person can read. */
export function describeError(e: ApiError): string {
  switch (e.code) {
    case 'unavailable':
      return e.message;
    case 'bad_request':
      return `Not accepted: ${e.message}`;
    case 'forbidden':
      return `Refused: ${e.message}`;
    case 'not_found':
      return `Not found: ${e.message}`;
    case 'unauthorized':
      return 'The access token was refused; open the address printed by vigil serve again.';
    default:
      return e.message;
  }
}

export interface QueryState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  refetch(): void;
}

interface QueryOptions {
  /** Collections whose `changed` push triggers a refetch. */
  collections?: readonly Collection[];
  enabled?: boolean;
  /** Refetch on a timer too (for countdowns and derived state the core does not push). */
  pollMs?: number;
  /** At most one push-driven refetch per this many ms (a storm of pushes stays calm). */
  throttleMs?: number;
}

/**
 * Call one ConsoleApi method and keep its result; refetch when the input
 * changes or the core says one of `collections` changed. Keeps the last good
 * data while refetching and while an error is shown.
 */
export function useQuery<M extends MethodName>(method: M, input: Input<M>, opts: QueryOptions = {}): QueryState<Output<M>> {
  const client = useApp((s) => s.client);
  const key = JSON.stringify(input ?? {});
  const cols = opts.collections ?? [];
  const version = useApp((s) => cols.map((c) => s.versions[c] ?? 0).join(','));
  const [throttled, setThrottled] = useState(version);
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ data: Output<M> | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const lastFetch = useRef(0);
  const enabled = opts.enabled ?? true;
  const throttleMs = opts.throttleMs ?? 1000;

  // Push-driven refetches are throttled: the first runs at once, later ones wait out the window.
  useEffect(() => {
    if (version === throttled) return;
    const wait = Math.max(0, lastFetch.current + throttleMs - Date.now());
    const t = setTimeout(() => setThrottled(version), wait);
    return () => clearTimeout(t);
  }, [version, throttled, throttleMs]);

  useEffect(() => {
    if (!opts.pollMs) return;
    const t = setInterval(() => setTick((n) => n + 1), opts.pollMs);
    return () => clearInterval(t);
  }, [opts.pollMs]);

  useEffect(() => {
    if (!client || !enabled) return;
    let live = true;
    lastFetch.current = Date.now();
    setState((s) => ({ ...s, loading: true }));
    void client.call(method, JSON.parse(key) as Input<M>).then((r: Result<Output<M>>) => {
      if (!live) return;
      setState((s) =>
        r.ok ? { data: r.value, error: null, loading: false } : { data: s.data, error: describeError(r.error), loading: false },
      );
    });
    return () => {
      live = false;
    };
  }, [client, method, key, throttled, tick, enabled]);

  const refetch = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, refetch };
}

export interface Action<M extends MethodName> {
  run(input: Input<M>): Promise<Output<M> | null>;
  pending: boolean;
  error: string | null;
  clearError(): void;
  /** Why the signed-in person may not run it (their role is below the method's), in the core's own words; else null. */
  denied: string | null;
}

/**
 * Why the person at the console may not call `method`, from me.get's role and the one access table the core
 * enforces (the same sentence the core would refuse with); null when allowed or not known yet (the core still decides).
 */
export function useDenied(method: MethodName): string | null {
  const me = useApp((s) => s.me);
  const need = METHOD_ACCESS[method].role;
  return me && !roleAtLeast(me.role, need) ? roleRefusal(me.name, me.role, method, need) : null;
}

/** A mutation: run it, show its pending state and the core's refusal, if any. */
export function useAction<M extends MethodName>(method: M): Action<M> {
  const client = useApp((s) => s.client);
  const denied = useDenied(method);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (input: Input<M>) => {
      if (!client) return null;
      setPending(true);
      setError(null);
      const r = await client.call(method, input);
      setPending(false);
      if (!r.ok) {
        setError(describeError(r.error));
        return null;
      }
      return r.value;
    },
    [client, method],
  );
  return { run, pending, error, clearError: useCallback(() => setError(null), []), denied };
}

/** A value that follows `value` after it has been still for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Re-render every `ms` (countdowns, "active now"). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
