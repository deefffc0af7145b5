import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../../core/app';
import { parseConfig, DEFAULT_CONFIG_YAML } from '../../core/config';
import { createLogger } from '../../core/log';
import { memoryCommand } from './memory';
import { runCommand } from './testing';

const dir = mkdtempSync(join(tmpdir(), 'vigil-memcli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const capture = (argv: string[]) => runCommand(memoryCommand, argv);

describe('vigil memory search', () => {
  it('R-MEMORY-4: prints JSON lines, best first, from the keyword index when no embedding provider is configured', async () => {
    const core = createCore({ config: parseConfig(DEFAULT_CONFIG_YAML), dataDir: dir, log: createLogger(null) });
    await core.call('memory.add', { kind: 'knowledge', title: 'Disk full on web-1', body: 'clean /var/log and rotate', tags: ['disk'] });
    await core.call('memory.add', { kind: 'note', title: 'TLS renewal', body: 'certbot' });
    await core.stop();

    const r = await capture(['search', 'disk rotate', '--data-dir', dir]);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rank: number; used: string; insight: { title: string } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ rank: 1, used: 'keyword', insight: { title: 'Disk full on web-1' } });
    expect(r.err).toContain('no embedding provider');
  });

  it('bad use gets a usage line and exit 2; a missing database is named', async () => {
    expect((await capture(['find', 'x'])).code).toBe(2);
    expect((await capture(['search', 'x', '--mode', 'fuzzy', '--data-dir', dir])).code).toBe(2);
    const missing = await capture(['search', 'x', '--data-dir', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no Vigil database');
  });
});
