// `npm run bench -- memory`: OpenClaw recall over N insights with D-dimensional vectors.
// Vigil stores one float32 blob per insight and model and ranks with sqlite-vec's
// vec_distance_cosine (brute force, any dimension per model). The peer is sqlite-vec's
// vec0 virtual table (fixed dimension per table). Also FTS5 BM25 keyword recall.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, sqliteMemoryRepository } from '../src-main/core/store';

const N = Number(process.env.BENCH_MEMORY_N ?? 20_000);
const D = Number(process.env.BENCH_MEMORY_DIM ?? 768);
const Q = 50;
const WORDS = [
  'disk',
  'full',
  'memory',
  'leak',
  'cpu',
  'load',
  'postgres',
  'connections',
  'tls',
  'certificate',
  'expired',
  'nginx',
  'restart',
  'dns',
  'latency',
  'queue',
  'backlog',
  'oom',
  'kafka',
  'lag',
];

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
function unit(r: () => number): Float32Array {
  const v = new Float32Array(D);
  let n = 0;
  for (let i = 0; i < D; i++) n += (v[i] = r() - 0.5) ** 2;
  n = Math.sqrt(n);
  for (let i = 0; i < D; i++) v[i] = (v[i] as number) / n;
  return v;
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-memory-'));
  try {
    const { db } = openDatabase(join(dir, 'vigil.db'));
    const repo = sqliteMemoryRepository(db);
    const r = rand(42);
    db.exec(`CREATE VIRTUAL TABLE peer USING vec0(embedding float[${D}] distance_metric=cosine)`);
    const peerIns = db.prepare('INSERT INTO peer(rowid, embedding) VALUES (?, ?)');
    let t0 = performance.now();
    db.transaction(() => {
      for (let i = 0; i < N; i++) {
        const title = Array.from({ length: 4 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
        const ins = repo.add({ kind: 'note', source: 'bench', title, body: `${title} on host-${i % 97}` }, i);
        const v = unit(r);
        repo.complete(ins.id, 'bench-model', v, i);
        peerIns.run(BigInt(ins.id), Buffer.from(v.buffer));
      }
    })();
    const loadS = (performance.now() - t0) / 1000;
    const queries = Array.from({ length: Q }, () => unit(r));
    const time = (fn: (q: Float32Array, i: number) => unknown): number[] =>
      queries.map((q, i) => {
        const s = performance.now();
        fn(q, i);
        return performance.now() - s;
      });
    const peerQ = db.prepare('SELECT rowid AS id, distance FROM peer WHERE embedding MATCH ? AND k = 10');
    // Same answers first: both must return the same top 10.
    for (const q of queries.slice(0, 5)) {
      const a = repo.nearest('bench-model', q, 10).map((x) => x.id);
      const b = (peerQ.all(Buffer.from(q.buffer)) as Array<{ id: number }>).map((x) => Number(x.id));
      if (a.join() !== b.join()) throw new Error(`top-10 differs: ${a.join()} vs ${b.join()}`);
    }
    const vigil = time((q) => repo.nearest('bench-model', q, 10));
    const peer = time((q) => peerQ.all(Buffer.from(q.buffer)));
    const kw = time((_q, i) => repo.keyword(`${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]}`, 10));
    t0 = performance.now();
    db.close();
    const rows = [
      ['Vigil: vec_distance_cosine over stored blobs', vigil],
      ['peer: sqlite-vec vec0 KNN (fixed dim)', peer],
      ['Vigil: FTS5 BM25 keyword', kw],
    ] as const;
    console.log(`${N} insights × ${D} dims (loaded with vectors in ${loadS.toFixed(1)} s); ${Q} queries, top 10`);
    console.log('| method | p50 ms | p95 ms |');
    console.log('|---|---|---|');
    for (const [name, xs] of rows) console.log(`| ${name} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.95).toFixed(1)} |`);
    console.log(`ratio p50 Vigil/peer (vector): ${(pct(vigil, 0.5) / pct(peer, 0.5)).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
