// What held a server's main thread while /health probes were slow (bench health): its GC pauses and event-loop
// stalls (bench/_main-thread.mjs, a preload in the server), the time it spent runnable but waiting for a CPU
// (Linux /proc schedstat, read by the prober around each probe) and its threads' CPU and nice values.
import { readdirSync, readFileSync } from 'node:fs';

/** One probe: latency, when it was sent (epoch ms), and during it the main thread's ms on a CPU and ms waiting for one, and the prober's own ms waiting. */
/** `mainAt`: the main thread's [ms on a CPU, ms waiting for one] since it started, read as the probe was sent. */
export type Probe = { ms: number; at: number; ran: number; waited: number; proberWaited: number; mainAt?: [number, number] };

/**
 * The main thread's ms on a CPU and ms runnable waiting for one over the phase's first `ms` (from its first probe to
 * the first probe sent `ms` or more after it), and the slowest probe sent in that time; null without such probes.
 */
export function mainInFirst(probes: Probe[], ms: number): { ran: number; waited: number; span: number; slowest: number } | null {
  const first = probes[0];
  const end = probes.find((p) => p.at - (first?.at ?? 0) >= ms);
  if (!first?.mainAt || !end?.mainAt) return null;
  const within = probes.filter((p) => p.at < end.at).map((p) => Math.abs(p.ms));
  return {
    ran: end.mainAt[0] - first.mainAt[0],
    waited: end.mainAt[1] - first.mainAt[1],
    span: end.at - first.at,
    slowest: Math.max(...within),
  };
}
/** A GC pause or an event-loop stall on the server's main thread (epoch ms). */
export type Held = { at: number; ms: number; kind: string };

/** The prober's reading of a thread's schedstat: [ns on a CPU, ns runnable waiting for one] (zeros off Linux). */
export const SCHEDSTAT_JS = `(f) => { try { const [r, w] = require('node:fs').readFileSync(f, 'utf8').split(' '); return [Number(r) / 1e6, Number(w) / 1e6]; } catch { return [0, 0]; } }`;

/** A thread's ms on a CPU, ms runnable waiting for one, and how many times it got one (Linux /proc schedstat). */
export function schedstat(pid: number, tid = pid): { ran: number; waited: number; runs: number } | null {
  try {
    const [r, w, n] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
    return { ran: Number(r) / 1e6, waited: Number(w) / 1e6, runs: Number(n) };
  } catch {
    return null;
  }
}

/** Per thread: name (comm), nice, CPU seconds used. */
export function threadTimes(pid: number): Map<number, { name: string; nice: number; cpu: number }> {
  const out = new Map<number, { name: string; nice: number; cpu: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // After the ')' that ends the name: utime, stime are fields 14, 15; nice is 19.
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(tid), { name, nice: Number(f[16]), cpu: (Number(f[11]) + Number(f[12])) / 100 });
    }
  } catch {
    // not Linux, or the process ended
  }
  return out;
}

/** The threads that used ≥ 0.1 s between two readings: "main 1.1 s (nice 0), vigil-decider 6.0 s (nice 10), …". */
export function threadCpuLine(pid: number, before: ReturnType<typeof threadTimes>, after: ReturnType<typeof threadTimes>): string {
  const used = [...after]
    .map(([tid, t]) => ({ ...t, tid, cpu: t.cpu - (before.get(tid)?.cpu ?? 0) }))
    .filter((t) => t.cpu >= 0.1)
    .sort((a, b) => b.cpu - a.cpu);
  return used.map((t) => `${t.tid === pid ? 'main' : t.name} ${t.cpu.toFixed(1)} s (nice ${t.nice})`).join(', ');
}

export function readHeld(file: string): Held[] | null {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Held);
  } catch {
    return null;
  }
}

const overlap = (h: Held, from: number, to: number): number => Math.max(0, Math.min(h.at + h.ms, to) - Math.max(h.at, from));

/** Totals for a window: GC pauses (count, ms, the longest) and stalls of the event loop (count, ms, the longest). */
export function heldSummary(held: Held[], [from, to]: [number, number]): string {
  const inPhase = held.filter((h) => h.at >= from && h.at <= to);
  const part = (xs: Held[], what: string) => {
    const longest = [...xs].sort((a, b) => b.ms - a.ms).slice(0, 4);
    const sum = xs.reduce((a, h) => a + h.ms, 0);
    // By kind: a major GC's pause is what a probe waits behind, and its marking steps ran on this thread before it.
    const kinds = [...new Set(xs.map((h) => h.kind))].filter((k) => k !== 'stall');
    const byKind = kinds.length ? ` (${kinds.map((k) => `${k} ${xs.filter((h) => h.kind === k).length}`).join(', ')})` : '';
    return (
      `${what}: ${xs.length}${byKind}, ${sum.toFixed(0)} ms in all; longest ` +
      longest
        .map((h) => `${h.ms.toFixed(0)} ms${h.kind === 'stall' ? '' : ` ${h.kind}`} at +${((h.at - from) / 1000).toFixed(1)} s`)
        .join(', ')
    );
  };
  return `main thread in the loaded phase: ${part(
    inPhase.filter((h) => h.kind !== 'stall'),
    'GC pauses',
  )}\n  ${part(
    inPhase.filter((h) => h.kind === 'stall'),
    'event-loop stalls ≥ 5 ms',
  )}`;
}

/** One line per slow probe: what the main thread did while it waited (s into the phase; ms of the probe's time). */
export function explainProbes(probes: Probe[], held: Held[] | null, phaseStart: number, n: number, profile?: string): string[] {
  return [...probes]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n)
    .map((p) => {
      const [from, to] = [p.at, p.at + p.ms];
      const within = (held ?? []).filter((h) => overlap(h, from, to) > 0);
      const gc = within.filter((h) => h.kind !== 'stall');
      const stall = within.filter((h) => h.kind === 'stall').sort((a, b) => b.ms - a.ms)[0];
      const gcMs = gc.reduce((a, h) => a + overlap(h, from, to), 0);
      return (
        `  ${p.ms.toFixed(0)} ms at +${((p.at - phaseStart) / 1000).toFixed(1)} s: main ran ${p.ran.toFixed(0)}, waited for a CPU ${p.waited.toFixed(0)}` +
        `; GC ${gcMs.toFixed(0)}${gc.length ? ` (${[...new Set(gc.map((h) => h.kind))].join('+')})` : ''}` +
        `; longest loop stall ${stall ? `${stall.ms.toFixed(0)} (from ${(stall.at - from).toFixed(0)})` : '< 5'}; prober waited ${p.proberWaited.toFixed(0)}` +
        (profile ? `\n    main thread's CPU profile: ${profileTop(profile, [from - 20, to], 6)}` : '')
      );
    });
}

type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
  epochOffsetMs?: number;
};

/** A main-thread .cpuprofile (bench/_cpu-profile.mjs) as self time per function inside [from, to] (epoch ms): "12 ms flush (stream/writable:12)". */
export function profileTop(file: string, [from, to]: [number, number], n: number): string {
  let p: CpuProfile;
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  } catch {
    return '';
  }
  const byId = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const self = new Map<string, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const at = t / 1000 + (p.epochOffsetMs ?? 0);
    if (at < from || at > to) continue;
    const f = byId.get(p.samples[i]!)!;
    if (f.functionName === '(idle)') continue;
    const where = f.url ? ` (${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1})` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, ms]) => `${ms.toFixed(0)} ms ${k}`)
    .join(', ');
}
