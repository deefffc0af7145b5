import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { openDatabase, type Database, sqliteStores } from '../store';
import { createAudit } from './index';

let db: Database;
afterEach(() => db?.close());

const fresh = () => {
  db = openDatabase(':memory:').db;
  return createAudit(sqliteStores(db), new FakeClock());
};

describe('audit chain', () => {
  it('R-HEAL-5: each row carries the previous hash and the chain verifies', () => {
    const audit = fresh();
    const a = audit.append({ actor: 'alice', action: 'heal.proposed', subject: 'approval:1', detail: { b: 2, a: 1 } });
    const b = audit.append({ actor: 'bob', action: 'approval.approved', subject: 'approval:1' });
    expect(b.prevHash).toBe(a.hash);
    expect(a.detail).toBe('{"a":1,"b":2}');
    expect(audit.verifyChain()).toEqual({ ok: true, rows: 2, firstBroken: null });
  });

  it('R-HEAL-5: the log is append-only and an edited row is found by verify', () => {
    const audit = fresh();
    for (let i = 0; i < 5; i++) audit.append({ actor: 'x', action: 'diag.run', detail: { i } });
    expect(() => db.exec(`UPDATE audit_log SET actor = 'mallory' WHERE id = 3`)).toThrow(/append-only/);
    expect(() => db.exec(`DELETE FROM audit_log WHERE id = 3`)).toThrow(/append-only/);
    // Someone with the file drops the trigger and edits row 3.
    db.exec('DROP TRIGGER audit_log_no_update');
    db.exec(`UPDATE audit_log SET actor = 'mallory' WHERE id = 3`);
    expect(audit.verifyChain()).toMatchObject({ ok: false, firstBroken: { id: 3 } });
  });

  it('R-HEAL-5: a deleted row breaks the chain at the next row', () => {
    const audit = fresh();
    for (let i = 0; i < 4; i++) audit.append({ actor: 'x', action: 'a', detail: { i } });
    db.exec('DROP TRIGGER audit_log_delete_archived_only');
    db.exec('DELETE FROM audit_log WHERE id = 2');
    expect(audit.verifyChain()).toMatchObject({ ok: false, firstBroken: { id: 3 } });
  });

  it('R-HEAL-5: append throws a clear error when the audit cannot be written', () => {
    const audit = fresh();
    db.exec(`CREATE TRIGGER broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    expect(() => audit.append({ actor: 'x', action: 'a' })).toThrow(/audit log cannot be written.*nothing was done/);
  });
});
