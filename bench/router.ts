import { benchInProcess } from './_router-inproc';
import { benchHttp } from './_router-http';
import { benchLatency } from './_router-latency';

/**
 * `npm run bench -- router`: (a) in-process router vs a raw batched insert,
 * (b) HTTP webhook ingest into `vigil serve` vs Alertmanager's own API,
 * (c) first-notification latency with a hanging AI triager vs triage off.
 */
export default async function main(): Promise<void> {
  const a: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await benchInProcess();
    a.push(r.routerPerSec / r.rawPerSec);
  }
  console.log(`(a) median ratio over 3 runs: ${a.sort((x, y) => x - y)[1]!.toFixed(2)}×`);
  await benchHttp();
  await benchLatency();
}
