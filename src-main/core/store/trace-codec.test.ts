import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TraceEntry, TriageResult } from '../../../src-shared/domain';
import { createCore } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { PIPELINE } from '../router';
import { alertEvent } from '../router/testing';
import { openDatabase } from './db';
import { EXPORT_SPECS, exportTableChunks } from './export';
import { packTrace, unpackTrace } from './trace-codec';
import { TRACE_PHRASES } from './trace-phrases';
import { packTriage, TRIAGE_PHRASES, unpackTriage } from './triage-codec';

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

/**
 * The encoder as it was before packTrace wrote its text directly (R-SCALE-33): an array of items per trace, an array
 * per phrase tried, then one JSON.stringify. packTrace must write exactly its text, so every stored row reads the same.
 */
function referencePack(trace: readonly TraceEntry[], receivedAt: number): string {
  const phrases = TRACE_PHRASES.map(([stage, result, detail], code) => {
    const parts = detail.split('{}');
    return {
      code,
      stage: stage === '{}' ? null : stage,
      result: result === '{}' ? null : result,
      parts,
      holes: (stage === '{}' ? 1 : 0) + (result === '{}' ? 1 : 0) + parts.length - 1,
    };
  });
  const generic = phrases.filter((p) => p.stage === null).reverse();
  const arg = (s: string): string | number => (/^(0|[1-9][0-9]{0,8})$/.test(s) ? Number(s) : s);
  const holesOf = (detail: string, parts: string[], out: Array<number | string>): boolean => {
    if (parts.length === 1) return detail === parts[0];
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    const end = detail.length - last.length;
    if (end < first.length || !detail.startsWith(first) || !detail.endsWith(last)) return false;
    const args: Array<number | string> = [];
    let pos = first.length;
    for (let i = 1; i < parts.length - 1; i++) {
      const j = detail.indexOf(parts[i]!, pos);
      if (j < 0 || j + parts[i]!.length > end) return false;
      args.push(arg(detail.slice(pos, j)));
      pos = j + parts[i]!.length;
    }
    out.push(...args, arg(detail.slice(pos, end)));
    return true;
  };
  const item = (e: TraceEntry): unknown => {
    if (typeof e.stage !== 'string' || typeof e.result !== 'string' || typeof e.detail !== 'string') return e;
    for (const p of [...phrases.filter((q) => q.stage === e.stage), ...generic]) {
      if (p.result !== null && p.result !== e.result) continue;
      if (p.holes === 0) {
        if (e.detail === p.parts[0]) return p.code;
        continue;
      }
      const out: Array<number | string> = [p.code];
      if (p.stage === null) out.push(e.stage);
      if (p.result === null) out.push(e.result);
      if (holesOf(e.detail, p.parts, out)) return out;
    }
    return [0, e.stage, e.result, e.detail];
  };
  const out: unknown[] = [1];
  let now = receivedAt;
  for (const e of trace) {
    const it = item(e);
    if (it !== e && e.at !== now) out.push([e.at - now]);
    now = e.at;
    out.push(it);
  }
  return JSON.stringify(out);
}

