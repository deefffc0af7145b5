import { createServer } from 'node:http';
import { startAlertmanager, type AmPostAlert } from '../../e2e/fixtures/alertmanager';
import { closeNow, listenLocal } from '../../e2e/fixtures/local-http';
import type { Storm, StormEvent } from './generate';
import type { Notice } from './score';
import { ticks } from './vigil';

interface AmWebhook {
  status: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Replay the storm in real time into a real Alertmanager (Debian
 * prometheus-alertmanager) routed with group_by [alertname], the given group_wait
 * and group_interval, repeat_interval 4h to a webhook receiver of our own
 * that counts every notification (one POST = one notification).
 */
export async function replayAlertmanager(
  storm: Storm,
  opts: { tickMs: number; horizonMs: number; groupWait: string; groupInterval: string },
): Promise<{ notices: Notice[]; lateTicks: number }> {
  const got: Array<{ at: number; body: AmWebhook }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ at: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AmWebhook });
      res.writeHead(200).end();
    });
  });
  const port = await listenLocal(server);
  const am = await startAlertmanager({
    webhook: { url: `http://127.0.0.1:${port}/hook`, token: 'storm' },
    groupWait: opts.groupWait,
    groupInterval: opts.groupInterval,
  });
  const t0 = Date.now() + 500;
  const iso = (ms: number) => new Date(t0 + ms).toISOString();
  const toAm = (e: StormEvent): AmPostAlert => ({
    labels: { alertname: e.alertname, instance: e.host, severity: e.severity },
    annotations: { summary: `${e.alertname} on ${e.host}` },
    startsAt: iso(e.startsAt),
    ...(e.status === 'resolved' ? { endsAt: iso(e.at) } : {}),
  });
  let lateTicks = 0;
  try {
    for (const tick of ticks(storm, opts.tickMs)) {
      const wait = t0 + tick.at - Date.now();
      if (wait < -opts.tickMs) lateTicks++;
      await sleep(wait);
      await am.postAlerts(tick.events.map(toAm));
    }
    await sleep(t0 + opts.horizonMs - Date.now());
  } finally {
    await am.stop();
    await closeNow(server);
  }
  const notices = got.map((g) => ({
    at: g.at - t0,
    alertname: g.body.groupLabels.alertname ?? '',
    info: g.body.commonLabels.severity === 'info',
    text: g.body.alerts.map((a) => `${a.labels.alertname} ${a.labels.instance} ${a.status}`).join('\n'),
  }));
  return { notices, lateTicks };
}
