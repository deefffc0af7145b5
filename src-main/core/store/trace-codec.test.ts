import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TraceEntry, TriageResult } from '../../../src-shared/domain';
import { createCore } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { PIPELINE } from '../router';
import { alertEvent } from '../router/testing';
import { EXPORT_SPECS, exportTableChunks } from './export';
import { packTrace, unpackTrace } from './trace-codec';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const YAML = `channels: [{ name: sink, type: webhook, url: "http://127.0.0.1:9/hook", digest: 0 }]\nroutes: [{ channels: [sink] }]\n`;

/** A whole core on a real file, with what the pipeline handed to the store for each event (before it was packed). */
function core() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-trace-'));
  dirs.push(dir);
  const c = createCore({ config: parseConfig(YAML), dataDir: dir, log: createLogger(null) });
  const { events } = c.areas.router;
  const written = new Map<string, TraceEntry[]>();
  const triaged = new Map<string, TriageResult | null>();
  const insertDecided = events.insertDecided.bind(events);
  events.insertDecided = (e, u) => {
    written.set(e.id, structuredClone(u.trace));
    triaged.set(e.id, structuredClone(u.triage));
    return insertDecided(e, u);
  };
  const row = (id: string) =>
    c.areas.db.prepare(`SELECT trace, triage FROM events WHERE id = ?`).get(id) as { trace: string; triage: string };
  const raw = (id: string) => row(id).trace;
  return { c, events, written, triaged, raw, row };
}

