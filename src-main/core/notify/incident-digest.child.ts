// A process for the kill -9 test of R-NOTIFY-9 (incident-digest.test.ts): on the database in argv[2] it sends an
// incident's first message to the webhook at argv[3], holds three follow-ups, prints "HELD 3" and waits to be killed.
import { buildChannels } from '../channels';
import { createOutbox } from './outbox';
import { alert, notifyTestBed, until } from './testing';

const [dir, url] = process.argv.slice(2) as [string, string];
const T = { key: 'r0|alertname=HighCPU' };

async function main(): Promise<void> {
  const bed = notifyTestBed({ channels: [{ name: 'hook', type: 'webhook', url }] }, {}, dir);
  const o = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }));
  o.start();
  const state = (key: string) => o.store.list({ channel: 'hook', limit: 50 }).find((r) => r.key === key)?.state;
  o.writer.enqueue('hook', alert('WARNING: HighCPU on app01', { severity: 'warning', thread: T }), 'first');
  await until(() => state('first') === 'sent', 'the first message', 20_000);
  bed.clock.advance(10_000);
  for (const [i, host] of ['app02', 'app03', 'app04'].entries())
    o.writer.enqueue('hook', alert(`WARNING: HighCPU +1 more on ${host}`, { kind: 'group', severity: 'warning', thread: T }), `u${i}`);
  await until(() => ['u0', 'u1', 'u2'].every((k) => state(k) === 'held'), 'three held follow-ups', 20_000);
  process.stdout.write('HELD 3\n');
  setInterval(() => undefined, 1_000); // stay alive until killed
}

void main();
