import { Collection } from '../../src-shared/api/topics';
import { useEffect, useRef } from 'react';
import type { AlertSummary } from '../../src-shared/api/alerts';
import { navigate } from '../store';
import { useQuery } from './useQuery';

const COLORS = { critical: '#cf222e', warning: '#b7791f', ok: '#1f883d' } as const;

/** A 32×32 favicon: a dot in the worst colour with the waiting count on it. */
function favicon(n: number, critical: boolean): string {
  const c = document.createElement('canvas');
  c.width = c.height = 32;
  const g = c.getContext('2d');
  if (!g) return '';
  g.fillStyle = n === 0 ? COLORS.ok : critical ? COLORS.critical : COLORS.warning;
  g.beginPath();
  g.arc(16, 16, 15, 0, Math.PI * 2);
  g.fill();
  if (n > 0) {
    g.fillStyle = '#fff';
    g.font = `bold ${n > 99 ? 13 : 18}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(n > 999 ? '999+' : String(n), 16, 17);
  }
  return c.toDataURL('image/png');
}

function setFavicon(href: string): void {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  link.href = href;
}

/**
 * Pull a person back (R-ALERT-6/7): the tab title and favicon carry the
 * count of firing alerts nobody has acknowledged (and that no silence
 * holds); in the browser console a new critical alert raises a
 * notification (when permitted) whose click opens it; with nothing in the
 * address, the console opens on Alerts when anything fires.
 */
export function useAttention(): void {
  const q = useQuery(
    'alerts.summary',
    {},
    { collections: [Collection.events, Collection.acks, Collection.silences], throttleMs: 2000, pollMs: 30_000 },
  );
  const seen = useRef<Set<string> | null>(null);
  const landed = useRef(false);
  const s: AlertSummary | null = q.data;

  useEffect(() => {
    if (!s) return;
    document.title = s.unacknowledged ? `(${s.unacknowledged}) Vigil` : 'Vigil';
    setFavicon(favicon(s.unacknowledged, s.criticalUnacknowledged > 0));
    if (!landed.current) {
      landed.current = true;
      if (s.firing > 0 && !location.hash.replace(/^#\/?/, '')) navigate('alerts');
    }
    const fresh = s.critical.filter((c) => !seen.current?.has(c.fingerprint));
    // The first answer is the state at opening: only criticals that arrive later notify.
    if (seen.current && fresh.length && !window.vigil && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      for (const c of fresh.slice(0, 3)) {
        const n = new Notification(`Critical: ${c.summary}`, { body: 'Vigil: firing, not acknowledged', tag: c.fingerprint });
        n.onclick = () => {
          window.focus();
          navigate('alerts', c.fingerprint);
          n.close();
        };
      }
    }
    seen.current = new Set([...(seen.current ?? []), ...s.critical.map((c) => c.fingerprint)]);
  }, [s]);
}
