import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerAvailable, startAlertmanager } from './fixtures/alertmanager';
import { prometheusAvailable, startPrometheus, type PrometheusHandle } from './fixtures/prometheus';
import { removeDir, startVigil, type Served } from './fixtures/serve';

/**
 * R-ALERT-2: `vigil serve` IS the Alertmanager for the real clients, from
 * Debian's packages, unchanged: Prometheus (alerting.alertmanagers with a
 * Bearer token) posts an always-firing rule's alert to it, and amtool
 * queries alerts and adds, queries and expires silences through it.
 */
const run = promisify(execFile);
const amtoolAvailable = (): boolean => spawnSync('amtool', ['--version'], { stdio: 'ignore' }).status === 0;

let vigil: Served;
let prom: PrometheusHandle | null = null;
let dir = '';

async function amtool(...args: string[]): Promise<string> {
  const { stdout } = await run('amtool', [`--alertmanager.url=${vigil.base}`, `--http.config.file=${join(dir, 'http.yml')}`, ...args], {
    timeout: 30_000,
  });
  return stdout;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type AmAlert = {
  fingerprint: string;
  labels: Record<string, string>;
  generatorURL?: string;
  startsAt: string;
  status: { state: string; silencedBy: string[] };
};

describe.runIf(amtoolAvailable() && prometheusAvailable())('Alertmanager clients against vigil serve (R-ALERT-2/3)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-amclients-'));
    vigil = await startVigil();
    writeFileSync(join(dir, 'http.yml'), `authorization:\n  type: Bearer\n  credentials: ${JSON.stringify(vigil.token)}\n`, {
      mode: 0o600,
    });
    prom = await startPrometheus({
      targets: [vigil.base.replace('http://', '')],
      metricsPath: '/health',
      rules: [
        'groups:',
        '  - name: always',
        '    rules:',
        '      - alert: AlwaysFiring',
        '        expr: vector(1)',
        '        labels: { severity: critical, team: e2e }',
        '        annotations: { summary: "always firing", runbook_url: "https://runbooks.example/always" }',
        '',
      ].join('\n'),
      alertmanager: { target: vigil.base.replace('http://', ''), token: vigil.token },
    });
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
    await vigil?.stop();
    if (vigil) removeDir(vigil.dataDir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('R-ALERT-2: a real Prometheus sends its firing rule to vigil serve; startsAt and generatorURL round-trip', async () => {
    const alert = await until('AlwaysFiring from Prometheus', async () => {
      const res = await vigil.api('/api/v2/alerts?filter=alertname%3D%22AlwaysFiring%22');
      return ((await res.json()) as AmAlert[])[0];
    });
    expect(alert.labels).toMatchObject({ alertname: 'AlwaysFiring', severity: 'critical', team: 'e2e' });
    // Prometheus's own rule page for this alert, and the time its rule started firing (not Vigil's receipt time).
    expect(alert.generatorURL).toMatch(/^http:\/\/[^/]+\/graph\?g0\.expr=vector%281%29/);
    const promAlerts = (await (await fetch(`${prom!.url}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ activeAt: string }> } };
    expect(Date.parse(alert.startsAt)).toBe(Date.parse(promAlerts.data.alerts[0]!.activeAt));
  });

  it('R-ALERT-2: amtool queries alerts with matchers through the API', async () => {
    const out = await until('amtool alert query', async () => {
      const o = await amtool('alert', 'query', 'alertname=~"Always.*"');
      return o.includes('AlwaysFiring') && o;
    });
    expect(out).toMatch(/AlwaysFiring\s+.*always firing\s+active/);
    expect(await amtool('alert', 'query', 'alertname="NoSuchAlert"')).not.toContain('AlwaysFiring');
    const json = JSON.parse(await amtool('-o', 'json', 'alert', 'query')) as AmAlert[];
    expect(json.map((a) => a.labels.alertname)).toContain('AlwaysFiring');
  });

  it('R-ALERT-3: a silence added with amtool suppresses the firing alert at once; amtool expire releases it', async () => {
    const id = (
      await amtool('silence', 'add', 'alertname=AlwaysFiring', '--author=e2e', '--comment=maintenance window', '--duration=1h')
    ).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // At once: the very next read shows it suppressed, by this silence; amtool's default query hides silenced alerts.
    const [a] = (await (await vigil.api('/api/v2/alerts?filter=alertname%3DAlwaysFiring')).json()) as AmAlert[];
    expect(a!.status).toMatchObject({ state: 'suppressed', silencedBy: [id] });
    expect(await amtool('alert', 'query')).not.toContain('AlwaysFiring');
    expect(await amtool('alert', 'query', '--silenced')).toMatch(/AlwaysFiring.*suppressed/);
    const listed = await amtool('silence', 'query');
    // The author is the person the token belongs to (R-PEOPLE-1), not the name amtool sent.
    expect(listed).toMatch(new RegExp(`${id}\\s+alertname="AlwaysFiring".*\\s+maintenance window`));
    const silences = await vigil.rpc<Array<{ id: string; covers: number }>>('silences.list', {});
    expect(silences.find((s) => s.id === id)!.covers).toBe(1);

    await amtool('silence', 'expire', id);
    const [b] = (await (await vigil.api('/api/v2/alerts?filter=alertname%3DAlwaysFiring')).json()) as AmAlert[];
    expect(b!.status).toMatchObject({ state: 'active', silencedBy: [] });
    expect(await amtool('alert', 'query')).toContain('AlwaysFiring');
    expect(await amtool('silence', 'query', '--expired')).toContain(id);
  });
});

describe.runIf(alertmanagerAvailable())('fingerprints (R-ALERT-1)', () => {
  it('R-ALERT-1: an alert posted to Vigil gets the same fingerprint a real Alertmanager 0.25 gives it', async () => {
    const am = await startAlertmanager();
    const v = await startVigil();
    try {
      const labels: Array<Record<string, string>> = [
        { alertname: 'FpCheck', instance: 'web-1:9100', job: 'node' },
        { alertname: 'FpCheck', zone: 'ünïcode €', a: '' },
      ];
      await am.postAlerts(labels.map((l) => ({ labels: l })));
      const res = await v.api('/api/v2/alerts', { method: 'POST', body: JSON.stringify(labels.map((l) => ({ labels: l }))) });
      expect(res.status).toBe(200);
      const theirs = (await am.alerts()).map((a) => a.fingerprint).sort();
      const ours = await until('alerts in Vigil', async () => {
        const list = (await (await v.api('/api/v2/alerts?filter=alertname%3DFpCheck')).json()) as AmAlert[];
        return list.length === 2 && list;
      });
      expect(ours.map((a) => a.fingerprint).sort()).toEqual(theirs);
    } finally {
      await am.stop();
      await v.stop();
      removeDir(v.dataDir);
    }
  });
});
