import { Collection } from '../../../src-shared/api/topics';
import type { LoopSteps } from '../agents';
import { alertHost } from '../changes';
import type { CoreContext } from '../context';
import type { EventRecord } from '../store';
import type { LoopDeps } from './deps';
import { alertname } from './propose';
import { healBefore, watchAlert } from './verify';

class StepFailed extends Error {}

/**
 * The loop's plan steps (R-LOOP-2, R-CHANGE-2): `verify` watches the alert (and the host's own checks) after
 * an approved heal, records the outcome in the heal log, the incident, the audit and memory, and escalates a
 * heal that did not help; `watch` counts the alerts on a changed service during its watch window.
 */
export function createLoopSteps(ctx: CoreContext, d: LoopDeps): LoopSteps {
  const repo = ctx.stores.loop;
  const { clock } = ctx;

  function entry(fingerprint: string, kind: string, text: string, actor: string, ref: string | null): void {
    // The alert's latest incident, even when its resolution just closed it (verification follows the resolution).
    const inc = repo.latestIncidentOf(fingerprint);
    if (inc) repo.addEntry({ incidentId: inc.id, at: clock.now(), kind, text, actor, ref });
  }

  /** A heal that did not help: the alert's next escalation step fires now, or its channels are told. */
  function escalate(ev: EventRecord | null, fingerprint: string, why: string, planId: string): string {
    const next = d.escalations
      .latest(fingerprint)
      .filter((e) => e.state === 'armed')
      .sort((a, b) => a.step - b.step)[0];
    if (next && d.escalations.dueNow(next.id, clock.now())) {
      d.kickEscalator();
      return `escalated now to step ${next.step} (${next.channels.join(', ')})`;
    }
    const channels = ev?.channels ?? [];
    if (!channels.length) return 'no escalation step or channel to tell';
    const msg = {
      kind: 'escalation' as const,
      title: `AutoHeal did not help: ${ev?.summary ?? fingerprint}`,
      body: why,
      severity: 'critical' as const,
      eventId: ev?.id ?? null,
      fingerprint,
      status: 'firing' as const,
      labels: { ...(ev?.labels ?? {}), plan: planId },
    };
    for (const ch of channels) d.outbox.enqueue(ch, msg, `loop:${planId}:${ch}`);
    return `told ${channels.join(', ')} that the heal did not help`;
  }

  /** The host's checks as one verdict, or undefined when the host has none (the alert alone decides). */
  function hostProbe(host: string) {
    const checks = d.hostChecks(host);
    if (!checks.length) return undefined;
    return async () => {
      const rs = await Promise.all(checks.map(async (c) => ({ name: c.name, ...(await c.run()) })));
      const bad = rs.filter((x) => !x.ok);
      return bad.length
        ? { ok: false, detail: bad.map((x) => `${x.name}: ${x.detail}`).join('; ') }
        : { ok: true, detail: rs.map((x) => `${x.name} ok`).join(', ') };
    };
  }

  return {
    async verify(p, plan, signal) {
      const index = plan.current;
      const heal = healBefore(plan, index) ?? { action: p.action ?? 'heal', target: p.target ?? '?', host: p.host };
      const window = p.window ?? ctx.config.heal.verifyWindow;
      const state = (fp: string) => {
        const s = d.router.states.get(fp);
        return s ? { status: s.status } : null;
      };
      const r = await watchAlert({ fingerprint: p.fingerprint, window }, { clock, state, signal, probe: hostProbe(heal.host) });
      const ev = plan.eventId ? d.router.events.get(plan.eventId) : null;
      const name = alertname(ev?.labels ?? {});
      const what = `${heal.action} ${heal.target} on ${heal.host}`;
      const mins = (ms: number) => `${Math.round(ms / 60_000)} min`;
      const fixed = r.resolved && (r.probe?.ok ?? true);
      const text = !r.resolved
        ? `${what} did not help: ${name} still firing ${mins(window)} after the heal`
        : !fixed
          ? `${what} did not help: ${name} resolved but ${heal.host}'s checks still fail ${mins(r.afterMs)} after the heal: ${r.probe!.detail}`
          : `${what} fixed ${name}: resolved ${mins(r.afterMs)} after the heal${r.probe ? `; ${heal.host}'s checks pass (${r.probe.detail})` : ''}`;
      ctx.stores.transaction(() => {
        repo.addOutcome({
          at: clock.now(),
          alertname: name,
          fingerprint: p.fingerprint,
          host: heal.host,
          action: heal.action,
          target: heal.target,
          fixed,
          planId: plan.id,
          detail: text,
        });
        d.healLog({
          at: clock.now(),
          approvalId: null,
          action: heal.action,
          host: heal.host,
          target: heal.target,
          command: `verify ${name}`,
          result: fixed ? 'verified' : 'not_verified',
          exitCode: null,
          output: '',
          durationMs: r.afterMs,
          actor: 'loop',
          detail: text,
        });
        entry(p.fingerprint, 'verification', text, 'vigil', `plan:${plan.id}`);
        if ('approvalId' in heal && heal.approvalId) d.healVerdict(heal.approvalId, fixed, text);
        d.audit.append({
          actor: 'loop',
          action: fixed ? 'heal.verified' : 'heal.not_verified',
          subject: `plan:${plan.id}`,
          detail: { fingerprint: p.fingerprint, ...heal, afterMs: r.afterMs, probe: r.probe },
        });
      });
      try {
        d.remember({
          title: `${what} ${fixed ? 'fixed' : 'did not fix'} ${name}`,
          body: `${text}\nAlert: ${ev?.summary ?? p.fingerprint}\nPlan ${plan.id} proposed by ${plan.createdBy}.`,
          tags: [
            'loop-outcome',
            `alert:${name}`,
            `host:${heal.host}`,
            `action:${heal.action}`,
            `target:${heal.target}`,
            fixed ? 'fixed' : 'not_fixed',
          ],
          ref: `plan:${plan.id}`,
        });
      } catch (e) {
        ctx.log.warn({ err: (e as Error).message }, 'heal outcome not written to memory (heal log and incident hold it)');
      }
      ctx.changed(Collection.heallog, Collection.incidents, Collection.memory);
      if (fixed) return text;
      const how = escalate(ev, p.fingerprint, text, plan.id);
      entry(p.fingerprint, 'escalation', `${text}: ${how}`, 'vigil', `plan:${plan.id}`);
      throw new StepFailed(`${text}; ${how}`);
    },

    async watch(p, _plan, signal) {
      const start = clock.now();
      await new Promise<void>((resolve, reject) => {
        const t = clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, p.minutes * 60_000);
        const onAbort = () => {
          t.cancel();
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      const seen = d.router.events
        .list({ limit: 200 })
        .items.filter(
          (e) =>
            e.receivedAt >= start &&
            e.status === 'firing' &&
            ((p.service && (e.labels.service ?? e.labels.job) === p.service) || p.hosts.includes(alertHost(e.labels) ?? '')),
        );
      return seen.length
        ? `${seen.length} alert(s) fired in ${p.minutes} min: ${[...new Set(seen.map((e) => e.summary))].slice(0, 5).join('; ')}`
        : `no alert on ${p.service ?? p.hosts.join(', ')} in ${p.minutes} min`;
    },
  };
}
