import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteAckStore, type Ack } from './acks';
import { openDatabase, type Database } from './db';
import { TxScope } from './tx-scope';

const dirs: string[] = [];
const dbs: Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two connections to one real database file, each with the ack store and transactions the stores give it. */
function twoConnections() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-acks-'));
  dirs.push(dir);
  const file = join(dir, 'vigil.db');
  return [0, 1].map(() => {
    const { db } = openDatabase(file);
    dbs.push(db);
    const scope = new TxScope();
    const acks = sqliteAckStore(db, scope);
    const tx = <T>(fn: () => T): T => scope.run(db, fn, (body) => db.transaction(body).immediate());
    return { acks, tx };
  });
}

const ack = (o: Partial<Ack> = {}): Ack => ({
  fingerprint: 'fp-1',
  episode: 1,
  severity: 'critical',
  by: 'ana',
  at: 2,
  via: 'console',
  note: null,
  state: 'active',
  endedAt: null,
  endedBy: null,
  ...o,
});

describe('acknowledgements the deciding connection remembers across its transactions', () => {
  it('R-ROUTE-8: an acknowledgement another connection writes is read by the next transaction, not the remembered "none"', () => {
    const [decider, main] = twoConnections();
    expect(decider!.tx(() => decider!.acks.get('fp-1'))).toBeNull(); // remembered: no acknowledgement
    expect(decider!.tx(() => decider!.acks.get('fp-1'))).toBeNull();
    main!.tx(() => main!.acks.put(ack()));
    expect(decider!.tx(() => decider!.acks.get('fp-1'))?.state).toBe('active');
    // And its end (an un-ack on the console) the same way.
    main!.tx(() => main!.acks.end('fp-1', 'unacked', 3, 'ana'));
    expect(decider!.tx(() => decider!.acks.get('fp-1'))?.state).toBe('unacked');
  });

  it('R-SCALE-33: with no acknowledgement stored none is asked for alert by alert; one written then is read at once', () => {
    const [decider, main] = twoConnections();
    decider!.tx(() => {
      decider!.acks.lookAhead(['fp-1', 'fp-2']);
      expect(decider!.acks.get('fp-1')).toBeNull();
      // This connection's own write in the same transaction (an escalation's chain acknowledged, say): read back.
      decider!.acks.put(ack({ fingerprint: 'fp-2' }));
      expect(decider!.acks.get('fp-2')?.state).toBe('active');
      expect(decider!.acks.get('fp-1')).toBeNull();
    });
    expect(decider!.tx(() => decider!.acks.get('fp-2'))?.state).toBe('active');
    // Emptied by another connection, then written again by it: each seen by the next transaction.
    main!.tx(() => main!.acks.end('fp-2', 'unacked', 3, 'ana'));
    expect(decider!.tx(() => decider!.acks.get('fp-2'))?.state).toBe('unacked');
    main!.tx(() => main!.acks.put(ack({ fingerprint: 'fp-3' })));
    expect(decider!.tx(() => [decider!.acks.get('fp-3')?.state, decider!.acks.get('fp-1')])).toEqual(['active', null]);
  });

  it('R-ROUTE-8: what a transaction that rolled back wrote and read back is not remembered', () => {
    const [decider] = twoConnections();
    decider!.tx(() => decider!.acks.put(ack()));
    expect(() =>
      decider!.tx(() => {
        expect(decider!.acks.get('fp-1')?.state).toBe('active');
        decider!.acks.end('fp-1', 'resolved', 3, null);
        expect(decider!.acks.get('fp-1')?.state).toBe('resolved');
        throw new Error('disk I/O error');
      }),
    ).toThrow('disk I/O error');
    expect(decider!.tx(() => decider!.acks.get('fp-1'))?.state).toBe('active');
  });
});
