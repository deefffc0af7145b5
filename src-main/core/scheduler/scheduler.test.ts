import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { createScheduler, dailyAt } from './index';

const MIN = 60_000;
const HOUR = 3_600_000;

function setup(start: number) {
  const clock = new FakeClock(start);
  const errors: Array<{ job: string; err: unknown }> = [];
  const scheduler = createScheduler({ clock, onError: (job, err) => errors.push({ job, err }) });
  return { clock, errors, scheduler };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('scheduler', () => {
  it('R-SMOKE-4: the daily summary fires at 09:10 local time in the configured zone (winter and summer)', () => {
    // 2026-01-14 00:00 UTC; Berlin is UTC+1 in January → 09:10 Berlin = 08:10 UTC.
    const { clock, scheduler } = setup(Date.UTC(2026, 0, 14, 0, 0));
    const fired: string[] = [];
    const job = scheduler.cron('summary', dailyAt('09:10'), { timeZone: 'Europe/Berlin' }, () =>
      fired.push(new Date(clock.now()).toISOString()),
    );
    expect(job.nextAt()).toBe(Date.UTC(2026, 0, 14, 8, 10));
    clock.advance(8 * HOUR + 9 * MIN);
    expect(fired).toEqual([]);
    clock.advance(MIN);
    expect(fired).toEqual(['2026-01-14T08:10:00.000Z']);
    clock.advance(24 * HOUR);
    expect(fired).toEqual(['2026-01-14T08:10:00.000Z', '2026-01-15T08:10:00.000Z']);
    scheduler.stop();
    clock.advance(48 * HOUR);
    expect(fired).toHaveLength(2);

    // Across the spring DST change (29 March 2026) the wall time stays 09:10: 07:10 UTC in summer.
    const s = setup(Date.UTC(2026, 2, 28, 12, 0));
    const summer: string[] = [];
    s.scheduler.cron('summary', dailyAt('09:10'), { timeZone: 'Europe/Berlin' }, () => summer.push(new Date(s.clock.now()).toISOString()));
    s.clock.advance(48 * HOUR);
    expect(summer).toEqual(['2026-03-29T07:10:00.000Z', '2026-03-30T07:10:00.000Z']);
    s.scheduler.stop();
  });

  it('R-SMOKE-4: another zone and time of day', () => {
    const { clock, scheduler } = setup(Date.UTC(2026, 5, 1, 0, 0));
    const fired: number[] = [];
    scheduler.cron('summary', dailyAt('18:45'), { timeZone: 'America/New_York' }, () => fired.push(clock.now()));
    clock.advance(24 * HOUR);
    expect(fired).toEqual([Date.UTC(2026, 5, 1, 22, 45)]); // EDT = UTC−4
    scheduler.stop();
  });

  it('R-ROUTE-1: a job that throws (sync or async) is reported, and the schedule keeps running', async () => {
    const { clock, errors, scheduler } = setup(Date.UTC(2026, 0, 1));
    let runs = 0;
    scheduler.every('sync-fail', MIN, () => {
      runs++;
      throw new Error('disk full');
    });
    scheduler.every('async-fail', MIN, async () => {
      await Promise.resolve();
      throw new Error('db locked');
    });
    clock.advance(MIN);
    await flush();
    clock.advance(MIN);
    await flush();
    expect(runs).toBe(2);
    expect(errors.map((e) => `${e.job}: ${(e.err as Error).message}`).sort()).toEqual([
      'async-fail: db locked',
      'async-fail: db locked',
      'sync-fail: disk full',
      'sync-fail: disk full',
    ]);
    scheduler.stop();
  });

  it('a job still running when it falls due again is skipped, not stacked', async () => {
    const { clock, scheduler } = setup(Date.UTC(2026, 0, 1));
    let started = 0;
    let release!: () => void;
    scheduler.every('slow', MIN, () => {
      started++;
      return new Promise<void>((r) => (release = r));
    });
    clock.advance(MIN);
    clock.advance(MIN);
    clock.advance(MIN);
    expect(started).toBe(1);
    release();
    await flush();
    clock.advance(MIN);
    expect(started).toBe(2);
    scheduler.stop();
  });
});

describe('scheduler asleep (issue 18.6)', () => {
  it('R-SLEEP-2: a paused scheduler fires nothing; on waking each job that fell due runs once, says how late, and keeps its rhythm', () => {
    const { clock, scheduler } = setup(Date.UTC(2026, 0, 14, 0, 0));
    const runs = { every: [] as number[], cron: [] as number[], notYet: [] as number[] };
    scheduler.every('every', 5 * MIN, () => runs.every.push(clock.now()));
    scheduler.cron('cron', dailyAt('03:00'), { timeZone: 'UTC' }, () => runs.cron.push(clock.now()));
    scheduler.cron('notYet', dailyAt('09:00'), { timeZone: 'UTC' }, () => runs.notYet.push(clock.now()));
    clock.advance(12 * MIN); // runs at 00:05, 00:10
    expect(runs.every).toHaveLength(2);
    scheduler.pause();
    clock.advance(6 * HOUR); // asleep until 06:12: 72 ticks and the 03:00 job missed
    expect(runs.every).toHaveLength(2);
    expect(runs.cron).toEqual([]);
    const late = scheduler.wake();
    expect(late).toEqual([
      { job: 'every', lateMs: 6 * HOUR + 12 * MIN - 15 * MIN },
      { job: 'cron', lateMs: 3 * HOUR + 12 * MIN },
    ]);
    expect(runs.every).toEqual([Date.UTC(2026, 0, 14, 0, 5), Date.UTC(2026, 0, 14, 0, 10), Date.UTC(2026, 0, 14, 6, 12)]);
    expect(runs.cron).toEqual([Date.UTC(2026, 0, 14, 6, 12)]);
    expect(scheduler.wake()).toEqual([]); // a second wake signal changes nothing
    clock.advance(3 * HOUR); // planned again from the wake: 06:17, …; the 09:00 job on time
    expect(runs.every).toHaveLength(3 + 36);
    expect(runs.every[3]).toBe(Date.UTC(2026, 0, 14, 6, 17));
    expect(runs.notYet).toEqual([Date.UTC(2026, 0, 14, 9, 0)]);
    expect(runs.cron).toHaveLength(1);
    scheduler.stop();
  });
});
