import { z } from 'zod';
import { method } from './define';

/** Who is on call (issue 18.5): weekly rotations per team with overrides, from the config's `oncall`. */
export const OnCallShift = z.object({
  team: z.string(),
  person: z.string(),
  from: z.number(),
  until: z.number(),
  /** An override, not the rotation's own turn. */
  override: z.boolean(),
});
export type OnCallShift = z.infer<typeof OnCallShift>;

const team = z.string().min(1).max(64);

export const oncallApi = {
  'oncall.now': method(
    z.object({}).strict(),
    z.array(OnCallShift.extend({ next: z.string().nullable() })),
    "Each team's person on call now (with the shift they are in) and who is next in the rotation.",
  ),
  'oncall.shifts': method(
    z.object({ team, from: z.number().optional(), days: z.number().int().min(1).max(366).default(28) }).strict(),
    z.array(OnCallShift),
    "A team's shifts from `from` (default now) for `days` days, overrides cut in.",
  ),
  'oncall.ics': method(
    z
      .object({
        team,
        person: z.string().min(1).max(64).optional(),
        from: z.number().optional(),
        days: z.number().int().min(1).max(366).default(90),
      })
      .strict(),
    z.object({ ics: z.string(), shifts: z.number() }),
    "A team's schedule (or one person's shifts) as iCalendar text, for calendars.",
  ),
};
