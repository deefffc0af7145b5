import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventListInput, EventSummary } from '../../src-shared/api';
import { useApp } from '../store';
import { describeError } from './useQuery';

export type EventFilters = Omit<EventListInput, 'cursor' | 'limit'>;

const PAGE = 200;

/**
 * The Events list's data: the newest page first, older pages on demand
 * (cursor = seq of the last row), and new events merged at the top when the
 * core pushes `changed: events` (at most once a second).
 */
export function useEventFeed(filters: EventFilters) {
  const client = useApp((s) => s.client);
  const version = useApp((s) => s.versions.events ?? 0);
  const key = JSON.stringify(filters);
  const [items, setItems] = useState<EventSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const busy = useRef(false);
  const gen = useRef(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const fetchPage = useCallback(
    async (cursor?: number) => {
      if (!client) return null;
      const r = await client.call('events.list', { ...(JSON.parse(key) as EventFilters), limit: PAGE, ...(cursor ? { cursor } : {}) });
      if (!r.ok) {
        setError(describeError(r.error));
        return null;
      }
      setError(null);
      return r.value;
    },
    [client, key],
  );

  // Filters changed: start again from the newest.
  useEffect(() => {
    const g = ++gen.current;
    setLoading(true);
    setItems([]);
    setNextCursor(null);
    void fetchPage().then((page) => {
      if (g !== gen.current) return;
      setLoading(false);
      if (!page) return;
      setItems(page.items);
      setNextCursor(page.nextCursor);
    });
  }, [fetchPage]);

  // New events: fetch the head and merge, throttled to one refetch a second.
  const lastHead = useRef(0);
  useEffect(() => {
    if (version === 0) return;
    const wait = Math.max(0, lastHead.current + 1000 - Date.now());
    const t = setTimeout(() => {
      lastHead.current = Date.now();
      const g = gen.current;
      void fetchPage().then((page) => {
        if (!page || g !== gen.current) return;
        const current = itemsRef.current;
        const top = current[0]?.seq ?? 0;
        const fresh = page.items.filter((e) => e.seq > top);
        if (fresh.length === page.items.length && page.nextCursor !== null && current.length) {
          // More arrived than one page holds: the gap cannot be bridged, so restart from the head.
          setItems(page.items);
          setNextCursor(page.nextCursor);
          return;
        }
        const updated = new Map(page.items.map((e) => [e.seq, e]));
        setItems([...fresh, ...current.map((e) => updated.get(e.seq) ?? e)]);
        if (!current.length) setNextCursor(page.nextCursor);
      });
    }, wait);
    return () => clearTimeout(t);
  }, [version, fetchPage]);

  const loadMore = useCallback(() => {
    if (busy.current || nextCursor === null) return;
    busy.current = true;
    const g = gen.current;
    void fetchPage(nextCursor).then((page) => {
      busy.current = false;
      if (!page || g !== gen.current) return;
      setItems((cur) => [...cur, ...page.items.filter((e) => e.seq < (cur[cur.length - 1]?.seq ?? Infinity))]);
      setNextCursor(page.nextCursor);
    });
  }, [fetchPage, nextCursor]);

  return { items, hasMore: nextCursor !== null, loadMore, error, loading };
}
