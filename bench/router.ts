import { benchFirstDelivery, benchInProcess, firstDeliveryWal } from './_router-inproc';
import { benchHttp } from './_router-http';
import { benchLatency } from './_router-latency';
import { firstDeliveryRows } from './_router-rows';

/**
 * `npm run bench -- router`: (a) in-process router vs a raw batched insert,
 * (a') the deciding pass of first deliveries in a real core (the figure a decider thread must sustain),
 * (b) HTTP webhook ingest into `vigil serve` vs Alertmanager's own API,
 * (c) first-notification latency with a hanging AI triager vs triage off.
 * BENCH_ROUTER_ONLY=first runs (a') alone (3 runs), for profiling the deciding pass with `node --cpu-prof`;
 * BENCH_ROUTER_ONLY=rows counts what (a') writes: statement runs, rows, index entries and bytes an alert (no times);
 * BENCH_ROUTER_ONLY=http runs (b) alone (the main thread's cost of intake and sending, BENCH_ROUTER_PROFILE to profile it);
 * BENCH_ROUTER_ROUNDS=0 with it runs round 0 (first deliveries) alone, for A/B runs of the storm's first seconds.
 */
export default async function main(): Promise<void> {
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const first = async (am?: number) => {
    const f: number[] = [];
    for (let i = 0; i < 3; i++) f.push((await benchFirstDelivery(1_500, 20, am)).decidedPerSec);
    return median(f);
  };
  if (process.env.BENCH_ROUTER_ONLY === 'first') {
    const d = await first();
    console.log(`(a') median over 3 runs: ${d.toFixed(0)} events/s decided (${(1e6 / d).toFixed(1)} µs/event)`);
    await firstDeliveryWal();
    return;
  }
  if (process.env.BENCH_ROUTER_ONLY === 'rows') return void (await firstDeliveryRows());
  if (process.env.BENCH_ROUTER_ONLY === 'http') return void (await benchHttp());
  const a: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await benchInProcess();
    a.push(r.routerPerSec / r.rawPerSec);
  }
  console.log(`(a) median ratio over 3 runs: ${median(a).toFixed(2)}×`);
  const d = await first();
  await firstDeliveryWal();
  const { am } = await benchHttp();
  console.log(
    `(a') first delivery decided in-process, median of 3: ${d.toFixed(0)} events/s (${(1e6 / d).toFixed(1)} µs/event) = ` +
      `${(d / am).toFixed(2)}× Alertmanager's ${am.toFixed(0)} alerts/s measured in (b) (target ≥ 1×)`,
  );
  await benchLatency();
}
