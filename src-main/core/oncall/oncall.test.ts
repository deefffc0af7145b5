import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { consoleApi, type Input, type Output } from '../../../src-shared/api';
import type { Result } from '../../../src-shared/result';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { VigilError } from '../errors';
import { createOnCall } from './index';
import { ROTATIONS_YAML } from './testing';

/**
 * On call (issue 18.5) through the area's ConsoleApi handlers (inputs parsed by the contract) on an injected clock: a
 * weekly rotation with an override, across the Monday 09:00 handoff.
 */
const CONFIG = `
smoke: { enabled: false }
${ROTATIONS_YAML}`;
const at = (iso: string) => Date.parse(iso);
/** The on-call area as the core builds it, on an injected clock (its handlers are what core.call runs). */
function coreAt(iso: string): {
  core: { call: <M extends OnCallMethod>(m: M, i: Input<M>) => Promise<Result<Output<M>>> };
  clock: FakeClock;
} {
  const clock = new FakeClock(at(iso));
  const oncall = createOnCall({ config: parseConfig(CONFIG), clock });
  const call = async <M extends OnCallMethod>(m: M, i: Input<M>): Promise<Result<Output<M>>> => {
    try {
      const parsed = consoleApi[m].input.parse(i) as Input<M>;
      return { ok: true, value: (await oncall.handlers[m](parsed as never)) as Output<M> };
    } catch (e) {
      return e instanceof VigilError ? { ok: false, error: { code: e.code, message: e.message } } : Promise.reject(e);
    }
  };
  return { core: { call }, clock };
}
type OnCallMethod = 'oncall.now' | 'oncall.shifts' | 'oncall.ics';
const value = async <T>(p: Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>) => {
  const r = await p;
  if (!r.ok) throw new Error(r.error!.message);
  return r.value as T;
};

