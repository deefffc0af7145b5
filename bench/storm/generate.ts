/**
 * A generated alert storm on a simulated timeline (ms from its start):
 * persistent incidents re-sent every few seconds, flapping alerts, a
 * fleet-wide burst across hundreds of hosts that resolves within seconds,
 * and info noise. Deterministic (seeded), so every run replays the same storm.
 */
export type Severity = 'info' | 'warning' | 'critical';

export interface StormEvent {
  at: number;
  alertname: string;
  host: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  /** When this firing episode began (Alertmanager's startsAt). */
  startsAt: number;
}

/** What a notification must mention so the incident counts as not missed. */
export interface Incident {
  id: string;
  kind: 'persistent' | 'flapping' | 'burst' | 'rolling';
  alertname: string;
  /** null: the burst (mentioned when its alertname is). */
  host: string | null;
  startsAt: number;
}

export interface Storm {
  /** What the storm is, for the report. */
  name: string;
  durationMs: number;
  events: StormEvent[];
  incidents: Incident[];
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const S = 1000;
const names = (prefix: string, n: number, from = 1) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + from).padStart(2, '0')}`);

interface Persistent {
  alertname: string;
  severity: Severity;
  hosts: string[];
  start: number;
  /** Hosts start within this many seconds of `start` (0: together). */
  stagger: number;
  /** host → when it resolves (stays resolved). */
  resolves?: Record<string, number>;
}

const PERSISTENT: Persistent[] = [
  { alertname: 'DiskAlmostFull', severity: 'critical', hosts: ['db01'], start: 0, stagger: 0 },
  { alertname: 'HighCPU', severity: 'warning', hosts: names('app', 6), start: 2, stagger: 15 },
  { alertname: 'MemoryPressure', severity: 'warning', hosts: ['cache01', 'cache02'], start: 5, stagger: 0, resolves: { cache02: 120 } },
  { alertname: 'ServiceDown', severity: 'critical', hosts: ['payments01'], start: 8, stagger: 0, resolves: { payments01: 90 } },
  { alertname: 'SlowQueries', severity: 'warning', hosts: ['db01', 'db02', 'db03'], start: 10, stagger: 8 },
  { alertname: 'QueueBacklog', severity: 'warning', hosts: names('mq', 4), start: 12, stagger: 0 },
  { alertname: 'ReplicationLag', severity: 'critical', hosts: ['db02', 'db03'], start: 15, stagger: 6 },
  { alertname: 'HighLatency', severity: 'warning', hosts: names('api', 8), start: 20, stagger: 20 },
  { alertname: 'CertExpiringSoon', severity: 'warning', hosts: ['lb01'], start: 25, stagger: 0 },
  { alertname: 'NTPDrift', severity: 'warning', hosts: ['app03'], start: 30, stagger: 0 },
  { alertname: 'BackupFailed', severity: 'critical', hosts: ['backup01'], start: 70, stagger: 0 },
  { alertname: 'HighCPU', severity: 'warning', hosts: ['app07'], start: 100, stagger: 0 }, // a late member of an old group
  { alertname: 'OOMKilled', severity: 'critical', hosts: ['app02', 'app05'], start: 110, stagger: 10 },
];

const FLAPPING = [
  { alertname: 'LinkFlapping', host: 'sw01', from: 20, to: 130, period: 6 },
  { alertname: 'EndpointFlapping', host: 'api09', from: 45, to: 141, period: 5 },
];

const INFO = [
  'Watchdog',
  'ConfigReloaded',
  'PodRestarted',
  'CronJobSucceeded',
  'BackupCompleted',
  'CertRotated',
  'ScaleUp',
  'ScaleDown',
  'DeploymentRolled',
  'LogRotated',
  'CacheEvicted',
  'GCPause',
  'LeaderElected',
  'SnapshotTaken',
  'NodeLabelsChanged',
];

export function generateStorm(seed = 42, durationMs = 150 * S): Storm {
  const r = rng(seed);
  const events: StormEvent[] = [];
  const incidents: Incident[] = [];
  const resendEvery = 3 * S;

  for (const p of PERSISTENT) {
    for (const host of p.hosts) {
      const start = (p.start + (p.stagger ? r() * p.stagger : 0)) * S;
      const end = p.resolves?.[host] !== undefined ? p.resolves[host]! * S : durationMs;
      incidents.push({ id: `${p.alertname}/${host}`, kind: 'persistent', alertname: p.alertname, host, startsAt: start });
      for (let t = start; t < end; t += resendEvery + (r() - 0.5) * 400)
        events.push({ at: Math.round(t), alertname: p.alertname, host, severity: p.severity, status: 'firing', startsAt: start });
      if (end < durationMs)
        for (const t of [end, end + resendEvery])
          events.push({ at: t, alertname: p.alertname, host, severity: p.severity, status: 'resolved', startsAt: start });
    }
  }

  for (const f of FLAPPING) {
    incidents.push({ id: `${f.alertname}/${f.host}`, kind: 'flapping', alertname: f.alertname, host: f.host, startsAt: f.from * S });
    let firing = true;
    let since = f.from * S;
    for (let t = f.from * S; t < durationMs; t += resendEvery / 2) {
      const phase = Math.floor((t - f.from * S) / (f.period * S));
      const now = t < f.to * S ? phase % 2 === 0 : false;
      if (now !== firing) {
        firing = now;
        if (firing) since = t;
      }
      if (t >= f.to * S + 2 * resendEvery) break;
      events.push({
        at: Math.round(t),
        alertname: f.alertname,
        host: f.host,
        severity: 'warning',
        status: firing ? 'firing' : 'resolved',
        startsAt: since,
      });
    }
  }

  // The burst: 400 hosts start failing a health check within 3 s of a rollout and recover 7–10 s later.
  const burstStart = 40 * S;
  incidents.push({
    id: 'DeployHealthCheckFailed/*',
    kind: 'burst',
    alertname: 'DeployHealthCheckFailed',
    host: null,
    startsAt: burstStart,
  });
  for (let i = 1; i <= 400; i++) {
    const host = `node${String(i).padStart(3, '0')}`;
    const start = burstStart + r() * 3 * S;
    const end = start + (7 + r() * 3) * S;
    for (let t = start; t < end; t += 2 * S)
      events.push({
        at: Math.round(t),
        alertname: 'DeployHealthCheckFailed',
        host,
        severity: 'critical',
        status: 'firing',
        startsAt: start,
      });
    for (const t of [end, end + 2 * S])
      events.push({
        at: Math.round(t),
        alertname: 'DeployHealthCheckFailed',
        host,
        severity: 'critical',
        status: 'resolved',
        startsAt: start,
      });
  }

  // Info noise: chatty informational alerts from 40 hosts each, re-sent every ~12 s.
  for (const alertname of INFO) {
    for (const host of names('host', 40)) {
      const start = r() * 20 * S;
      for (let t = start; t < durationMs; t += 12 * S + (r() - 0.5) * 2 * S)
        events.push({ at: Math.round(t), alertname, host, severity: 'info', status: 'firing', startsAt: start });
    }
  }

  events.sort((a, b) => a.at - b.at);
  return { name: 'mixed (persistent + flapping + 400-host burst + info noise)', durationMs, events, incidents };
}

/**
 * A slow rolling failure: one host after another of a 50-host web fleet runs out of disk, one every ~2.4 s over
 * two minutes (a bad config rolling out, compressed), each re-sent every 3 s until the end. One incident, one
 * alert group; the hosts are named in Vigil's messages up to a list limit, so it counts as mentioned by alertname.
 */
export function generateRolling(seed = 7, durationMs = 130 * S): Storm {
  const r = rng(seed);
  const events: StormEvent[] = [];
  const hosts = names('web', 50);
  hosts.forEach((host, i) => {
    const start = Math.round(i * 2.4 * S + r() * 400);
    for (let t = start; t < durationMs; t += 3 * S)
      events.push({ at: t, alertname: 'DiskWillFillIn4h', host, severity: 'warning', status: 'firing', startsAt: start });
  });
  events.sort((a, b) => a.at - b.at);
  return {
    name: 'rolling failure (50 hosts, one every ~2.4 s over 2 min)',
    durationMs,
    events,
    incidents: [{ id: 'DiskWillFillIn4h/*', kind: 'rolling', alertname: 'DiskWillFillIn4h', host: null, startsAt: events[0]!.at }],
  };
}

/**
 * A flapping group: 6 pods of one service crash-loop, each flipping firing/resolved every 4–8 s for 80 s, then
 * settle resolved. One alert group; every pod's flapping is an incident that must be mentioned by name.
 */
export function generateFlappingGroup(seed = 11, durationMs = 100 * S): Storm {
  const r = rng(seed);
  const events: StormEvent[] = [];
  const incidents: Incident[] = [];
  for (const host of names('pod', 6)) {
    const from = Math.round((2 + r() * 6) * S);
    const period = Math.round((4 + r() * 4) * S);
    incidents.push({ id: `PodCrashLooping/${host}`, kind: 'flapping', alertname: 'PodCrashLooping', host, startsAt: from });
    let since = from;
    let t = from;
    for (let firing = true; t < from + 80 * S || !firing; t += period, firing = !firing) {
      if (firing) since = t;
      // Each state is reported twice (Alertmanager re-sends), half a period apart.
      for (const at of [t, t + period / 2])
        events.push({
          at: Math.round(at),
          alertname: 'PodCrashLooping',
          host,
          severity: 'warning',
          status: firing ? 'firing' : 'resolved',
          startsAt: since,
        });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return { name: 'flapping group (6 pods crash-looping for 80 s)', durationMs, events, incidents };
}
