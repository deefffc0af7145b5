/**
 * Who is on call (issue 18.5): a weekly rotation per team with overrides.
 * Pure functions of the configuration and an instant, so the router, the
 * console, the iCalendar export and the tests (with an injected clock) all
 * agree on who holds the pager at any moment.
 *
 * Handoffs happen every `shift` (7 days by default) from `start`, counted
 * in absolute time: the handoff instant stays fixed in UTC across daylight
 * saving changes (write `start` with the offset you mean).
 */
export interface Rotation {
  team: string;
  people: string[];
  /** First handoff (epoch ms): people[0]'s first shift starts here. */
  start: number;
  /** Shift length in ms (a week by default). */
  shiftMs: number;
  overrides: Array<{ person: string; from: number; until: number }>;
}

export interface Shift {
  team: string;
  person: string;
  from: number;
  until: number;
  /** An override, not the rotation's turn. */
  override: boolean;
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);

/** The rotation's own turn at `t` (overrides ignored). Before `start` the rotation has not begun: null. */
export function turnAt(r: Rotation, t: number): Shift | null {
  if (t < r.start || r.people.length === 0) return null;
  const k = floorDiv(t - r.start, r.shiftMs);
  const from = r.start + k * r.shiftMs;
  return { team: r.team, person: r.people[k % r.people.length]!, from, until: from + r.shiftMs, override: false };
}

/** Who is on call at `t`: the latest-starting override covering `t`, else the rotation's turn. */
export function onCallAt(r: Rotation, t: number): Shift | null {
  const o = r.overrides.filter((x) => x.from <= t && t < x.until).sort((a, b) => b.from - a.from)[0];
  if (o) return { team: r.team, person: o.person, from: o.from, until: o.until, override: true };
  return turnAt(r, t);
}

/** The person after whoever is on call at `t` in the rotation (escalation's `next-in-rotation`). */
export function nextInRotation(r: Rotation, t: number): string | null {
  const now = onCallAt(r, t);
  if (!now) return r.people[0] ?? null;
  const i = r.people.indexOf(now.person);
  // An override holder outside the rotation hands on to whoever the rotation has now.
  if (i < 0) return turnAt(r, t)?.person ?? null;
  return r.people[(i + 1) % r.people.length] ?? null;
}

/**
 * Shifts covering [from, until): rotation turns cut around overrides, in
 * time order, adjacent pieces of the same person and kind merged.
 */
export function shiftsBetween(r: Rotation, from: number, until: number): Shift[] {
  const cuts = new Set<number>([from, until]);
  for (let t = Math.max(r.start, from); t < until;) {
    const s = turnAt(r, t)!;
    cuts.add(s.from < from ? from : s.from);
    if (s.until < until) cuts.add(s.until);
    t = s.until;
  }
  for (const o of r.overrides) {
    if (o.from > from && o.from < until) cuts.add(o.from);
    if (o.until > from && o.until < until) cuts.add(o.until);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Shift[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const who = onCallAt(r, a);
    if (!who) continue;
    const last = out[out.length - 1];
    if (last && last.person === who.person && last.override === who.override && last.until === a) last.until = b;
    else out.push({ team: r.team, person: who.person, from: a, until: b, override: who.override });
  }
  return out;
}
