import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createAudit } from '../../core/audit';
import { systemClock } from '../../core/clock';
import { openDatabase, sqliteStores } from '../../core/store';
import { auditCommand } from './audit';
import { configCommand } from './config';
import { policyCommand } from './policy';
import type { Command } from './index';

const dir = mkdtempSync(join(tmpdir(), 'vigil-remotecli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(cmd: Command, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    return { code: await cmd.run(argv), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('vigil policy check', () => {
  it('R-HEAL-1: prints ALLOW <template-id> (exit 0) or DENY <reason> (exit 3)', async () => {
    expect(await capture(policyCommand, ['check', '--', 'journalctl --no-pager -n 50 -u nginx'])).toMatchObject({
      code: 0,
      out: 'ALLOW journalctl-unit\n',
    });
    const deny = await capture(policyCommand, ['check', '--', 'uptime; rm -rf /']);
    expect(deny.code).toBe(3);
    expect(deny.out).toMatch(/^DENY command separator ";" is not allowed\n$/);
    expect((await capture(policyCommand, ['check', '--', 'cat /etc/shadow'])).out).toMatch(/^DENY .*secret/);
  });

  it('R-HEAL-1: --config adds host-scoped templates; --host picks the host; bad config exits 1', async () => {
    const cfg = join(dir, 'vigil.yaml');
    writeFileSync(
      cfg,
      `hosts:\n  - { name: db1, address: 10.0.0.9, user: ops, tags: [db] }\n  - { name: web1, address: 10.0.0.8, user: ops }\nremote:\n  templates:\n    - { id: pg-ready, command: "pg_isready -p {port}", params: { port: { type: int, min: 1, max: 65535 } }, tags: [db] }\n`,
    );
    expect(await capture(policyCommand, ['check', '--config', cfg, '--host', 'db1', '--', 'pg_isready -p 5432'])).toMatchObject({
      code: 0,
      out: 'ALLOW pg-ready\n',
    });
    expect((await capture(policyCommand, ['check', '--config', cfg, '--host', 'web1', '--', 'pg_isready -p 5432'])).code).toBe(3);
    expect(await capture(policyCommand, ['check', '--config', cfg, '--host', 'nope', '--', 'uptime'])).toMatchObject({
      code: 3,
      out: expect.stringMatching(/no host named "nope"/),
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `remote:\n  templates:\n    - { id: wipe, command: "rm -rf {d}", params: { d: { type: path } } }\n`);
    expect(await capture(policyCommand, ['check', '--config', bad, '--', 'uptime'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/not read-only/),
    });
  });
});

describe('a template that sends something else than it matches', () => {
  it('R-HEAL-9: command "uptime -p" with send "rm -rf /" fails vigil config check and vigil policy check (exit 1, naming send)', async () => {
    const smuggle = join(dir, 'smuggle.yaml');
    writeFileSync(smuggle, `remote:\n  templates:\n    - { id: up, command: "uptime -p", send: "rm -rf /" }\n`);
    const check = await capture(configCommand, ['check', '--config', smuggle, '--data-dir', join(dir, 'cfgdata')]);
    expect(check).toMatchObject({ code: 1, err: expect.stringMatching(/INVALID[\s\S]*template "up": send is not read-only: "rm"/) });
    expect(check.out).not.toMatch(/^OK/);
    expect(await capture(policyCommand, ['check', '--config', smuggle, '--', 'uptime -p'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/send is not read-only/),
    });
    const leaky = join(dir, 'leaky.yaml');
    writeFileSync(leaky, `remote:\n  templates:\n    - { id: ins, command: "docker inspect {n}", params: { n: { type: identifier } } }\n`);
    expect(await capture(configCommand, ['check', '--config', leaky, '--data-dir', join(dir, 'cfgdata')])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/would print secrets: docker inspect without --format prints the container's environment/),
    });
  });
});

describe('vigil audit verify', () => {
  it('R-HEAL-5: exit 0 for an intact chain, non-zero naming the first broken row', async () => {
    const dataDir = join(dir, 'data');
    const { db } = openDatabase(join(dataDir, 'vigil.db'));
    const audit = createAudit(sqliteStores(db), systemClock);
    for (let i = 0; i < 6; i++) audit.append({ actor: 'alice', action: 'diag.run', subject: 'host:web1', detail: { i } });
    db.close();
    expect(await capture(auditCommand, ['verify', '--data-dir', dataDir])).toMatchObject({
      code: 0,
      out: 'OK audit chain intact: 6 row(s)\n',
    });

    const raw = openDatabase(join(dataDir, 'vigil.db')).db;
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.exec(`UPDATE audit_log SET detail = '{"i":99}' WHERE id = 4`);
    raw.close();
    const broken = await capture(auditCommand, ['verify', '--data-dir', dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/^BROKEN at row 4: /);
    expect((await capture(auditCommand, ['verify', '--data-dir', join(dir, 'missing')])).code).toBe(1);
  });
});
