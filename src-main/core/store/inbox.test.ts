import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { sqliteStores, type Stores } from './stores';

const dir = mkdtempSync(join(tmpdir(), 'vigil-inbox-'));
const file = join(dir, 'vigil.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(): { stores: Stores; close(): Promise<void> } {
  const { db } = openDatabase(file);
  const stores = sqliteStores(db, file);
  return {
    stores,
    async close() {
      await stores.intake.close();
      await stores.reads.close();
      db.close();
      stores.inbox.close();
    },
  };
}

const append = (s: Stores) => s.intake.append(Date.now(), 'POST /x', 1, JSON.stringify([{ id: 'e', summary: 'x' }]));
/** As the router does: "decided through seq" in a deciding transaction, later a fsynced one, then the rows go. */
const decideAndSettle = (s: Stores, seq: number) => {
  s.transaction(() => s.inbox.decided(seq), 'replayable');
  s.inbox.prune(s.transaction(() => s.inbox.markSynced()));
};
const removeInbox = () => {
  for (const f of ['inbox.db', 'inbox.db-wal', 'inbox.db-shm']) if (existsSync(join(dir, f))) rmSync(join(dir, f));
};

describe('inbox seqs (R-ROUTE-2)', () => {
  it('R-ROUTE-2, R-INBOX-1: seqs only grow: after decided rows are deleted, after inbox.db is removed, and after an older copy of it is restored', async () => {
    let o = open();
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push(await append(o.stores));
    decideAndSettle(o.stores, seen[2]!);
    expect(o.stores.inbox.after(0, 10)).toEqual([]); // every row decided, synced and deleted
    seen.push(await append(o.stores)); // an emptied inbox does not hand out its seqs again
    await o.close();
    copyFileSync(join(dir, 'inbox.db'), join(dir, 'inbox.old')); // (closed: the WAL is checkpointed into the file)

    // The file goes away; vigil.db still says how far it was decided.
    o = open();
    decideAndSettle(o.stores, seen[3]!);
    await o.close();
    removeInbox();
    o = open();
    seen.push(await append(o.stores));
    expect(seen[4]).toBeGreaterThan(seen[3]!);
    decideAndSettle(o.stores, seen[4]!);
    await o.close();

    // An older copy comes back: its rows are all decided (skipped), and new seqs start after the decided one.
    removeInbox();
    copyFileSync(join(dir, 'inbox.old'), join(dir, 'inbox.db'));
    o = open();
    expect(o.stores.inbox.waiting()).toEqual({ count: 0, oldest: null });
    seen.push(await append(o.stores));
    expect(o.stores.inbox.after(o.stores.inbox.decidedThrough(), 10).map((b) => b.seq)).toEqual([seen[5]]);
    await o.close();
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
