import { alertmanagerAvailable } from '../e2e/fixtures/alertmanager';
import { replayAlertmanager } from './storm/alertmanager';
import { burstCost } from './storm/scale';
import { generateFlappingGroup, generateRolling, generateStorm, type Storm } from './storm/generate';
import { groupsOf, score, type Score } from './storm/score';
import { replayVigil } from './storm/vigil';

const TICK_MS = 250;
/** After the storm, how long both may still notify (covers Alertmanager's 30 s group_wait for the last groups). */
const TAIL_MS = 45_000;

const pct = (n: number) => `${n.toFixed(2)}%`;
const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`);

function print(s: Score): void {
  console.log(`  ${s.name}`);
  console.log(
    `    notifications sent:        ${s.sent} (${pct(s.percentOfRaw)} of ${s.raw} raw events); ${s.perGroup.toFixed(2)} per incident`,
  );
  console.log(
    `      by incident kind:        persistent ${s.byKind.persistent}, flapping ${s.byKind.flapping}, burst ${s.byKind.burst}, rolling ${s.byKind.rolling ?? 0}, info ${s.byKind.info}`,
  );
  console.log(`    distinct incidents missed: ${s.missed.length}${s.missed.length ? ` (${s.missed.map((m) => m.id).join(', ')})` : ''}`);
  console.log(`    time to first notification: ${secs(s.firstAfterMs)} after the first incident started`);
}

/** Alertmanager's usual settings, and a short group_wait (what someone tuning it for fast pages would set): both reported (issue 17.6). */
const AM_SETTINGS = [
  { groupWait: '30s', groupInterval: '5m' },
  { groupWait: '1s', groupInterval: '30s' },
];

interface Row {
  who: string;
  s: Score;
}

async function oneStorm(storm: Storm, am: boolean): Promise<Row[]> {
  const horizonMs = storm.durationMs + TAIL_MS;
  const groups = groupsOf(storm);
  console.log(`\n--- storm: ${storm.name} ---`);
  console.log(
    `${storm.events.length} events over ${storm.durationMs / 1000} s, ${storm.incidents.length} incidents to mention in ${groups} alert group(s); horizon storm + ${TAIL_MS / 1000} s; intake ticks of ${TICK_MS} ms`,
  );
  const v = await replayVigil(storm, { tickMs: TICK_MS, horizonMs });
  const before = score('Vigil, one message per queued notification (before R-NOTIFY-8/9: what a webhook got)', storm, v.queued);
  const after = score('Vigil → Telegram, follow-ups folded into the incident message (editMessageText)', storm, v.messages, v.seen);
  const hook = score(
    'Vigil → webhook (cannot edit), follow-ups held into one digest per incident per 5 min (R-NOTIFY-9)',
    storm,
    v.webhook,
  );
  const hookAll = score('Vigil → webhook, once every held digest went out', storm, v.webhookAll);
  print(before);
  print(after);
  print(hook);
  console.log(
    `    (after the horizon the clock ran on to ${secs(v.webhookDoneAt)}: ${hookAll.sent} webhook messages in all, ${hookAll.perGroup.toFixed(2)} per incident, ${hookAll.missed.length} incidents missed — held follow-ups are late, never lost)`,
  );
  if (hookAll.missed.length) console.log(`    (missed by the webhook in all: ${hookAll.missed.map((m) => m.id).join(', ')})`);
  console.log(
    `    (${v.edits} edits, ${v.retries} retried sends; replayed in ${(v.wallMs / 1000).toFixed(1)} s of wall time; the first chat message arrived ${v.realFirstMs.toFixed(1)} ms of real time after its intake batch)`,
  );
  const rows: Row[] = [
    { who: 'Vigil before (every notification a message)', s: before },
    { who: 'Vigil after (Telegram, folded)', s: after },
    { who: 'Vigil after (webhook, 5 min digests)', s: hook },
  ];
  if (!am) return rows;
  for (const cfg of AM_SETTINGS) {
    console.log(
      `  Alertmanager (group_wait ${cfg.groupWait}, group_interval ${cfg.groupInterval}): replaying in real time (${(horizonMs / 1000).toFixed(0)} s) …`,
    );
    const a = await replayAlertmanager(storm, { tickMs: TICK_MS, horizonMs, ...cfg });
    const label = `Alertmanager 0.25 (real time; group_by [alertname], group_wait ${cfg.groupWait}, group_interval ${cfg.groupInterval}, repeat_interval 4h)`;
    const as = score(label, storm, a.notices);
    print(as);
    if (a.lateTicks) console.log(`    (${a.lateTicks} intake ticks were posted more than ${TICK_MS} ms late)`);
    rows.push({ who: `Alertmanager group_wait ${cfg.groupWait}`, s: as });
  }
  return rows;
}

/**
 * `npm run bench -- storm`: three generated storms — the mixed one (≥ 10,000 events on a 150 s timeline: persistent
 * alerts, flapping, a 400-host burst lasting ~10 s, info noise), a slow rolling failure across 50 hosts and a
 * flapping group — each replayed into Vigil (in-process core, FakeClock, delivering to a Telegram Bot API stand-in)
 * and in real time into a real Alertmanager 0.25 at group_wait 30s/group_interval 5m and 1s/30s. Reported per
 * storm: messages per incident (alert group), incidents missed, time to first notification.
 * BENCH_STORM=mixed,rolling,flapping picks storms (default all); BENCH_STORM_AM=0 skips Alertmanager.
 */
export default async function storm(): Promise<void> {
  const all = { mixed: generateStorm, rolling: generateRolling, flapping: generateFlappingGroup };
  const picked = (process.env.BENCH_STORM ?? 'mixed,rolling,flapping').split(',') as Array<keyof typeof all>;
  const am = alertmanagerAvailable() && process.env.BENCH_STORM_AM !== '0';
  if (!am) console.log('Alertmanager: not installed (prometheus-alertmanager); comparison skipped');
  const table: Array<{ storm: string; rows: Row[] }> = [];
  for (const name of picked) table.push({ storm: name, rows: await oneStorm(all[name](), am) });

  const hosts = 20_000;
  const plain = await burstCost(hosts, false);
  const noisy = await burstCost(hosts, true);
  console.log(`\n  scale: a ${hosts}-host burst fired and resolved through the router in batches of 500`);
  console.log(
    `    without the noise stages: ${(plain.fireMs / 1000).toFixed(2)} s + ${(plain.resolveMs / 1000).toFixed(2)} s, ${plain.messages} messages`,
  );
  console.log(
    `    with flap/burst/group:    ${(noisy.fireMs / 1000).toFixed(2)} s + ${(noisy.resolveMs / 1000).toFixed(2)} s, ${noisy.messages} messages (${((noisy.fireMs + noisy.resolveMs) / (plain.fireMs + plain.resolveMs)).toFixed(2)}× the time)`,
  );

  console.log('\n| storm | who | messages | per incident | incidents missed | first notification |');
  console.log('|---|---|---|---|---|---|');
  for (const { storm: name, rows } of table)
    for (const { who, s } of rows)
      console.log(`| ${name} | ${who} | ${s.sent} | ${s.perGroup.toFixed(2)} | ${s.missed.length} | ${secs(s.firstAfterMs)} |`);
  console.log('\nverdict (Vigil after vs each Alertmanager setting: messages per incident ≤ 1×, nothing missed, first notification ≤ 2 s)');
  for (const { storm: name, rows } of table)
    for (const { who: vigil, s: v } of rows.filter((r) => r.who.startsWith('Vigil after')))
      for (const { who, s } of rows.filter((r) => r.who.startsWith('Alertmanager')))
        console.log(
          `  ${name}: ${vigil} vs ${who}: ${v.perGroup.toFixed(2)} vs ${s.perGroup.toFixed(2)} per incident (${s.sent ? (v.sent / s.sent).toFixed(2) : '∞'}×) ${v.sent <= s.sent ? 'met' : 'NOT met'}; missed ${v.missed.length} vs ${s.missed.length} ${v.missed.length === 0 ? 'met' : 'NOT met'}; first ${secs(v.firstAfterMs)} vs ${secs(s.firstAfterMs)} ${v.firstAfterMs !== null && v.firstAfterMs <= 2000 ? 'met' : 'NOT met'}`,
        );
}