describe('event trace and triage storage', () => {
  it('R-ROUTE-7, R-SCALE-26: every stage a decided event passed reads back exactly as the pipeline wrote it, from a fifth of the text', async () => {
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
      expect(raw(e.id).length).toBeLessThan(JSON.stringify(e.trace).length / 5);
      // Hermes' triage too, every field (its empty ones are not stored).
      expect(e.triage).toMatchObject({ agent: 'hermes', model: null, probableCause: null, suggestedActions: [] });
      expect(e.triage).toEqual(triaged.get(e.id));
      expect(row(e.id).triage.length).toBeLessThan(JSON.stringify(e.triage).length / 4);
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

  it('R-ROUTE-7: a late entry and an AI triage (amend) land on a compact row and read back whole', async () => {
    const { c, events } = core();
    const [id] = c.areas.router.ingest([alertEvent()], 'test');
    await c.areas.router.drain();
    const before = events.get(id!)!.trace;
    // AI triage's late answer (amend) lands after the stages, in order.
    const late = { at: before.at(-1)!.at + 4_000, stage: 'triage', result: 'pass', detail: 'nothing to do' };
    events.amend(id!, late);
    expect(events.get(id!)!.trace).toEqual([...before, late]);
    // An AI agent's triage, every field filled, round-trips.
    const hermes = events.get(id!)!.triage!;
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

  it('R-ROUTE-7, R-SCALE-26: the stored form loses nothing: times (also before received_at), results, every phrase, text that only looks like one', () => {
    const r = 1_790_000_000_000;
    const traces: TraceEntry[][] = [
      [],
      [{ at: r, stage: 'ack', result: 'pass', detail: 'nothing to do' }],
      [
        { at: r - 5, stage: 'normalise', result: 'pass', detail: 'POST /x' },
        { at: r + 355, stage: 'dedupe', result: 'pass', detail: 'new fingerprint' },
        { at: r + 355, stage: 'ack', result: 'pass', detail: 'nothing to do' },
        { at: r + 356, stage: 'flap', result: 'pass', detail: 'nothing to do' },
        { at: r + 356, stage: 'silence', result: 'held', detail: 'nothing to do' },
        { at: r + 100, stage: 'group', result: 'grouped', detail: '' },
        { at: r + 100, stage: 'x', result: 'pass', detail: '["a",1]' },
        { at: r + 100, stage: 'route', result: 'pass', detail: 'routes #0 → a → b' },
        { at: r + 100, stage: 'route', result: 'pass', detail: 'routes #007 → 12' },
        { at: r + 100, stage: 'route', result: 'pass', detail: 'routes #0' },
        { at: r + 100, stage: 'persist', result: 'pass', detail: 'stored (intake batch of 1234567890123)' },
        { at: r + 100, stage: 'incident', result: 'opened', detail: 'incident {}' },
        { at: r + 100, stage: 'severity', result: 'pass', detail: 'warning ' },
        { at: r + 100, stage: 'new-stage', result: 'odd', detail: 'nothing to do' },
      ],
      [
        { at: r + 0.5, stage: 'dedupe', result: 'pass', detail: 'new fingerprint' },
        { at: r + 7, stage: 'x', result: 'pass', detail: 42 as unknown as string }, // not text: kept whole
        { at: r + 7, stage: 'ack', result: 'pass', detail: 'nothing to do' },
        { at: r - 1e6, stage: 'route', result: 'pass', detail: 'routes #12 → "quoted" \\ \u2028 ✓' },
        { at: r - 1e6, stage: 'triage', result: 'pass', detail: 'hermes: 0012 123456789' },
      ],
      // A stage saying the same again (its last entry's text is kept), then the same words with another result.
      [
        { at: r, stage: 'route', result: 'pass', detail: 'routes #0 → a' },
        { at: r, stage: 'route', result: 'pass', detail: 'routes #0 → a' },
        { at: r, stage: 'route', result: 'held', detail: 'routes #0 → a' },
        { at: r, stage: 'route', result: 'pass', detail: 'routes #0 → a' },
        { at: r, stage: 'nostage', result: 'pass', detail: 'routes #0 → a' },
        { at: r, stage: 'nostage', result: 'pass', detail: 'routes #0 → a' },
        { at: r, stage: 'route', result: 'pass', detail: 'nothing to do' },
        { at: r, stage: 'route', result: 'pass', detail: 'routes #0 → a' },
      ],
    ];
    for (const tr of traces) {
      expect(unpackTrace(JSON.parse(packTrace(tr, r)), r)).toEqual(tr);
      // R-SCALE-33: the text itself is the array encoder's, byte for byte (whole entries and odd times too).
      expect(packTrace(tr, r)).toBe(referencePack(tr, r));
    }
    // Every phrase of the table, its holes filled with text, numbers and text holding the phrase's own words.
    TRACE_PHRASES.forEach(([stage, result, detail], k) => {
      for (const fill of ['x', '12', '', ' → ', '(a): "b"', detail]) {
        const at = r + k;
        const e: TraceEntry = {
          at,
          stage: stage === '{}' ? `s${fill}` : stage,
          result: result === '{}' ? `r${fill}` : result,
          detail: detail.split('{}').join(fill),
        };
        const stored = packTrace([e], r);
        expect(stored).toBe(referencePack([e], r));
        expect(unpackTrace(JSON.parse(stored), r), `phrase ${k} filled with ${JSON.stringify(fill)}: ${stored}`).toEqual([e]);
      }
      expect(detail.includes('{}{}'), `phrase ${k}: two holes side by side cannot be told apart`).toBe(false);
    });
    // A late entry appended whole (amend) after stored items, and a code this version does not know (a newer Vigil's).
    const mixed = [...(JSON.parse(packTrace(traces[2]!, r)) as unknown[]), { at: r + 9, stage: 'triage', result: 'ok', detail: 'late' }, 4];
    expect(unpackTrace(mixed, r)).toEqual([
      ...traces[2]!,
      { at: r + 9, stage: 'triage', result: 'ok', detail: 'late' },
      { at: r + 9, stage: 'ack', result: 'pass', detail: 'nothing to do' },
    ]);
    expect(unpackTrace([1, 9999], r)).toEqual([
      { at: r, stage: 'unknown', result: 'pass', detail: 'trace phrase 9999 (written by a newer Vigil)' },
    ]);
    expect(unpackTrace(null, r)).toEqual([]);
  });

  it('R-SCALE-26: the phrase tables are append-only: a released phrase never changes its meaning', () => {
    // A stored row names phrases by index. Editing, removing or reordering a released entry would change what old rows
    // say; append instead, and add the new entries' count here (the digest covers the released ones only).
    const digest = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);
    expect(TRACE_PHRASES.length).toBeGreaterThanOrEqual(71);
    expect(digest(TRACE_PHRASES.slice(0, 71))).toBe('837551ec4061715b');
    expect(TRIAGE_PHRASES.length).toBeGreaterThanOrEqual(19);
    expect(digest(TRIAGE_PHRASES.slice(0, 19))).toBe('5179f04ead9cbff9');
  });

  it("R-SCALE-26: a triage reads back whole: the summary when it is not the event's, suggestions known or not, every field", () => {
    const ev = { summary: 'Disk almost full on web1', receivedAt: 1_790_000_000_000 };
    const base: TriageResult = {
      agent: 'hermes',
      model: null,
      summary: ev.summary,
      probableCause: null,
      confidence: null,
      fallbackReason: null,
      at: ev.receivedAt + 12,
      category: 'disk',
      priority: 'P2',
      runbook: null,
      suggestedActions: ['rotate or prune logs and old images', 'call Bob'],
    };
    const cases: TriageResult[] = [
      base,
      { ...base, summary: 'something else', at: ev.receivedAt - 3, suggestedActions: [] },
      {
        ...base,
        agent: 'nemotron',
        model: 'm',
        probableCause: 'p',
        confidence: 0,
        runbook: '',
        fallbackReason: 'x',
        suggestedActions: ['0'],
      },
    ];
    for (const t of cases) {
      const stored = packTriage(t, ev);
      expect(JSON.stringify(unpackTriage(JSON.parse(stored), ev))).toBe(JSON.stringify(unpackTriage(JSON.parse(packTriage(t)), ev)));
      expect(unpackTriage(JSON.parse(stored), ev)).toEqual(t);
    }
    expect(packTriage(base, ev).length).toBeLessThan(JSON.stringify(base).length / 4);
  });

  it('R-SCALE-26: rows written by the previous version read exactly as that version read them (API, export) from its file, beside new rows', async () => {
    // The fixture holds rows as main at 9db921e wrote them (form 0 trace and triage, origin as text) and what its
    // events.get and `vigil export` answered for them.
    const fx = JSON.parse(readFileSync(join(__dirname, 'events-form0.fixture.json'), 'utf8')) as {
      rows: Array<Record<string, unknown>>;
      api: Record<string, { ok: boolean; value: Record<string, unknown> }>;
      exported: unknown[];
    };
    // A data dir as that version left it: its rows, and no event_origins table.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-trace-'));
    dirs.push(dir);
    const old = openDatabase(join(dir, 'vigil.db')).db;
    const cols = Object.keys(fx.rows[0]!);
    const ins = old.prepare(`INSERT INTO events (${cols.join(', ')}) VALUES (${cols.map((k) => '@' + k).join(', ')})`);
    for (const row of fx.rows) ins.run(row);
    old.exec(`DROP TABLE event_origins`);
    old.close();
    const c = createCore({ config: parseConfig(YAML), dataDir: dir, log: createLogger(null) });
    const reads = async () => {
      for (const row of fx.rows) {
        const got = await c.dispatch('events.get', { id: row.id });
        const want = fx.api[row.id as string]!;
        // counters come from alert_state, which the fixture does not hold
        expect(JSON.stringify({ ...(got as typeof want).value, counters: null })).toBe(JSON.stringify({ ...want.value, counters: null }));
      }
      const exported = [...exportTableChunks(c.areas.db, EXPORT_SPECS.events, 0, Number.MAX_SAFE_INTEGER)].flat();
      expect(JSON.stringify(exported.slice(0, fx.rows.length))).toBe(JSON.stringify(fx.exported));
      return exported.slice(fx.rows.length);
    };
    await reads();
    // New rows beside them: two webhooks of one Alertmanager group and one of another.
    const origin = (groupKey: string) => ({ externalURL: 'http://am.local', groupKey, receiver: 'vigil' });
    const hook = (groupKey: string, n: number) =>
      Array.from({ length: n }, (_, i) => alertEvent({ fingerprint: `${groupKey}-${i}`, origin: origin(groupKey) }));
    c.areas.router.ingest(hook('{}:{alertname="A"}', 3), 'POST /api/v1/alerts/alertmanager');
    c.areas.router.ingest(hook('{}:{alertname="A"}', 2), 'POST /api/v1/alerts/alertmanager');
    c.areas.router.ingest(hook('{}:{alertname="B"}', 2), 'POST /api/v1/alerts/alertmanager');
    await c.areas.router.drain();
    const fresh = await reads();
    expect(fresh.map((r) => r.origin)).toEqual([
      ...Array(5).fill(JSON.stringify(origin('{}:{alertname="A"}'))),
      ...Array(2).fill(JSON.stringify(origin('{}:{alertname="B"}'))),
    ]);
    // Stored as references to two event_origins rows; the old rows keep their text.
    const n = (where: string) => (c.areas.db.prepare(`SELECT count(*) AS n FROM events WHERE ${where}`).get() as { n: number }).n;
    expect(n('origin_id IS NOT NULL AND origin IS NULL')).toBe(7);
    expect(n('origin IS NOT NULL AND origin_id IS NULL')).toBe(fx.rows.filter((r) => r.origin !== null).length);
    expect(c.areas.db.prepare(`SELECT count(*) AS n FROM event_origins`).get()).toEqual({ n: 2 });
    await c.stop();
  });
});
