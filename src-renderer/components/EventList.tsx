import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { EventSummary } from '../../src-shared/api';
import { dateTime, time } from '../format';
import './events.css';

const ROW = 34;
const FIRST_ROW_MARK = 'vigil:events-first-row';

/**
 * Diagnostic switch for bench/events-page.ts: `?virtual=off` renders every
 * loaded row, so the benchmark can compare against the naive approach.
 */
const VIRTUAL = new URLSearchParams(location.search).get('virtual') !== 'off';

const Row = memo(function Row({
  e,
  selected,
  style,
  onOpen,
}: {
  e: EventSummary;
  selected: boolean;
  style?: React.CSSProperties;
  onOpen(id: string): void;
}) {
  return (
    <div
      id={`ev-${e.seq}`}
      role="row"
      aria-selected={selected}
      aria-label={`${e.severity} ${e.status} ${e.summary}`}
      className={`ev-row${e.status === 'resolved' ? ' resolved' : ''}`}
      style={style}
      onClick={() => onOpen(e.id)}
    >
      <span role="gridcell" title={dateTime(e.receivedAt)}>
        {time(e.receivedAt)}
      </span>
      <span role="gridcell" className={`sev sev-${e.severity}`}>
        {e.severity}
      </span>
      <span role="gridcell">{e.status}</span>
      <span role="gridcell" title={e.source}>
        {e.source}
      </span>
      <span role="gridcell" title={e.summary}>
        {e.summary}
      </span>
      <span role="gridcell" className="muted">
        {e.outcome ?? 'in inbox'}
      </span>
    </div>
  );
});

interface Props {
  items: EventSummary[];
  hasMore: boolean;
  loadMore(): void;
  openId: string | null;
  onOpen(id: string): void;
}

/**
 * The events grid: only the visible rows are in the DOM, so 100,000 events
 * scroll as smoothly as 100. j/k or arrows move, Enter opens, Escape closes.
 */
export function EventList({ items, hasMore, loadMore, openId, onOpen }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  // Arriving from the navigation, the keyboard goes to the list, so j/k and Enter work at once.
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || active.closest('nav')) scroller.current?.focus({ preventScroll: true });
  }, []);
  const [sel, setSel] = useState(0);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
    scrollMargin: ROW,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = VIRTUAL ? (virtualRows[virtualRows.length - 1]?.index ?? 0) : 0;

  // New events arrive on top: keep the rows a person is reading (and the selection) where they are.
  const firstSeq = useRef<number | null>(null);
  useLayoutEffect(() => {
    const prev = firstSeq.current;
    firstSeq.current = items[0]?.seq ?? null;
    if (prev === null || items[0]?.seq === prev) return;
    const shift = items.findIndex((e) => e.seq === prev);
    if (shift <= 0) return;
    setSel((i) => i + shift);
    const el = scroller.current;
    if (el && el.scrollTop > 0) el.scrollTop += shift * ROW;
  }, [items]);

  // Keep the selection on the open event when it is in the list.
  useEffect(() => {
    if (!openId) return;
    const i = items.findIndex((e) => e.id === openId);
    if (i >= 0) setSel(i);
  }, [openId, items]);

  useEffect(() => {
    if (hasMore && lastIndex >= items.length - 40) loadMore();
  }, [hasMore, lastIndex, items.length, loadMore]);

  const marked = useRef(false);
  useEffect(() => {
    if (items.length && !marked.current) {
      marked.current = true;
      performance.mark(FIRST_ROW_MARK);
    }
  }, [items.length]);

  const move = (to: number) => {
    const i = Math.max(0, Math.min(items.length - 1, to));
    setSel(i);
    if (VIRTUAL) virtualizer.scrollToIndex(i, { align: 'auto' });
    else document.getElementById(`ev-${items[i]?.seq}`)?.scrollIntoView({ block: 'nearest' });
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const keys: Record<string, () => void> = {
      j: () => move(sel + 1),
      ArrowDown: () => move(sel + 1),
      k: () => move(sel - 1),
      ArrowUp: () => move(sel - 1),
      Home: () => move(0),
      End: () => move(items.length - 1),
      PageDown: () => move(sel + 15),
      PageUp: () => move(sel - 15),
      Enter: () => items[sel] && onOpen(items[sel].id),
    };
    const fn = keys[e.key];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };

  const selectedSeq = items[sel]?.seq;
  return (
    <div
      ref={scroller}
      className="ev-grid"
      role="grid"
      aria-label="Events"
      aria-rowcount={hasMore ? -1 : items.length + 1}
      aria-activedescendant={selectedSeq !== undefined ? `ev-${selectedSeq}` : undefined}
      tabIndex={0}
      onKeyDown={onKey}
      data-testid="event-list"
    >
      <div className="ev-head" role="row">
        <span role="columnheader">Time</span>
        <span role="columnheader">Severity</span>
        <span role="columnheader">Status</span>
        <span role="columnheader">Source</span>
        <span role="columnheader">Summary</span>
        <span role="columnheader">Outcome</span>
      </div>
      {VIRTUAL ? (
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="rowgroup">
          {virtualRows.map((v) => {
            const e = items[v.index]!;
            return (
              <Row
                key={e.seq}
                e={e}
                selected={v.index === sel}
                onOpen={onOpen}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${v.start - ROW}px)` }}
              />
            );
          })}
        </div>
      ) : (
        <div role="rowgroup">
          {items.map((e, i) => (
            <Row key={e.seq} e={e} selected={i === sel} onOpen={onOpen} />
          ))}
        </div>
      )}
    </div>
  );
}
