// `npm run bench -- events-indexes`: what each index on `events` costs a first delivery's insert. A real events table
// holding BENCH_INDEX_ROWS stored events gets 20,000 more, first deliveries of new fingerprints as the decider inserts
// them (insertDecided, 1,000 a transaction, synchronous = FULL): with the index set before migration 4 (the peer: an
// index by fingerprint, events_received by time alone), with the spec's set now, and with the spec's set less each
// index, alternated over three rounds: CPU µs a row (the process's user + system time over the inserts), WAL pages a
// row (checkpoints held off), and what an incident's raw-record export (store/loop.ts) then takes to find its events.
import { mkdtempSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir } from '../e2e/fixtures/serve';
import { eventId } from '../src-main/core/router';
import { eventTables, openDatabase, sqliteEventStore, type NewEvent, type ProcessedUpdate } from '../src-main/core/store';

const BASE = Number(process.env.BENCH_INDEX_ROWS ?? 200_000);
const N = 20_000;
const TX = 1_000;
const ROUNDS = 3;
const SPEC = eventTables.find((t) => t.name === 'events')!;
const INDEXES = Object.keys(SPEC.indexes!);
/** A configuration: 'before' (the set before migration 4), 'now' (the spec's), or the spec's less one index. */
type Config = 'before' | 'now' | string;

/** A first delivery as bench router's round 0 sends it (a new fingerprint, the webhook's annotations and origin). */
function row(i: number, at: number): [NewEvent, ProcessedUpdate] {
  const fp = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + 'a1b2c3d4';
  const e: NewEvent = {
    id: eventId(at),
    source: 'alertmanager',
    fingerprint: fp,
    severity: i % 10 === 0 ? 'critical' : 'warning',
    status: 'firing',
    summary: `bench alert ${i}`,
    description: null,
    labels: { alertname: `BenchAlert${i % 1000}`, instance: `host-${i}`, round: '0', severity: 'warning' },
    startsAt: at - 30,
    endsAt: null,
    receivedAt: at,
    annotations: { summary: `bench alert ${i}` },
    generatorURL: 'http://prometheus.local/graph',
    origin: { externalURL: 'http://alertmanager.local', groupKey: '{}:{alertname="BenchAlert"}', receiver: 'vigil' },
    trace: [
      { at, stage: 'normalise', result: 'pass', detail: 'POST /api/v1/alerts/alertmanager' },
      { at, stage: 'persist', result: 'pass', detail: 'stored (intake batch of 20)' },
    ],
  };
  return [e, { outcome: 'grouped', trace: e.trace, triage: null, channels: [] }];
}

type Figures = { us: number; pages: number; recent: number; all: number };

function run(config: Config, dir: string): Figures {
  const { db } = openDatabase(join(dir, `${config}-${Math.random().toString(36).slice(2)}.db`), {
    tables: eventTables,
    migrations: [],
  });
  if (config === 'before')
    db.exec(`DROP INDEX events_received; CREATE INDEX events_received ON events(received_at);
      CREATE INDEX events_fingerprint ON events(fingerprint, seq)`);
  else if (config !== 'now') db.exec(`DROP INDEX ${config}`);
  const store = sqliteEventStore(db);
  const at0 = Date.now() - 86_400_000;
  let i = 0;
  for (; i < BASE; i += TX)
    db.transaction(() => {
      for (let j = i; j < i + TX; j++) store.insertDecided(...row(j, at0 + j));
    })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('wal_autocheckpoint = 0');
  const rows = Array.from({ length: N }, (_, k) => row(BASE + k, at0 + BASE + k));
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < N; k += TX)
    db.transaction(() => {
      for (let j = k; j < k + TX; j++) store.insertDecided(...rows[j]!);
    })();
  const cpu = process.cpuUsage(cpu0);
  const page = db.pragma('page_size', { simple: true }) as number;
  const frames = statSync(`${db.name}-wal`).size / (page + 24);
  // An incident's raw records (store/loop.ts): its 10 members' events in its time window, the last N rows' or all.
  const members = rows.filter((_, k) => k % (N / 10) === 0).map(([e]) => e.fingerprint);
  const incident = db.prepare(
    `SELECT * FROM events WHERE received_at BETWEEN ? AND ? AND fingerprint IN (${members.map(() => '?').join(',')}) ORDER BY seq`,
  );
  const readMs = (from: number) => {
    const t = performance.now();
    for (let k = 0; k < 5; k++) incident.all(from, at0 + BASE + N, ...members);
    return (performance.now() - t) / 5;
  };
  const [recent, all] = [readMs(at0 + BASE), readMs(at0)];
  db.close();
  return { us: (cpu.user + cpu.system) / N, pages: frames / N, recent, all };
}

export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-idx-'));
  const configs: Config[] = ['before', 'now', ...INDEXES];
  const got = new Map<Config, Figures[]>(configs.map((c) => [c, []]));
  try {
    run('now', dir); // warm-up: the first run of a process pays for compiling the insert path
    // Each round in a rotated order, so that no configuration always runs first (or last) in a round.
    for (let r = 0; r < ROUNDS; r++)
      for (let k = 0; k < configs.length; k++) {
        const c = configs[(k + r) % configs.length]!;
        got.get(c)!.push(run(c, dir));
      }
  } finally {
    removeDir(dir);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const before = got.get('before')!;
  const [us0, pages0] = [median(before.map((x) => x.us)), median(before.map((x) => x.pages))];
  console.log(`events insert, ${N} first deliveries onto ${BASE} rows, ${TX} a transaction, median of ${ROUNDS} alternated rounds`);
  const reads = (xs: Figures[]) =>
    `an incident's raw records (10 members) over the last ${N} rows ${median(xs.map((x) => x.recent)).toFixed(1)} ms, ` +
    `over all ${BASE + N} ${median(xs.map((x) => x.all)).toFixed(1)} ms`;
  console.log(
    `  before migration 4 (by fingerprint; received_at alone): ${us0.toFixed(1)} µs CPU a row, ${pages0.toFixed(2)} WAL pages a row; ${reads(before)}`,
  );
  for (const c of configs.slice(1)) {
    const xs = got.get(c)!;
    const [us, pages] = [median(xs.map((x) => x.us)), median(xs.map((x) => x.pages))];
    console.log(
      `  ${c === 'now' ? 'now (the spec)' : `now without ${c}`}: ${us.toFixed(1)} µs (${(us / us0).toFixed(2)}× before), ` +
        `${pages.toFixed(2)} pages (${(pages0 - pages).toFixed(2)} fewer a row); ${reads(xs)}`,
    );
  }
  console.log(`  (load ${loadavg()[0]!.toFixed(1)})`);
}
