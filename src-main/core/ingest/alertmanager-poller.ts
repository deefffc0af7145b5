import { z } from 'zod';
import type { CoreContext } from '../context';
import type { FailureReports, IntakeEvent, Router } from '../router';
import { AmAlert, fromAmAlert } from './alertmanager';
import { redactSecrets, redactUrl } from '../redact';

const WHAT = 'alertmanager poller';

/**
 * R-ROUTE-1: poll Alertmanager's API v2 (GET /api/v2/alerts). A new
 * fingerprint is a firing event; one that leaves the list (or whose endsAt
 * has passed) is resolved; a still-firing alert is handed over again once
 * per repeat interval so the router can remind. Which alerts are firing is
 * resumed from the router's dedupe state, so a restart misses no resolve.
 */
export function createAmPoller(ctx: CoreContext, router: Router, reports: FailureReports, cfg: { url: string; interval: number }) {
  // fingerprint → when last handed to the router, and what (its resolve is built from it when the router has not
  // decided it yet: with the decider thread behind or failing, the alert may leave Alertmanager first).
  const known = new Map<string, { at: number; sent: IntakeEvent | null }>();
  let failing = false;
  let timer: { cancel(): void } | null = null;
  let inFlight: Promise<void> | null = null;

  async function fetchAlerts(): Promise<AmAlert[]> {
    const ac = new AbortController();
    const t = ctx.clock.setTimeout(() => ac.abort(new Error('timed out')), Math.min(cfg.interval, 10_000));
    try {
      const res = await ctx.fetch(new URL('api/v2/alerts', cfg.url.endsWith('/') ? cfg.url : cfg.url + '/'), {
        signal: ac.signal,
        headers: { accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`GET /api/v2/alerts answered HTTP ${res.status}`);
      const parsed = z.array(AmAlert).safeParse(await res.json());
      if (!parsed.success) throw new Error(`unexpected /api/v2/alerts payload: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    } finally {
      t.cancel();
    }
  }

  async function pollOnce(): Promise<void> {
    let alerts: AmAlert[];
    try {
      alerts = await fetchAlerts();
    } catch (e) {
      if (!failing) reports.failure(WHAT, new Error(`cannot read ${redactUrl(cfg.url)}: ${redactSecrets((e as Error).message)}`));
      failing = true;
      return;
    }
    if (failing) reports.recovery(WHAT);
    failing = false;
    const now = ctx.clock.now();
    const out: IntakeEvent[] = [];
    const seen = new Set<string>();
    for (const a of alerts) {
      const ends = a.endsAt ? Date.parse(a.endsAt) : NaN;
      if (Number.isFinite(ends) && ends > 0 && ends <= now) continue; // already over: treated as gone
      seen.add(a.fingerprint);
      const last = known.get(a.fingerprint);
      if (last !== undefined && now - last.at < ctx.config.router.repeatInterval) continue;
      const sent = fromAmAlert(a, 'firing');
      known.set(a.fingerprint, { at: now, sent });
      out.push(sent);
    }
    for (const [fp, { sent }] of known) {
      if (seen.has(fp)) continue;
      known.delete(fp);
      const s = router.states.get(fp) ?? sent;
      if (s)
        out.push({
          source: 'alertmanager',
          fingerprint: fp,
          severity: s.severity,
          status: 'resolved',
          summary: s.summary,
          description: null,
          labels: s.labels,
          startsAt: null,
          endsAt: now,
        });
    }
    if (out.length) router.ingest(out, `alertmanager poll ${cfg.url}`);
  }

  const tick = () => {
    if (inFlight) return; // a slow Alertmanager never piles polls up
    inFlight = pollOnce()
      .catch((e: unknown) => reports.failure(WHAT, e))
      .finally(() => (inFlight = null));
  };

  return {
    pollOnce,
    start() {
      const now = ctx.clock.now();
      for (const fp of router.states.firingOf('alertmanager')) known.set(fp, { at: now, sent: null });
      tick();
      timer = ctx.clock.setInterval(tick, cfg.interval);
    },
    async stop() {
      timer?.cancel();
      await inFlight;
    },
  };
}
