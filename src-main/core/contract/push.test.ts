import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS, Collection, Topic, type Collection as CollectionName } from '../../../src-shared/api/topics';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { createLogger } from '../log';
import { ConfigSchema } from '../config';

/** Push topics against a real core on a temp SQLite file: a write to a collection reaches the views that show it. */
let core: Core;
let dir: string;
const clock = new FakeClock();
const pushes: CollectionName[][] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-push-'));
  core = createCore({
    config: ConfigSchema.parse({}),
    dataDir: dir,
    clock,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
  });
  core.ctx.bus.subscribe(Topic.changed, ({ what }) => void pushes.push(what));
});
afterAll(async () => {
  await core.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Run `act`, let the 100 ms coalescing window pass, and return the collections pushed meanwhile. */
async function changedBy(act: () => Promise<unknown>): Promise<Set<CollectionName>> {
  clock.advance(1000);
  pushes.length = 0;
  await act();
  clock.advance(150);
  return new Set(pushes.flat());
}

const ok = async (method: string, input: unknown) => {
  const r = await core.dispatch(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value;
};

describe('push topics', () => {
  it('R-CONTRACT-1: writing a memory entry pushes "memory" (the Memory page and agent settings refetch at once, not on their 30 s poll)', async () => {
    const seen = await changedBy(() => ok('memory.add', { kind: 'note', title: 'disk full on web-1' }));
    expect(seen.has(Collection.memory)).toBe(true);
  });

  it('R-CONTRACT-1: an L2 safe action on an insight pushes "memory" and, being audited, "audit"', async () => {
    const added = (await ok('memory.add', { kind: 'note', title: 'cpu load high' })) as { id: number };
    const seen = await changedBy(() => ok('memory.safeAction', { action: 'flag_for_human_review', insightId: added.id }));
    expect([...seen].sort()).toEqual(expect.arrayContaining([Collection.memory, Collection.audit]));
  });

  it('R-CONTRACT-1: a read pushes nothing', async () => {
    const seen = await changedBy(() => ok('memory.flags', {}));
    expect(seen.size).toBe(0);
  });

  it('R-CONTRACT-1: every collection a view can wait for is sent by some core module', () => {
    const sources: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) sources.push(readFileSync(p, 'utf8'));
      }
    };
    walk(join(__dirname, '..'));
    const sent = COLLECTIONS.filter((c) => sources.some((s) => s.includes(`Collection.${c}`)));
    expect(sent).toEqual(COLLECTIONS);
  });
});
