import { alertmanagerAvailable } from '../e2e/fixtures/alertmanager';
import { replayAlertmanager } from './storm/alertmanager';
import { burstCost } from './storm/scale';
import { generateStorm } from './storm/generate';
import { score, type Score } from './storm/score';
import { replayVigil } from './storm/vigil';

const TICK_MS = 250;
/** After the storm, how long both may still notify (covers Alertmanager's 30 s group_wait for the last groups). */
const TAIL_MS = 45_000;

const pct = (n: number) => `${n.toFixed(2)}%`;
const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`);

function print(s: Score): void {
  console.log(`  ${s.name}`);
  console.log(`    notifications sent:        ${s.sent} (${pct(s.percentOfRaw)} of ${s.raw} raw events)`);
  console.log(
    `      by incident kind:        persistent ${s.byKind.persistent}, flapping ${s.byKind.flapping}, burst ${s.byKind.burst}, info ${s.byKind.info}`,
  );
  console.log(`    distinct incidents missed: ${s.missed.length}${s.missed.length ? ` (${s.missed.map((m) => m.id).join(', ')})` : ''}`);
  console.log(`    time to first notification: ${secs(s.firstAfterMs)} after the first incident started`);
}

/**
 * `npm run bench -- storm`: one generated storm (≥ 10,000 events on a
 * 150 s timeline) replayed into Vigil (in-process core, FakeClock stepping
 * through the timeline) and in real time into a real Alertmanager 0.25
 * twice: group_by [alertname] with group_wait 30s / group_interval 5m (its usual
 * settings) and with group_wait 1s / group_interval 30s (tuned for fast pages), repeat 4h.
 * Both are scored to the same horizon: the storm plus 45 s.
 */
export default async function storm(): Promise<void> {
  const s = generateStorm();
  const horizonMs = s.durationMs + TAIL_MS;
  console.log(
    `storm: ${s.events.length} events over ${s.durationMs / 1000} s, ${s.incidents.length} incidents (${s.incidents.filter((i) => i.kind === 'persistent').length} persistent, ${s.incidents.filter((i) => i.kind === 'flapping').length} flapping, 1 burst of 400 hosts lasting ~10 s); info noise is not an incident`,
  );
  console.log(`horizon: storm + ${TAIL_MS / 1000} s = ${horizonMs / 1000} s; intake ticks of ${TICK_MS} ms`);

  const v = await replayVigil(s, { tickMs: TICK_MS, horizonMs });
  const vs = score('Vigil (FakeClock replay of the same timeline; default router settings)', s, v.notices);
  print(vs);
  console.log(
    `    (replayed in ${(v.wallMs / 1000).toFixed(1)} s of wall time; the first notification was enqueued ${v.realFirstMs.toFixed(1)} ms of real time after its intake batch arrived)`,
  );

  const hosts = 20_000;
  const plain = await burstCost(hosts, false);
  const noisy = await burstCost(hosts, true);
  console.log(`  scale: a ${hosts}-host burst fired and resolved through the router in batches of 500`);
  console.log(
    `    without the noise stages: ${(plain.fireMs / 1000).toFixed(2)} s + ${(plain.resolveMs / 1000).toFixed(2)} s, ${plain.messages} messages`,
  );
  console.log(
    `    with flap/burst/group:    ${(noisy.fireMs / 1000).toFixed(2)} s + ${(noisy.resolveMs / 1000).toFixed(2)} s, ${noisy.messages} messages (${((noisy.fireMs + noisy.resolveMs) / (plain.fireMs + plain.resolveMs)).toFixed(2)}× the time)`,
  );

  if (!alertmanagerAvailable()) {
    console.log('  Alertmanager: not installed (prometheus-alertmanager); comparison skipped');
    return;
  }
  // Alertmanager's usual settings, and a short group_wait (what someone tuning it for fast pages would set): a fair peer
  // trades messages for speed, so both are reported (issue 17.6).
  const settings = [
    { groupWait: '30s', groupInterval: '5m' },
    { groupWait: '1s', groupInterval: '30s' },
  ];
  const results: Array<{ label: string; s: Score }> = [];
  for (const cfg of settings) {
    console.log(
      `  Alertmanager (group_wait ${cfg.groupWait}, group_interval ${cfg.groupInterval}): replaying in real time (${(horizonMs / 1000).toFixed(0)} s) …`,
    );
    const a = await replayAlertmanager(s, { tickMs: TICK_MS, horizonMs, ...cfg });
    const label = `Alertmanager 0.25 (real time; group_by [alertname], group_wait ${cfg.groupWait}, group_interval ${cfg.groupInterval}, repeat_interval 4h)`;
    const as = score(label, s, a.notices);
    print(as);
    if (a.lateTicks) console.log(`    (${a.lateTicks} intake ticks were posted more than ${TICK_MS} ms late)`);
    results.push({ label: `group_wait ${cfg.groupWait}`, s: as });
  }

  console.log('  verdict');
  for (const { label, s: as } of results) {
    console.log(`   vs Alertmanager ${label}:`);
    console.log(
      `    notifications: Vigil ${vs.sent} vs ${as.sent} (${as.sent ? (vs.sent / as.sent).toFixed(2) : '∞'}×) — target ≤ 1×: ${vs.sent <= as.sent ? 'met' : 'NOT met'}`,
    );
    console.log(`    without info noise: Vigil ${vs.sent - vs.byKind.info!} vs ${as.sent - as.byKind.info!}`);
    console.log(
      `    per incident (${s.incidents.length}): Vigil ${(vs.sent / s.incidents.length).toFixed(2)} vs ${(as.sent / s.incidents.length).toFixed(2)}`,
    );
    console.log(
      `    incidents missed: Vigil ${vs.missed.length} vs ${as.missed.length} — target 0: ${vs.missed.length === 0 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `    first notification: Vigil ${secs(vs.firstAfterMs)} vs ${secs(as.firstAfterMs)} — target ≤ 2 s: ${vs.firstAfterMs !== null && vs.firstAfterMs <= 2000 ? 'met' : 'NOT met'}`,
    );
  }
}
