import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src-shared/domain';
import { createCore } from '../app';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { packTrace } from './trace-codec';
import { PIPELINE } from '../router';
import { alertEvent } from '../router/testing';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const YAML = `channels: [{ name: sink, type: webhook, url: "http://127.0.0.1:9/hook", digest: 0 }]\nroutes: [{ channels: [sink] }]\n`;

describe('the deciding pass’s garbage (R-SCALE-38)', () => {
  it('R-SCALE-38: events decided in one millisecond share their like trace entries, and each row stores the same text as fresh entries give', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-trace-sharing-'));
    dirs.push(dir);
    // A stopped clock: the whole batch is decided "at once", as a storm's events are within a millisecond.
    const c = createCore({ config: parseConfig(YAML), dataDir: dir, log: createLogger(null), clock: new FakeClock() });
    const { events } = c.areas.router;
    // What the pipeline hands the store, as it is during the call (the array is the deciding pass's own afterwards).
    const written: Array<{ id: string; receivedAt: number; trace: TraceEntry[] }> = [];
    const insertDecided = events.insertDecided.bind(events);
    events.insertDecided = (e, u) => {
      written.push({ id: e.id, receivedAt: e.receivedAt, trace: u.trace.slice() });
      return insertDecided(e, u);
    };
    // The row's text as stored (read after the commit: the deciding pass writes its rows 32 to a statement, R-SCALE-37).
    const stored = (id: string) => (c.areas.db.prepare(`SELECT trace FROM events WHERE id = ?`).get(id) as { trace: string }).trace;
    // One alertname, ten hosts: the first opens the group and is notified, the other nine join it.
    const ids = c.areas.router.ingest(
      Array.from({ length: 10 }, (_, i) =>
        alertEvent({ fingerprint: `fp-${i}`, summary: 'bench alert', labels: { alertname: 'BenchAlert', instance: `api${i}` } }),
      ),
      'POST /api/v1/events',
    );
    await c.areas.router.drain();
    expect(written.map((w) => w.id)).toEqual(ids);
    const [first, ...joined] = written;
    expect(first!.trace.map((t) => t.stage)).toEqual(['normalise', 'persist', ...PIPELINE]);
    const entry = (w: (typeof written)[number], stage: string) => w.trace.find((t) => t.stage === stage)!;
    for (const w of joined) {
      expect(events.get(w.id)!.outcome).toBe('grouped');
      // What every event says alike is one object, the runner's "nothing to do" included: not an object per event.
      for (const stage of ['dedupe', 'ack', 'silence', 'mute', 'severity', 'triage', 'route', 'flap', 'burst'])
        expect(entry(w, stage), stage).toBe(entry(joined[0]!, stage));
      expect(entry(w, 'ack')).toBe(entry(first!, 'ack'));
      if (w !== joined[0]) expect(entry(w, 'group')).not.toBe(entry(joined[0]!, 'group')); // "joins group … (n alerts)": its own
    }
    // Shared entries store exactly the text fresh objects of the same entries store, and read back whole.
    for (const w of written) {
      expect(stored(w.id)).toBe(packTrace(structuredClone(w.trace), w.receivedAt));
      expect(events.get(w.id)!.trace).toEqual(w.trace);
    }
    await c.stop();
  });
});