describe('on-call schedule (issue 18.5)', () => {
  it('R-ONCALL-1: the rotation hands over at the boundary (injected clock): one minute before is alice, one after is bob', async () => {
    const { core, clock } = coreAt('2026-01-12T07:59:00Z'); // 08:59 in +01:00, a minute before the handoff
    const now = () => value<Array<{ team: string; person: string; next: string | null; until: number }>>(core.call('oncall.now', {}));
    expect(await now()).toEqual([
      { team: 'ops', person: 'alice', from: at('2026-01-05T08:00:00Z'), until: at('2026-01-12T08:00:00Z'), override: false, next: 'bob' },
    ]);
    clock.advance(2 * 60_000);
    expect((await now())[0]).toMatchObject({ person: 'bob', from: at('2026-01-12T08:00:00Z'), next: 'carol' });
    // Three weeks on the rotation wraps round to alice; the db team has not started yet, so it is not listed.
    clock.advance(14 * 86_400_000);
    expect((await now()).map((s) => `${s.team}:${s.person}`)).toEqual(['ops:alice']);
  });

  it('R-ONCALL-1: an override takes the pager for its hours only, then the rotation resumes', async () => {
    const { core, clock } = coreAt('2026-01-21T16:59:00Z'); // carol's week (3rd), a minute before dave covers the night
    const who = async () => (await value<Array<{ person: string; override: boolean }>>(core.call('oncall.now', {})))[0];
    expect(await who()).toMatchObject({ person: 'carol', override: false });
    clock.advance(60_000);
    expect(await who()).toMatchObject({ person: 'dave', override: true });
    clock.advance(14 * 3_600_000);
    expect(await who()).toMatchObject({ person: 'carol', override: false });
    const shifts = await value<Array<{ person: string; from: number; until: number }>>(
      core.call('oncall.shifts', { team: 'ops', from: at('2026-01-19T08:00:00Z'), days: 7 }),
    );
    expect(shifts.map((s) => [s.person, new Date(s.from).toISOString(), new Date(s.until).toISOString()])).toEqual([
      ['carol', '2026-01-19T08:00:00.000Z', '2026-01-21T17:00:00.000Z'],
      ['dave', '2026-01-21T17:00:00.000Z', '2026-01-22T07:00:00.000Z'],
      ['carol', '2026-01-22T07:00:00.000Z', '2026-01-26T08:00:00.000Z'],
    ]);
  });

  it('R-ONCALL-2: the iCalendar export parses (ical.js, RFC 5545) into one event per shift with the right people and times', async () => {
    const { core } = coreAt('2026-01-05T08:00:00Z');
    const out = await value<{ ics: string; shifts: number }>(core.call('oncall.ics', { team: 'ops', days: 21 }));
    expect(out.ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    const cal = new ICAL.Component(ICAL.parse(out.ics));
    const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.map((e) => [e.summary, e.startDate.toJSDate().toISOString(), e.endDate.toJSDate().toISOString()])).toEqual([
      ['On call (ops): alice', '2026-01-05T08:00:00.000Z', '2026-01-12T08:00:00.000Z'],
      ['On call (ops): bob', '2026-01-12T08:00:00.000Z', '2026-01-19T08:00:00.000Z'],
      ['On call (ops): carol', '2026-01-19T08:00:00.000Z', '2026-01-21T17:00:00.000Z'],
      ['On call (ops): dave (override)', '2026-01-21T17:00:00.000Z', '2026-01-22T07:00:00.000Z'],
      ['On call (ops): carol', '2026-01-22T07:00:00.000Z', '2026-01-26T08:00:00.000Z'],
    ]);
    expect(out.shifts).toBe(5);
    expect(new Set(events.map((e) => e.uid)).size).toBe(5);
    // One person's calendar holds only their shifts.
    const bob = await value<{ ics: string }>(core.call('oncall.ics', { team: 'ops', person: 'bob', days: 21 }));
    const bobs = new ICAL.Component(ICAL.parse(bob.ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v).summary);
    expect(bobs).toEqual(['On call (ops): bob']);
  });

  it('R-ONCALL-1: an unknown team is a clear not_found; a bad start is refused by the config check', async () => {
    const { core } = coreAt('2026-01-05T08:00:00Z');
    expect(await core.call('oncall.shifts', { team: 'web', days: 7 })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no on-call team "web" (config oncall has: ops, db)' },
    });
    expect(() => parseConfig('oncall: [ { team: x, people: [a], start: "next monday" } ]')).toThrow(/oncall\[0\]\.start|oncall\.0\.start/);
  });

  it('R-ONCALL-3: the config refuses an oncall channel for an unknown team, a non-telegram bot and next-in-rotation without an oncall channel', () => {
    const yaml = (channels: string, route: string) => `oncall: [ { team: ops, people: [a], start: "2026-01-05T09:00:00Z" } ]
channels: [ { name: desk, type: desktop }, ${channels} ]
routes: [ ${route} ]`;
    expect(() => parseConfig(yaml('{ name: p, type: oncall, team: web }', '{ channels: [p] }'))).toThrow(/unknown on-call team "web"/);
    expect(() => parseConfig(yaml('{ name: p, type: oncall, team: ops, telegram: desk }', '{ channels: [p] }'))).toThrow(
      /"desk" is not a telegram channel/,
    );
    expect(() =>
      parseConfig(
        yaml('{ name: p, type: oncall, team: ops }', '{ channels: [desk], escalate: [ { after: 5m, channels: [next-in-rotation] } ] }'),
      ),
    ).toThrow(/next-in-rotation needs an oncall channel in this route's channels/);
    const ok = parseConfig(
      yaml('{ name: p, type: oncall, team: ops }', '{ channels: [p], escalate: [ { after: 5m, channels: [next-in-rotation] } ] }'),
    );
    expect(ok.routes[0]!.escalate[0]!.channels).toEqual(['next-in-rotation']);
  });
});
