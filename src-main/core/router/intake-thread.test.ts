import { describe, expect, it } from 'vitest';
import { INTAKE_READERS } from '../ingest';
import type { ThreadReply } from '../store';
import { inboxText } from './group-commit';
import { rawIntake } from './intake-thread';
import { buildRecords } from './records';

const webhook = (n: number, tag: string) =>
  JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'vigil',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://am',
    alerts: Array.from({ length: n }, (_, i) => ({
      status: 'firing',
      labels: { alertname: `A${tag}${i}`, instance: `h${i}`, severity: i % 2 ? 'warning' : 'critical' },
      annotations: { summary: `alert ${tag}${i}`, description: i % 2 ? 'more words' : undefined },
      startsAt: '2026-12-03T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom/graph',
      fingerprint: `fp${tag}${i}`,
    })),
  });

describe('the intake thread (router/intake-thread.ts)', () => {
  it('R-INBOX-4: a group of requests is stored as the same inbox text the records of its events make, ids included', async () => {
    const appended: Array<{ at: number; via: string; n: number; json: string }> = [];
    const answers: ThreadReply[] = [];
    const intake = rawIntake(
      (at, via, n, json) => appended.push({ at, via, n, json }),
      (r) => answers.push(...r),
    );
    const bodies = [webhook(3, 'a'), webhook(1, 'e'), webhook(2, 'b')];
    const vias = ['POST /api/v1/alerts/alertmanager', 'POST /x', 'POST /api/v1/alerts/alertmanager'];
    bodies.forEach((b, i) => intake(i + 1, { kind: 'am-webhook', via: vias[i]!, now: 1_000 + i, bytes: Buffer.from(b) }));
    await new Promise((r) => setImmediate(r)); // one group commit, at the next turn
    await new Promise((r) => setImmediate(r));

    expect(appended).toHaveLength(1);
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3]);
    const ids = answers.map((a) => (JSON.parse((a as { value: { answer: string } }).value.answer) as { ids: string[] }).ids);
    expect(ids.map((x) => x.length)).toEqual([3, 1, 2]);
    // What the text was when the thread made records first: buildRecords, then inboxText, with these ids.
    const records = bodies.map((b, i) => {
      const n = INTAKE_READERS['am-webhook'](JSON.parse(b));
      if (!n.ok) throw new Error(n.message);
      return buildRecords([{ events: n.events, via: vias[i]! }], 1_000 + i)[0]!.map((r, k) => ({ ...r, id: ids[i]![k]! }));
    });
    expect(appended[0]).toEqual({ at: 1_000, via: 'POST /api/v1/alerts/alertmanager, POST /x', n: 6, json: inboxText(records) });
  });
});
