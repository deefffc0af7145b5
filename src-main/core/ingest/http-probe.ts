import type { CoreContext } from '../context';
import type { ProbeConfig } from '../config';
import type { FailureReports, IntakeEvent, Router } from '../router';
import { ProbeTracker, type ProbeTransition, type ProbeVerdict } from './probe-state';
import { redactUrl } from '../redact';
import { utcText } from '../duration';

type HttpProbeConfig = Extract<ProbeConfig, { type: 'http' }>;

/** One HTTP probe: GET the URL with a timeout, expect a status (and a body substring). Time and network are injected. */
export function createHttpProbe(ctx: CoreContext, router: Router, reports: FailureReports, p: HttpProbeConfig) {
  const tracker = new ProbeTracker(p);
  let timer: { cancel(): void } | null = null;
  let stopped = false;

  async function check(): Promise<ProbeVerdict> {
    const started = ctx.clock.now();
    const ac = new AbortController();
    const t = ctx.clock.setTimeout(() => ac.abort(new Error(`no answer within ${p.timeout} ms`)), p.timeout);
    try {
      const res = await ctx.fetch(p.url, { signal: ac.signal, redirect: 'manual', headers: { 'user-agent': 'vigil-probe' } });
      const body = p.expectBody !== undefined ? await res.text() : (await res.body?.cancel(), '');
      const latencyMs = ctx.clock.now() - started;
      if (res.status !== p.expectStatus) return { ok: false, latencyMs, error: `HTTP ${res.status}, expected ${p.expectStatus}` };
      if (p.expectBody !== undefined && !body.includes(p.expectBody))
        return { ok: false, latencyMs, error: `body does not contain "${p.expectBody}"` };
      return { ok: true, latencyMs };
    } catch (e) {
      const reason = ac.signal.aborted
        ? String((ac.signal.reason as Error)?.message ?? 'timed out')
        : (((e as Error).cause as Error)?.message ?? (e as Error).message);
      return { ok: false, latencyMs: ctx.clock.now() - started, error: reason };
    } finally {
      t.cancel();
    }
  }

  const shownUrl = redactUrl(p.url); // labels, events and logs never carry the URL's credentials (R-SEC-10)
  const labels = (alertname: string) => ({ alertname, probe: p.name, url: shownUrl, ...p.labels });

  function eventFor(tr: ProbeTransition, v: ProbeVerdict): IntakeEvent {
    const base = { source: 'probe', description: null, startsAt: null, endsAt: null };
    switch (tr) {
      case 'down':
        return {
          ...base,
          fingerprint: `probe:${p.name}:down`,
          severity: 'critical',
          status: 'firing',
          labels: labels('ProbeFailed'),
          summary: `Probe ${p.name} is down: ${tracker.lastError}`,
          description: `${tracker.failures} failed checks of ${shownUrl} since ${utcText(tracker.streakStart ?? 0)} (confirmed: at least ${p.failuresToAlert} failures over ${p.graceWindow / 1000}s)`,
        };
      case 'up':
        return {
          ...base,
          fingerprint: `probe:${p.name}:down`,
          severity: 'critical',
          status: 'resolved',
          labels: labels('ProbeFailed'),
          summary: `Probe ${p.name} recovered`,
        };
      case 'slow':
        return {
          ...base,
          fingerprint: `probe:${p.name}:slow`,
          severity: 'warning',
          status: 'firing',
          labels: labels('ProbeSlow'),
          summary: `Probe ${p.name} is slow: ${v.latencyMs} ms (over ${p.slowAfter} ms); probes belong on light /health endpoints`,
        };
      case 'fast':
        return {
          ...base,
          fingerprint: `probe:${p.name}:slow`,
          severity: 'warning',
          status: 'resolved',
          labels: labels('ProbeSlow'),
          summary: `Probe ${p.name} answers fast again (${v.latencyMs} ms)`,
        };
    }
  }

  /** One check and its consequences (tests call this directly after moving the clock). */
  async function runOnce(): Promise<ProbeTransition[]> {
    return (await runChecked()).transitions;
  }

  /** One check: its verdict, and the confirmed transitions it caused (routed like any probe result). */
  async function runChecked(): Promise<{ verdict: ProbeVerdict; transitions: ProbeTransition[] }> {
    const v = await check();
    const transitions = tracker.record(v, ctx.clock.now());
    if (transitions.length)
      router.ingest(
        transitions.map((tr) => eventFor(tr, v)),
        `probe ${p.name}`,
      );
    return { verdict: v, transitions };
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = ctx.clock.setTimeout(() => {
      runOnce()
        .catch((e: unknown) => reports.failure(`probe ${p.name}`, e))
        .finally(() => schedule(tracker.nextDelay(p.interval)));
    }, delay);
  }

  return {
    name: p.name,
    tracker,
    runOnce,
    /** "Probe now" in the console: the verdict of one check. */
    probeNow: async (): Promise<ProbeVerdict> => (await runChecked()).verdict,
    start: () => schedule(0),
    /** Asleep (issue 18.6): no check until wake(). */
    pause() {
      stopped = true;
      timer?.cancel();
    },
    /** Woke: one check now (the pre-sleep verdict is stale), then on its interval again. */
    async wake(): Promise<ProbeVerdict> {
      stopped = false;
      timer?.cancel();
      try {
        return (await runChecked()).verdict;
      } finally {
        schedule(tracker.nextDelay(p.interval));
      }
    },
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
