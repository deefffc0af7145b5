import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Topic } from '../../src-shared/api/topics';
import { createCore, type Core } from './app';
import { FakeClock } from './clock';
import { parseConfig } from './config';
import { until } from './notify/testing';

const cores: Array<{ core: Core; dir: string }> = [];
afterEach(async () => {
  for (const { core, dir } of cores.splice(0)) {
    await core.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('no failure path is silent (R-ROUTE-1)', () => {
  it('R-ROUTE-1: a bus subscriber that throws becomes a vigil event and a log line; the publisher and the other subscribers carry on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bus-'));
    const lines: Array<{ msg: string; topic?: string; err?: { message: string } }> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as (typeof lines)[number]) });
    const core = createCore({ config: parseConfig('smoke: { enabled: false }'), dataDir: dir, clock: new FakeClock(), log });
    cores.push({ core, dir });
    await core.start();
    const seen: string[] = [];
    core.ctx.bus.subscribe(Topic.notice, () => {
      throw new Error('renderer bridge gone');
    });
    core.ctx.bus.subscribe(Topic.notice, (n) => void seen.push(n.title));
    core.ctx.bus.publish(Topic.notice, { id: 'n1', title: 'disk full', body: '', severity: 'critical', eventId: null, at: 0 });
    expect(seen).toEqual(['disk full']);
    expect(lines.find((l) => l.msg === 'bus subscriber failed')).toMatchObject({
      topic: 'notice',
      err: { message: 'renderer bridge gone' },
    });
    const vigil = core.areas.db.prepare(`SELECT summary, description FROM events WHERE source = 'vigil'`);
    await core.areas.router.drain();
    await until(() => vigil.all().length > 0, 'a vigil event');
    expect(vigil.all()).toEqual([
      { summary: expect.stringContaining('bus subscriber for topic notice'), description: expect.stringContaining('renderer bridge gone') },
    ]);
  });
});
