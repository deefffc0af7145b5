import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './db';
import { sqlitePeopleRepository } from './people';

let dir = '';
const open: Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Two connections to one file: the server's, and another process's (`vigil user`, `vigil intake-token`). */
function twoConnections() {
  dir = mkdtempSync(join(tmpdir(), 'vigil-owners-'));
  const file = join(dir, 'vigil.db');
  const [server, cli] = [openDatabase(file).db, openDatabase(file).db];
  open.push(server, cli);
  return { server, cli, serving: sqlitePeopleRepository(server), other: sqlitePeopleRepository(cli) };
}
const person = (name: string, tokenHash: string) => ({
  name,
  role: 'responder' as const,
  tokenHash,
  telegram: null,
  createdAt: 1,
  tokenIssuedAt: 1,
});

describe('token owners remembered while nothing changes them (R-PEOPLE-6)', () => {
  it('R-PEOPLE-6: a token removed or rotated by another connection is refused at the next look-up', () => {
    const { serving, other } = twoConnections();
    other.insert(person('rota', 'hash-rota'));
    other.intake.insert('grafana', 'hash-grafana', 1);
    expect(serving.tokenOwner('hash-rota')).toMatchObject({ person: { name: 'rota', role: 'responder' } });
    expect(serving.tokenOwner('hash-grafana')).toEqual({ intake: 'grafana' });
    expect(serving.tokenOwner('hash-nobody')).toBeNull();
    // Asked again, remembered: the same answers.
    expect(serving.tokenOwner('hash-rota')).toMatchObject({ person: { name: 'rota' } });
    other.setToken('rota', 'hash-rota-2', 2);
    other.intake.remove('grafana');
    expect(serving.tokenOwner('hash-rota')).toBeNull();
    expect(serving.tokenOwner('hash-grafana')).toBeNull();
    expect(serving.tokenOwner('hash-rota-2')).toMatchObject({ person: { name: 'rota' } });
    other.update('rota', { role: 'admin' });
    expect(serving.tokenOwner('hash-rota-2')).toMatchObject({ person: { role: 'admin' } });
    other.remove('rota');
    expect(serving.tokenOwner('hash-rota-2')).toBeNull();
    // An unknown token remembered as nobody is somebody's once it is issued.
    other.intake.insert('late', 'hash-nobody', 3);
    expect(serving.tokenOwner('hash-nobody')).toEqual({ intake: 'late' });
  });

  it('R-PEOPLE-6: what a rolled-back transaction read is not remembered, even when a later change brings the number back', () => {
    const { server, serving, other } = twoConnections();
    expect(serving.tokenOwner('hash-ghost')).toBeNull();
    expect(() =>
      server.transaction(() => {
        serving.intake.insert('ghost', 'hash-ghost', 1); // the version moves inside the transaction …
        expect(serving.tokenOwner('hash-ghost')).toEqual({ intake: 'ghost' });
        throw new Error('rolled back'); // … and back
      })(),
    ).toThrow('rolled back');
    other.intake.insert('someone-else', 'hash-else', 2); // the same number the rolled-back write had reached
    expect(serving.tokenOwner('hash-ghost')).toBeNull();
  });
});
