import { describe, expect, it } from 'vitest';
import { matchLabels } from '../silence-matcher';
import { firstRoute, firstRouteOf } from './eligible';

describe('firstRouteOf', () => {
  it('R-NOISE-1: picks the route firstRoute picks over the event’s matcher labels (source and severity included)', () => {
    const routes: Array<{ match: Record<string, string> }> = [
      { match: { severity: 'critical' } },
      { match: { source: 'probe', team: 'db' } },
      { match: { source: 'custom' } },
      { match: { team: 'web', cluster: 'eu' } },
      { match: {} },
    ];
    const events: Array<{ source: string; severity: string; labels: Record<string, string> }> = [
      { source: 'alertmanager', severity: 'critical', labels: { alertname: 'A' } },
      // A label named severity does not override the event's own; one named source does (as in matchLabels).
      { source: 'alertmanager', severity: 'warning', labels: { severity: 'critical' } },
      { source: 'probe', severity: 'warning', labels: { team: 'db' } },
      { source: 'alertmanager', severity: 'warning', labels: { source: 'custom' } },
      { source: 'probe', severity: 'info', labels: { team: 'web', cluster: 'eu' } },
      { source: 'probe', severity: 'info', labels: { team: 'web', constructor: 'x' } },
      { source: 'api', severity: 'warning', labels: {} },
    ];
    for (const ev of events) expect(firstRouteOf(routes, ev)).toBe(firstRoute(routes, matchLabels(ev)));
    expect(events.map((ev) => firstRouteOf(routes, ev))).toEqual([0, 4, 1, 2, 3, 4, 4]);
    expect(firstRouteOf([{ match: { team: 'x' } }], { source: 's', severity: 'info', labels: {} })).toBe(-1);
  });
});