describe('event trace and triage storage', () => {
  it('R-ROUTE-7: every stage a decided event passed reads back exactly as the pipeline wrote it, from a row half the size', async () => {
    const { c, events, written, triaged, raw, row } = core();
    const labels = (i: number) => ({ alertname: 'BenchAlert', instance: `api${i}` });
    const ids = c.areas.router.ingest(
      [
        alertEvent({ fingerprint: 'a', summary: 'bench alert', labels: labels(1) }),
        alertEvent({ fingerprint: 'b', summary: 'bench alert', severity: 'warning', labels: labels(2) }),
      ],
      'POST /api/v1/events',
    );
    await c.areas.router.drain();
    const [first, joined] = ids.map((id) => events.get(id)!);
    // The first of its group is notified: every stage of the pipeline is named, those with nothing to say too.
    expect(first!.outcome).toBe('notified');
    expect(first!.trace.map((t) => t.stage)).toEqual(['normalise', 'persist', ...PIPELINE]);
    expect(first!.trace.find((t) => t.stage === 'ack')).toMatchObject({ result: 'pass', detail: 'nothing to do' });
    // The second joins the group: held there, with its reason.
    expect(joined!.outcome).toBe('grouped');
    expect(joined!.trace.find((t) => t.result === 'held')).toMatchObject({ stage: 'group', detail: expect.stringMatching(/joins group/) });
    for (const e of [first!, joined!]) {
      expect(e.trace).toEqual(written.get(e.id));
      expect(raw(e.id).length).toBeLessThan(JSON.stringify(e.trace).length / 2);
      // Hermes' triage too, every field (its empty ones are not stored).
      expect(e.triage).toMatchObject({ agent: 'hermes', model: null, probableCause: null, suggestedActions: [] });
      expect(e.triage).toEqual(triaged.get(e.id));
      expect(row(e.id).triage.length).toBeLessThan(JSON.stringify(e.triage).length * 0.6);
    }
    // `vigil export` writes the whole entries too.
    const exported = [...exportTableChunks(c.areas.db, EXPORT_SPECS.events, 0, Number.MAX_SAFE_INTEGER)].flat();
    expect(exported.map((r) => r.trace)).toEqual([first!.trace, joined!.trace]);
    expect(exported.map((r) => r.triage)).toEqual([first!.triage, joined!.triage]);
    // So does the incident's raw-record export (`vigil export incident --format ndjson`): the trace text of whole entries.
    const [inc] = c.ctx.stores.loop.listIncidents(10);
    const nd = await c.dispatch('incidents.export', { id: inc!.id, format: 'ndjson' });
    if (!nd.ok) throw new Error(nd.error.message);
    const lines = (nd.value as { text: string }).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { record: string; id?: string; trace?: string; triage?: string });
    const rows = lines.filter((l) => l.record === 'events');
    expect(rows.map((r) => r.id)).toEqual([first!.id, joined!.id]);
    expect(rows.map((r) => r.trace)).toEqual([JSON.stringify(first!.trace), JSON.stringify(joined!.trace)]);
    expect(rows.map((r) => JSON.parse(r.triage!) as unknown)).toEqual([first!.triage, joined!.triage]);
    await c.stop();
  });

  it('R-ROUTE-7: rows stored with whole entries (before the compact form) read unchanged, and a late entry appends to a compact trace', async () => {
    const { c, events, raw } = core();
    const [id] = c.areas.router.ingest([alertEvent()], 'test');
    await c.areas.router.drain();
    const before = events.get(id!)!.trace;
    // A row as earlier versions wrote it: the whole entry objects.
    c.areas.db.prepare(`UPDATE events SET trace = ? WHERE id = ?`).run(JSON.stringify(before), id);
    expect(events.get(id!)!.trace).toEqual(before);
    expect(exportTableChunks(c.areas.db, EXPORT_SPECS.events, 0, Number.MAX_SAFE_INTEGER).next().value![0]!.trace).toEqual(before);
    c.areas.db.prepare(`UPDATE events SET trace = ? WHERE id = ?`).run(packTrace(before), id);
    expect(raw(id!)).not.toBe(JSON.stringify(before));
    // AI triage's late answer (amend) lands after the stages, in order.
    const late = { at: before.at(-1)!.at + 4_000, stage: 'triage', result: 'pass', detail: 'nothing to do' };
    events.amend(id!, late);
    expect(events.get(id!)!.trace).toEqual([...before, late]);
    // A triage stored whole (earlier versions) reads unchanged; an AI agent's, every field filled, round-trips.
    const hermes = events.get(id!)!.triage!;
    c.areas.db.prepare(`UPDATE events SET triage = ? WHERE id = ?`).run(JSON.stringify(hermes), id);
    expect(events.get(id!)!.triage).toEqual(hermes);
    const ai: TriageResult = {
      ...hermes,
      agent: 'nemotron',
      model: 'm-1',
      probableCause: 'disk',
      confidence: 0,
      runbook: 'r',
      suggestedActions: ['a'],
      fallbackReason: '',
    };
    events.amend(id!, { ...late, detail: 'late answer' }, ai);
    expect(events.get(id!)!.triage).toEqual(ai);
    await c.stop();
  });

  it('R-ROUTE-7: the stored form loses nothing: times, results, idle entries anywhere, old and new entries mixed', () => {
    const t = 1_790_000_000_000;
    const traces: TraceEntry[][] = [
      [],
      [{ at: t, stage: 'ack', result: 'pass', detail: 'nothing to do' }],
      [
        { at: t, stage: 'normalise', result: 'pass', detail: 'POST /x' },
        { at: t + 355, stage: 'dedupe', result: 'pass', detail: 'new fingerprint' },
        { at: t + 355, stage: 'ack', result: 'pass', detail: 'nothing to do' },
        { at: t + 356, stage: 'flap', result: 'pass', detail: 'nothing to do' },
        { at: t + 356, stage: 'silence', result: 'held', detail: 'nothing to do' },
        { at: t + 100, stage: 'group', result: 'grouped', detail: '' },
        { at: t + 100, stage: 'x', result: 'pass', detail: '["a",1]' },
      ],
    ];
    for (const tr of traces) expect(unpackTrace(JSON.parse(packTrace(tr)))).toEqual(tr);
    const mixed = [...JSON.parse(packTrace(traces[2]!)), { at: t + 9, stage: 'triage', result: 'ok', detail: 'late' }, 'plan'];
    expect(unpackTrace(mixed)).toEqual([
      ...traces[2]!,
      { at: t + 9, stage: 'triage', result: 'ok', detail: 'late' },
      {
        at: t + 9,
        stage: 'plan',
        result: 'pass',
        detail: 'nothing to do',
      },
    ]);
    expect(unpackTrace(null)).toEqual([]);
  });
});
