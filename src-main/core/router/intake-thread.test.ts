import { parse as secureParse } from 'secure-json-parse';
import { describe, expect, it } from 'vitest';
import { INTAKE_READERS } from '../ingest';
import { inboxEvents, type ThreadReply } from '../store';
import { inboxText } from './group-commit';
import { bodiesText, bodyEntry, bodyEvents } from './inbox-bodies';
import { rawIntake, readJson } from './intake-thread';
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
  it('R-INBOX-4, R-SCALE-40: a group of requests is stored as one row whose events read back as the records of its requests would, ids included; each body is in it as it came', async () => {
    const appended: Array<{ at: number; via: string; n: number; json: string }> = [];
    const answers: ThreadReply[] = [];
    const intake = rawIntake(
      (at, via, n, json) => appended.push({ at, via, n, json }),
      (r) => answers.push(...r),
    );
    const postable = JSON.stringify([
      { labels: { alertname: 'P', instance: 'h' } },
      { labels: { alertname: 'Q' }, endsAt: '2026-12-03T09:00:00Z' },
    ]);
    const generic = JSON.stringify([{ source: 'ci', severity: 'critical', summary: 'deploy failed', labels: { job: 'x' } }]);
    // A status object (API v2's shape) takes the webhook's zod path: checked and counted there, its events made from it.
    const zodPath = webhook(2, 'z').replace('"status":"firing","labels"', '"status":{"state":"active"},"labels"');
    const bodies = [webhook(3, 'a'), webhook(1, 'e'), postable, webhook(2, 'b'), generic, zodPath];
    const kinds = ['am-webhook', 'am-webhook', 'am-postable', 'am-webhook', 'events', 'am-webhook'] as const;
    const vias = [
      'POST /api/v1/alerts/alertmanager',
      'POST /x',
      'POST /api/v2/alerts',
      'POST /api/v1/alerts/alertmanager',
      'POST /api/v1/events',
      'POST /x',
    ];
    bodies.forEach((b, i) => intake(i + 1, { kind: kinds[i]!, via: vias[i]!, now: 1_000 + i, bytes: Buffer.from(b) }));
    await new Promise((r) => setImmediate(r)); // one group commit, at the next turn
    await new Promise((r) => setImmediate(r));

    expect(appended).toHaveLength(1);
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(zodPath).toContain('"state":"active"');
    const ids = answers.map((a) => (JSON.parse((a as { value: { answer: string } }).value.answer) as { ids: string[] }).ids);
    expect(ids.map((x) => x.length)).toEqual([3, 1, 2, 2, 1, 2]);
    // What the row held when the thread made records first: buildRecords, then inboxText, with these ids.
    const records = bodies.map((b, i) => {
      const n = INTAKE_READERS[kinds[i]!](JSON.parse(b), 1_000 + i);
      if (!n.ok) throw new Error(n.message);
      return buildRecords([{ events: n.events, via: vias[i]! }], 1_000 + i)[0]!.map((r, k) => ({ ...r, id: ids[i]![k]! }));
    });
    const row = appended[0]!;
    expect({ ...row, json: '' }).toEqual({
      at: 1_000,
      via: 'POST /api/v1/alerts/alertmanager, POST /x, POST /api/v2/alerts, POST /api/v1/events',
      n: 11,
      json: '',
    });
    expect(inboxEvents(row.json, bodyEvents)).toEqual(inboxEvents(inboxText(records)));
    for (const b of bodies) expect(row.json).toContain(`"body":${b}}`); // no stringify of parsed events: the body itself
    expect(() => inboxEvents(row.json)).toThrow(/request bodies/); // never read as if it held no events
  });

  it('R-SCALE-40: a stored body that no longer reads as accepted (an adapter changed) becomes its acknowledged events as a critical Vigil alert holding the body, never fewer events and never a failed batch', () => {
    const body = webhook(1, 'z');
    const row = bodiesText([bodyEntry('am-webhook', 7, 'POST /x', ['id-1', 'id-2'], body)]);
    const evs = inboxEvents(row, bodyEvents); // before: an error, the batch (and every later one) failing for ever
    expect(evs.map((e) => [e.id, e.source, e.severity, e.status, e.receivedAt])).toEqual([
      ['id-1', 'vigil', 'critical', 'firing', 7],
      ['id-2', 'vigil', 'critical', 'firing', 7],
    ]);
    expect(new Set(evs.map((e) => e.fingerprint)).size).toBe(1); // one alert for them
    expect(evs[0]!.labels).toEqual({ alertname: 'VigilInboxUnreadable', kind: 'am-webhook' });
    expect(evs[0]!.summary).toMatch(/2 events, POST \/x\).*could not be read again.*: 1 events/);
    expect(JSON.parse(evs[0]!.description!.split('\n').slice(1).join('\n'))).toEqual(JSON.parse(body)); // nothing sent is lost
    expect(evs[1]!.description).toContain('id-1');
    expect(evs[0]!.trace.length).toBeGreaterThan(0);
    const refused = bodiesText([bodyEntry('am-webhook', 1, 'POST /x', ['id-1'], '{"version": "3"}')]);
    expect(inboxEvents(refused, bodyEvents).map((e) => e.labels.alertname)).toEqual(['VigilInboxUnreadable']);
    const unknown = bodiesText([bodyEntry('no-such-kind' as never, 1, 'POST /x', ['id-1'], '{}')]);
    expect(inboxEvents(unknown, bodyEvents)[0]!.summary).toMatch(/no such adapter/);
  });

  it('R-SCALE-40: a body is read as secure-json-parse reads it; a hostile one (`__proto__`, `constructor.prototype`, escaped or not) is refused, nothing stored', async () => {
    const hostile = [
      '{"__proto__": {"admin": true}, "version": "4"}',
      '{"a": {"b": [{"__proto__" : {"admin": true}}]}}',
      '{"\\u005f_proto__": {"admin": true}}', // "\u005f_proto__" is "__proto__"
      '{"\\u005F\\u005Fproto\\u005F\\u005F": {}}',
      '{"source": "ci", "constructor": {"prototype": {"admin": true}}}',
      '{"x": [{"\\u0063onstructor": {"prototype": {}}}]}',
      '\ufeff{"__proto__": {}}',
    ];
    const harmless = [
      '{"summary": "the constructor of __proto__ said \\u00e9"}', // words in values, an escape: read through secure-json-parse, taken
      '{"constructor": "a label"}', // a constructor without a prototype: taken, as Fastify takes it
      '{"labels": {"a": "b"}}',
      '\ufeff[1, 2]',
      '"text"',
      '',
      '{"a": ',
    ];
    const outcome = (read: (t: string) => unknown, t: string) => {
      try {
        return { value: read(t) };
      } catch (e) {
        return { error: (e as Error).name };
      }
    };
    for (const t of [...hostile, ...harmless]) {
      const want = outcome((x) => secureParse(x, { protoAction: 'error', constructorAction: 'error' }), t);
      expect({ t, ...outcome(readJson, t) }).toEqual({ t, ...want });
    }
    for (const t of hostile) expect(outcome(readJson, t)).toEqual({ error: 'SyntaxError' });

    // Through the thread's reader: each hostile body goes back unparsed (the main thread's parser answers its 400).
    const appended: string[] = [];
    const answers: ThreadReply[] = [];
    const intake = rawIntake(
      (_at, _via, _n, json) => appended.push(json),
      (r) => answers.push(...r),
    );
    const poisoned = webhook(1, 'p').replace('{"version"', '{"\\u005f_proto__": {"admin": true}, "version"');
    for (const [i, t] of [...hostile, poisoned].entries())
      intake(i + 1, { kind: i === 4 ? 'events' : 'am-webhook', via: 'POST /x', now: 1, bytes: Buffer.from(t) });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(appended).toEqual([]);
    expect(answers.map((a) => a.ok && 'unparsed' in (a.value as object))).toEqual(Array(hostile.length + 1).fill(true));
    expect({} as Record<string, unknown>).not.toHaveProperty('admin');
  });
});
