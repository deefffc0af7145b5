import type { Handlers } from '../../../src-shared/api';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import { scheduleIcs } from './ical';
import { nextInRotation, onCallAt, shiftsBetween, type Rotation } from './schedule';
import { rotationsOf } from './rotations';

export { nextInRotation, onCallAt, shiftsBetween, turnAt, type Rotation, type Shift } from './schedule';
export { scheduleIcs } from './ical';
export { rotationsOf } from './rotations';
export { escalationTargets, onCallWriter, targetLabel } from './deliver';

export type OnCallHandlers = Pick<Handlers, 'oncall.now' | 'oncall.shifts' | 'oncall.ics'>;
const DAY = 86_400_000;

export function createOnCall(ctx: Pick<CoreContext, 'config' | 'clock'>): { handlers: OnCallHandlers; rotation(team: string): Rotation } {
  const rotation = (team: string): Rotation => {
    const all = rotationsOf(ctx.config);
    const r = all.find((x) => x.team === team);
    if (!r)
      throw new VigilError('not_found', `no on-call team "${team}" (config oncall has: ${all.map((x) => x.team).join(', ') || 'none'})`);
    return r;
  };
  return {
    rotation,
    handlers: {
      'oncall.now': () => {
        const now = ctx.clock.now();
        return rotationsOf(ctx.config).flatMap((r) => {
          const s = onCallAt(r, now);
          return s ? [{ ...s, next: nextInRotation(r, now) }] : [];
        });
      },
      'oncall.shifts': (i) => {
        const from = i.from ?? ctx.clock.now();
        return shiftsBetween(rotation(i.team), from, from + i.days * DAY);
      },
      'oncall.ics': (i) => {
        const r = rotation(i.team);
        const from = i.from ?? ctx.clock.now();
        const until = from + i.days * DAY;
        const shifts = shiftsBetween(r, from, until).filter((s) => !i.person || s.person === i.person).length;
        return { ics: scheduleIcs(r, { from, until, person: i.person, now: ctx.clock.now() }), shifts };
      },
    },
  };
}
