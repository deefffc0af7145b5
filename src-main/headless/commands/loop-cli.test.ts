import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../../src-shared/api/changes';
import type { IncidentSummary } from '../../../src-shared/api/incidents';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { listenHttp } from '../testing';
import { changeCommand } from './change';
import { exportCommand } from './export';
import { runCommand } from './testing';

/**
 * The loop's command line on real SQLite files and a real HTTP server:
 * `vigil change add` posts to a running Vigil, `vigil export incident` reads
 * the data dir the server keeps (R-CHANGE-1, R-LOOP-3).
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-loopcli-'));
const YAML = `channels: [{ name: desktop, type: desktop }]
routes: [{ channels: [desktop] }]
`;
const configFile = join(dir, 'vigil.yaml');
writeFileSync(configFile, YAML);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const call = async <T>(core: Core, m: string, input: unknown): Promise<T> => {
  const r = await core.dispatch(m, input);
  if (!r.ok) throw new Error(`${m}: ${r.error.message}`);
  return r.value as T;
};

describe('vigil change add', () => {
  const TOKEN = 'loop-cli-token-0123456789abcdefghijklmnop';
  let core: Core;
  let app: FastifyInstance;
  let url = '';
  beforeAll(async () => {
    core = createCore({ config: parseConfig(YAML), dataDir: null, log: createLogger(null) });
    await core.start();
    ({ app, base: url } = await listenHttp({ core, token: TOKEN }));
  });
  afterAll(async () => {
    await app?.close();
    await core?.stop();
  });
  const changes = async () => (await call<{ items: Change[] }>(core, 'changes.list', {})).items;

  it('R-CHANGE-1/R-CHANGE-2: records the change on the running server, with its hosts and diff; the diff is reviewed', async () => {
    const diff = join(dir, 'release.diff');
    writeFileSync(diff, '--- a/db/migrations/0042.sql\n+ALTER TABLE users DROP COLUMN email;\n');
    const r = await runCommand(changeCommand, [
      'add',
      '--service',
      'api',
      '--host',
      'web1',
      '--host',
      'web2',
      '--kind',
      'migration',
      '--version',
      '1.4.2',
      '--author',
      'alice',
      '--at',
      '2026-12-02T03:00:00Z',
      '--diff-file',
      diff,
      '--url',
      url,
      '--token',
      TOKEN,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.out) as Change;
    expect(printed).toMatchObject({ kind: 'migration', service: 'api', hosts: ['web1', 'web2'], version: '1.4.2', author: 'alice' });
    expect(printed.at).toBe(Date.parse('2026-12-02T03:00:00Z'));
    await core.areas.loop.reviewsIdle();
    const got = await call<{ source: string; diff: string; review: { level: string; reasons: string[] } }>(core, 'changes.get', {
      id: printed.id,
    });
    expect(got.source).toBe('cli');
    expect(got.diff).toContain('DROP COLUMN email');
    expect(got.review.level).toBe('high');
  });

  it('R-SEC-1/R-SEC-2: a wrong token is refused (exit 3), bad input names the field (exit 2), an unreadable diff or an unknown word is refused; nothing is stored', async () => {
    const before = (await changes()).length;
    const wrong = await runCommand(changeCommand, ['add', '--service', 'api', '--url', url, '--token', 'not-the-token']);
    expect(wrong.code).toBe(3);
    expect(wrong.err).toMatch(/^unauthorized: /);
    const bad = await runCommand(changeCommand, ['add', '--service', 'api', '--kind', 'rollout', '--url', url, '--token', TOKEN]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/kind/);
    const noDiff = await runCommand(changeCommand, ['add', '--service', 'api', '--diff-file', join(dir, 'nope.diff'), '--token', TOKEN]);
    expect(noDiff).toMatchObject({ code: 1, err: expect.stringMatching(/^cannot read --diff-file: ENOENT/) });
    const word = await runCommand(changeCommand, ['remove', '--service', 'api', '--token', TOKEN]);
    expect(word).toMatchObject({ code: 2, err: expect.stringMatching(/^usage: vigil change add/) });
    const flag = await runCommand(changeCommand, ['add', '--servce', 'api', '--token', TOKEN]);
    expect(flag).toMatchObject({ code: 2, err: expect.stringMatching(/Unknown option '--servce'[\s\S]*usage: vigil change add/) });
    expect((await changes()).length).toBe(before);
  });
});

describe('vigil export incident', () => {
  let id = '';
  beforeAll(async () => {
    // A server's data dir: a deploy, an alert group that fired and resolved, and a note.
    const core = createCore({ config: parseConfig(YAML), dataDir: dir, log: createLogger(null) });
    await core.start();
    const now = Date.now();
    await call(core, 'changes.add', {
      kind: 'deploy',
      service: 'api',
      hosts: ['web1'],
      version: '1.4.2',
      author: 'alice',
      at: now - 180_000,
    });
    const alert = (status: 'firing' | 'resolved') => ({
      source: 'prometheus',
      fingerprint: 'fp-api-5xx',
      severity: 'critical' as const,
      status,
      summary: 'api answers 5xx on web1',
      description: null,
      startsAt: null,
      endsAt: null,
      labels: { alertname: 'Api5xx', service: 'api', host: 'web1' },
    });
    core.areas.router.ingest([alert('firing')], 'test');
    await core.areas.router.drain();
    id = (await call<{ items: IncidentSummary[] }>(core, 'incidents.list', {})).items[0]!.id;
    await call(core, 'incidents.note', { id, by: 'bob', text: 'rolled back to 1.4.1 by hand' });
    core.areas.router.ingest([alert('resolved')], 'test');
    await core.areas.router.drain();
    await core.stop();
  });

  it('R-LOOP-4: --format md writes the post-incident draft (impact window, the change before it, what was done, timeline)', async () => {
    const r = await runCommand(exportCommand, ['incident', id, '--data-dir', dir, '--config', configFile]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^# Incident ${id}: api answers 5xx on web1\\n`));
    expect(r.out).toContain('- Status: resolved');
    expect(r.out).toMatch(/- Impact window: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ → \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(\d+ min\)/);
    expect(r.out).toContain('## Changes before it\n- deploy api 1.4.2 by alice, 3 min before');
    expect(r.out).toMatch(/## What was done\n- \S+ \S+ bob: rolled back to 1\.4\.1 by hand/);
    expect(r.out).toContain('## What helped\n- no verified heal');
    for (const kind of ['opened', 'alert', 'notification', 'note', 'resolution', 'change'])
      expect(r.out, kind).toMatch(new RegExp(`\\| ${kind} \\|`));
    // The default format is md.
    const again = await runCommand(exportCommand, ['incident', id, '--format', 'md', '--data-dir', dir, '--config', configFile]);
    expect(again.out.replace(/^- Impact window.*$/m, '')).toBe(r.out.replace(/^- Impact window.*$/m, ''));
  });

  it('R-LOOP-4: --format ndjson writes the raw records, one JSON object per line', async () => {
    const r = await runCommand(exportCommand, ['incident', id, '--format', 'ndjson', '--data-dir', dir, '--config', configFile]);
    expect(r.code).toBe(0);
    const recs = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs[0]).toMatchObject({ record: 'incident', id, status: 'resolved', members: ['fp-api-5xx'] });
    expect(recs.filter((x) => x.record === 'events').map((x) => x.status)).toEqual(['firing', 'resolved']);
    expect(recs.filter((x) => x.record === 'incident_entries').map((x) => x.kind)).toEqual(['opened', 'note', 'resolution']);
    expect(recs.some((x) => x.record === 'outbox' && x.channel === 'desktop')).toBe(true);
    expect(recs.find((x) => x.record === 'change')).toMatchObject({ service: 'api', version: '1.4.2' });
  });

  it('bad use: an unknown incident (exit 1), an unknown format or a missing id (exit 2), a missing database (exit 1)', async () => {
    const unknown = await runCommand(exportCommand, ['incident', 'i000000000000', '--data-dir', dir, '--config', configFile]);
    expect(unknown).toMatchObject({ code: 1, out: '', err: 'not_found: incident i000000000000 does not exist\n' });
    const fmt = await runCommand(exportCommand, ['incident', id, '--format', 'pdf', '--data-dir', dir, '--config', configFile]);
    expect(fmt.code).toBe(2);
    expect(fmt.err).toMatch(/^bad_request: .*format/);
    expect((await runCommand(exportCommand, ['incident', '--data-dir', dir])).code).toBe(2);
    const none = await runCommand(exportCommand, ['incident', id, '--data-dir', join(dir, 'nope')]);
    expect(none).toMatchObject({ code: 1, err: expect.stringContaining('no Vigil database in') });
    // The table exports refuse the incident flags rather than ignore them.
    expect((await runCommand(exportCommand, ['events', '--format', 'md', '--data-dir', dir])).code).toBe(2);
  });
});
