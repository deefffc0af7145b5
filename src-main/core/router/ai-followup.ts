import type { TriageResult } from '../../../src-shared/domain';
import { timeboxed, type TimeboxOutcome, type Triager } from '../agents';
import type { CoreContext } from '../context';
import type { OutboxWriter } from '../notify';
import type { EventRecord, EventStore } from '../store';
import { formatMessage } from './message';
import { threadOf } from './incident-key';
import { notificationKey } from './stages/outbox';
import { Collection } from '../../../src-shared/api/topics';

interface Job {
  ev: EventRecord;
  hermes: TriageResult;
  channels: string[];
}

const MAX_IN_FLIGHT = 4;

/**
 * AI triage after the first notification (R-ROUTE-5): time-boxed by
 * router.triageTimeout; an answer (in time or late) is stored on the event
 * and sent as a `triage` update to the same channels; a failure or timeout
 * leaves Hermes' triage with the fallback reason recorded.
 */
export class AiFollowUp {
  triager: Triager | null = null;
  private waiting: Job[] = [];
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly events: EventStore,
    private readonly outbox: OutboxWriter,
  ) {}

  start(job: Job): void {
    if (!this.triager) return;
    this.waiting.push(job);
    this.pump();
  }

  /** Resolves when no AI triage is running or waiting (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private pump(): void {
    while (this.triager && this.inFlight.size < MAX_IN_FLIGHT && this.waiting.length) {
      const job = this.waiting.shift()!;
      const { router, llm } = this.ctx.config;
      const ev = {
        id: job.ev.id,
        source: job.ev.source,
        severity: job.ev.severity,
        summary: job.ev.summary,
        description: job.ev.description,
        labels: job.ev.labels,
      };
      const p = timeboxed(this.triager, ev, this.ctx.clock, router.triageTimeout, llm?.triageBudget ?? 30_000, (o) =>
        this.settle(job, o),
      ).finally(() => {
        this.inFlight.delete(p);
        this.pump();
      });
      this.inFlight.add(p);
    }
  }

  private settle(job: Job, o: TimeboxOutcome): void {
    const now = this.ctx.clock.now();
    const secs = `${this.ctx.config.router.triageTimeout / 1000}s`;
    try {
      if (o.kind === 'result') {
        const t = o.result;
        this.ctx.stores.transaction(() => {
          this.events.amend(
            job.ev.id,
            {
              at: now,
              stage: 'triage',
              result: 'updated',
              detail: `${t.agent}${t.model ? ` (${t.model})` : ''}: ${t.category} ${t.priority}${o.late ? ' (late answer, after the time box)' : ''}; sent as an update`,
            },
            t,
          );
          const msg = { ...formatMessage(job.ev, 'triage', t), thread: threadOf(this.ctx.config, job.ev) };
          for (const ch of job.channels) this.outbox.enqueue(ch, msg, notificationKey(job.ev.id, 'triage', ch));
        });
        this.ctx.metrics.agentTriage.inc({ agent: t.agent });
      } else {
        const reason = o.kind === 'timeout' ? 'timeout' : o.reason;
        const detail =
          o.kind === 'timeout'
            ? `AI triage did not answer within ${secs}: Hermes triage stands`
            : `AI triage failed (${reason}: ${o.error}): Hermes triage stands`;
        this.events.amend(job.ev.id, { at: now, stage: 'triage', result: 'fallback', detail }, { ...job.hermes, fallbackReason: reason });
        this.ctx.metrics.agentFallback.inc({ reason });
      }
      this.ctx.changed(Collection.events);
    } catch (e) {
      this.ctx.log.error({ err: e, event: job.ev.id }, 'storing AI triage failed');
    }
  }
}
