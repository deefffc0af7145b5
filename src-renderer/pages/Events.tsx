import { useEffect, useMemo, useRef, useState } from 'react';
import type { Severity } from '../../src-shared/constants';
import { EventDetail } from '../components/EventDetail';
import { EventList } from '../components/EventList';
import { ErrorNote, PageHead } from '../components/ui';
import { count } from '../format';
import { useEventFeed, type EventFilters } from '../hooks/useEventFeed';
import { useDebounced } from '../hooks/useQuery';
import { navigate, useApp } from '../store';
import '../components/events.css';

const SEVERITIES: Severity[] = ['critical', 'warning', 'info'];
const LABEL_RE = /^[^=]+=.*$/;

export function Events() {
  const detail = useApp((s) => s.detail);
  const [severity, setSeverity] = useState<Severity[]>([]);
  const [status, setStatus] = useState<'' | 'firing' | 'resolved'>('');
  const [source, setSource] = useState('');
  const [label, setLabel] = useState('');
  const [text, setText] = useState('');
  const typed = useDebounced({ source: source.trim(), label: label.trim(), text: text.trim() }, 300);
  const labelOk = typed.label === '' || LABEL_RE.test(typed.label);

  const filters = useMemo<EventFilters>(() => {
    const f: EventFilters = {};
    if (severity.length) f.severity = severity;
    if (status) f.status = status;
    if (typed.source) f.source = typed.source;
    if (typed.label && labelOk) f.label = typed.label;
    if (typed.text) f.text = typed.text;
    return f;
  }, [severity, status, typed.source, typed.label, typed.text, labelOk]);

  const feed = useEventFeed(filters);
  const search = useRef<HTMLInputElement>(null);

  // "/" focuses the search box, as in most consoles.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) {
        e.preventDefault();
        search.current?.focus();
      }
      if (e.key === 'Escape' && useApp.getState().detail && t.tagName !== 'INPUT') navigate('events');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const toggle = (s: Severity) => setSeverity((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]));
  const grid = useRef<HTMLDivElement>(null);
  const close = () => {
    navigate('events');
    grid.current?.querySelector<HTMLElement>('[role=grid]')?.focus();
  };

  return (
    <section aria-labelledby="events-title">
      <PageHead id="events-title" title="Events">
        <p className="muted" data-testid="events-meta">
          {feed.loading
            ? 'Loading…'
            : `${count(feed.items.length)}${feed.hasMore ? '+' : ''} ${feed.items.length === 1 && !feed.hasMore ? 'event' : 'events'}`}{' '}
          · newest first · j/k or arrows to move, Enter to open, / to search
        </p>
      </PageHead>
      <div className="toolbar" role="search" aria-label="Filter events">
        <fieldset className="check" style={{ border: 0, padding: 0, margin: 0, display: 'flex', gap: 10 }}>
          <legend className="sr-only">Severity</legend>
          {SEVERITIES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={severity.includes(s)} onChange={() => toggle(s)} aria-label={`Severity ${s}`} />
              <span className={`sev sev-${s}`}>{s}</span>
            </label>
          ))}
        </fieldset>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)} aria-label="Status">
            <option value="">any</option>
            <option value="firing">firing</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
        <label>
          Source
          <input value={source} onChange={(e) => setSource(e.target.value)} placeholder="e.g. alertmanager" aria-label="Source" size={14} />
        </label>
        <label>
          Label
          <input
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder="name=value"
            aria-label="Label name=value"
            size={18}
            aria-invalid={!labelOk}
          />
        </label>
        <label style={{ flex: 1, minWidth: 200 }}>
          Search
          <input
            ref={search}
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="summary or description"
            aria-label="Search events"
          />
        </label>
      </div>
      {!labelOk && <ErrorNote error="Label filter: write it as name=value, e.g. service=api." />}
      <ErrorNote error={feed.error} />
      <div ref={grid} className={`events-layout${detail ? ' with-detail' : ''}`}>
        <EventList
          items={feed.items}
          hasMore={feed.hasMore}
          loadMore={feed.loadMore}
          openId={detail}
          onOpen={(id) => navigate('events', id)}
        />
        {detail && <EventDetail key={detail} id={detail} onClose={close} />}
      </div>
      {!feed.loading && feed.items.length === 0 && !feed.error && <p className="muted">No events match.</p>}
    </section>
  );
}
