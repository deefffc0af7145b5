import type { Config } from '../config';
import type { Rotation } from './schedule';

/** The config's rotations as numbers (instants parsed once per call; the config can reload). */
export function rotationsOf(config: Pick<Config, 'oncall'>): Rotation[] {
  return config.oncall.map((t) => ({
    team: t.team,
    people: t.people,
    start: Date.parse(t.start),
    shiftMs: t.shift,
    overrides: t.overrides.map((o) => ({ person: o.person, from: Date.parse(o.from), until: Date.parse(o.until) })),
  }));
}
