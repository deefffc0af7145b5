import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Change, ChangeInput, ChangeReview, NearbyChange, ChangeInput as ChangeInputSchema } from '../../../src-shared/api/changes';
import { Collection } from '../../../src-shared/api/topics';
import type { Clock } from '../clock';
import { VigilError } from '../errors';
import type { ChangeRepository, ChangeRow } from '../store';
import { alertHost, alertService } from './subject';

type ParsedInput = z.infer<typeof ChangeInputSchema>;

/** The parts of an alert a change is matched against. */
export interface AlertSubject {
  labels: Record<string, string>;
  /** When it fired (the source's startsAt, else when Vigil received it). */
  firedAt: number;
}

export const changeView = (r: ChangeRow): Change => ({
  id: r.id,
  kind: r.kind,
  service: r.service,
  hosts: r.hosts,
  version: r.version,
  commit: r.commit,
  author: r.author,
  link: r.link,
  at: r.at,
  summary: r.summary,
  hasDiff: r.diff !== null,
  source: r.source,
  receivedAt: r.receivedAt,
  review: r.review,
  planId: r.planId,
});

export interface ChangeDeps {
  repo: ChangeRepository;
  clock: Clock;
  windowMs: () => number;
  /** Review a stored change (rules now, LLM maybe later); called once per new change with a diff or summary. */
  review?: (c: ChangeRow) => void;
  changed(...what: Collection[]): void;
  audit(actor: string, action: string, subject: string, detail: Record<string, unknown>): void;
}

/** Record changes and answer "what changed before this alert?" (R-CHANGE-1). */
export function createChanges(d: ChangeDeps) {
  const newId = () =>
    'c' +
    randomBytes(9)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^0-9a-z]/g, '0')
      .slice(0, 12);

  function add(input: ParsedInput): { change: ChangeRow; created: boolean } {
    const now = d.clock.now();
    if (input.at !== undefined && input.at > now + 5 * 60_000)
      throw new VigilError('bad_request', `at: the change is dated in the future (${new Date(input.at).toISOString()})`);
    const row: ChangeRow = {
      id: newId(),
      kind: input.kind,
      service: input.service ?? null,
      hosts: [...new Set(input.hosts)],
      version: input.version ?? null,
      commit: input.commit ?? null,
      author: input.author ?? null,
      link: input.link ?? null,
      at: input.at ?? now,
      summary: input.summary ?? null,
      diff: input.diff ?? null,
      source: input.source,
      extKey: input.externalId ? `${input.source}:${input.externalId}` : null,
      receivedAt: now,
      review: null,
      planId: null,
    };
    const r = d.repo.insert(row);
    if (r.created) {
      d.audit(row.author ?? row.source, 'change.recorded', `change:${row.id}`, {
        kind: row.kind,
        service: row.service,
        hosts: row.hosts,
        version: row.version,
        source: row.source,
      });
      d.changed(Collection.changes);
      if (row.diff !== null || row.summary !== null) d.review?.(row);
    }
    return { change: d.repo.get(r.row.id) ?? r.row, created: r.created };
  }

  /** Changes on the alert's service or host within the window before it fired, nearest first. */
  function near(a: AlertSubject): NearbyChange[] {
    const service = alertService(a.labels);
    const host = alertHost(a.labels);
    const rows = d.repo.near({ service, hosts: host ? [host] : [], from: a.firedAt - d.windowMs(), to: a.firedAt, limit: 20 });
    return rows.map((r) => ({
      ...changeView(r),
      beforeMs: a.firedAt - r.at,
      matched: service && r.service === service ? 'service' : 'host',
    }));
  }

  return {
    repo: d.repo,
    add,
    near,
    get(id: string): ChangeRow {
      const c = d.repo.get(id);
      if (!c) throw new VigilError('not_found', `change ${id} does not exist`);
      return c;
    },
    setReview(id: string, review: ChangeReview, planId: string | null) {
      d.repo.setReview(id, review, planId);
      d.changed(Collection.changes);
    },
  };
}
export type Changes = ReturnType<typeof createChanges>;
export type { ChangeInput };
