import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, sqliteStores, type NewEvent } from '../store';
import { inboxText } from './group-commit';
import { buildRecords } from './records';
import { alertEvent } from './testing';

/**
 * The inbox text HTTP intake writes (`inboxText`: a request's receivedAt and trace once, not once per event) and the
 * JSON array of events every older row holds (and in-process intake still writes) read back as the same events,
 * from a real inbox.db.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-inbox-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The NewEvent fields of a record (what an inbox row holds), as the JSON array form stores them. */
const stored = (r: NewEvent): NewEvent => ({
  id: r.id,
  source: r.source,
  fingerprint: r.fingerprint,
  severity: r.severity,
  status: r.status,
  summary: r.summary,
  description: r.description,
  labels: r.labels,
  startsAt: r.startsAt,
  endsAt: r.endsAt,
  receivedAt: r.receivedAt,
  trace: r.trace,
  annotations: r.annotations,
  generatorURL: r.generatorURL,
  origin: r.origin,
});

describe('inbox text (R-INBOX-4)', () => {
  it('R-INBOX-4: a group commit stored in the compact form and the same events as a JSON array read back alike; each event owns its trace', async () => {
    const file = join(dir, 'vigil.db');
    const { db } = openDatabase(file);
    const stores = sqliteStores(db, file);
    try {
      // Two requests of one group commit, arrived at different times through different routes; and an empty one.
      const a = buildRecords(
        [{ events: [alertEvent({ fingerprint: 'a1' }), alertEvent({ fingerprint: 'a2' })], via: 'POST /a' }],
        1_000,
      )[0]!;
      const b = buildRecords([{ events: [alertEvent({ fingerprint: 'b1', labels: { team: 'db' } })], via: 'POST /b' }], 2_000)[0]!;
      const want = [...a, ...b].map(stored);
      const compact = stores.inbox.appendText(1_000, 'POST /a, POST /b', 3, inboxText([a, [], b]));
      const array = stores.inbox.appendText(1_000, 'POST /a, POST /b', 3, JSON.stringify(want));

      const read = stores.inbox.events(compact)!;
      expect(read).toEqual(want);
      expect(stores.inbox.events(array)).toEqual(want);
      expect(read[1]!.trace).toEqual([
        { at: 1_000, stage: 'normalise', result: 'pass', detail: 'POST /a' },
        { at: 1_000, stage: 'persist', result: 'pass', detail: 'stored (intake batch of 2)' },
      ]);
      expect(read[2]!.receivedAt).toBe(2_000);
      // An event's trace is its own: a request's events share it in the text, not once read back.
      read[0]!.trace.push({ at: 3_000, stage: 'dedupe', result: 'pass', detail: '' });
      expect(read[1]!.trace).toHaveLength(2);
    } finally {
      await stores.intake.close();
      await stores.reads.close();
      stores.inbox.close();
      db.close();
    }
  });
});
