import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { fresh } from './records';
import { routeStage } from './stages/route';
import { alertEvent } from './testing';
import type { Decision } from './types';

describe('the route stage (R-SCALE-38)', () => {
  it('R-SCALE-38: events matching the same routes share one frozen channel list and route entry; other routes, or a reloaded config, route anew', () => {
    const yaml = `channels: [{ name: x, type: desktop }, { name: y, type: desktop }]
routes: [{ match: { team: db }, channels: [y], continue: true }, { channels: [x, y] }]
`;
    const decide = (config: ReturnType<typeof parseConfig>, labels: Record<string, string>, now = 1_000) => {
      const ev = fresh({ ...alertEvent({ labels }), id: 'e', receivedAt: now, trace: [] });
      const d = { notify: true, result: 'notified', kind: 'alert', trace: [], triage: null, channels: [] } as unknown as Decision;
      const sc = { now, config } as unknown as Parameters<typeof routeStage.run>[2];
      routeStage.run(ev, d, sc);
      return d;
    };
    const config = parseConfig(yaml);
    const [a, b] = [decide(config, { team: 'db', instance: 'a' }), decide(config, { team: 'db', instance: 'b' })];
    expect(a.channels).toEqual(['y', 'x']);
    expect(a.trace).toEqual([{ at: 1_000, stage: 'route', result: 'pass', detail: 'routes #0, #1 → y, x' }]);
    expect(b.channels).toBe(a.channels);
    expect(b.trace[0]).toBe(a.trace[0]);
    expect(Object.isFrozen(a.channels)).toBe(true);
    // Another set of routes matched, then the first again: each its own words.
    const other = decide(config, { instance: 'c' });
    expect([other.channels, other.trace[0]!.detail]).toEqual([['x', 'y'], 'routes #1 → x, y']);
    expect(decide(config, { team: 'db' }).channels).toEqual(['y', 'x']);
    // A reloaded config is routed by its own routes, even when they say the same.
    const reloaded = parseConfig(yaml.replace('channels: [y], continue: true', 'channels: [x]'));
    const c = decide(reloaded, { team: 'db', instance: 'a' });
    expect([c.channels, c.trace[0]!.detail]).toEqual([['x'], 'routes #0 → x']);
    expect(decide(config, { team: 'db' }, 2_000).trace[0]!.detail).toBe('routes #0, #1 → y, x');
    // No route: held, stored.
    const none = parseConfig(yaml.replace('{ channels: [x, y] }', '{ match: { team: web }, channels: [x] }'));
    const n = decide(none, { instance: 'z' });
    expect([n.notify, n.result, n.channels]).toEqual([false, 'stored', []]);
  });
});
