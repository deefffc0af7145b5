import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmServer } from './fixtures/llm-server';
import { startOllamaServer, type OllamaServer } from './fixtures/ollama-server';
import { CLI, ROOT } from './fixtures/serve';
import { postEvents, serveRig } from './pages/setup';

/**
 * The agents through the built `vigil serve`: a hung LLM never delays the
 * first notification; memory is searchable over the API and the CLI; plans
 * fail fast on an unknown step.
 */
let llm: LlmServer;
let ollama: OllamaServer;
const run = promisify(execFile);

beforeAll(async () => {
  llm = await startLlmServer(() => ({ kind: 'hang' }));
  ollama = await startOllamaServer();
});
afterAll(async () => {
  await llm?.close();
  await ollama?.close();
});
const rig = serveRig(
  (hookUrl) =>
    [
      'channels:',
      `  - { name: ops-hook, type: webhook, url: "${hookUrl}" }`,
      'routes:',
      '  - { match: {}, channels: [ops-hook] }',
      'router: { triageTimeout: 2s }',
      `llm: { provider: nim, baseUrl: "${llm.url}", models: [nemo-a, nemo-b], apiKey: { secret: nim }, timeout: 20s, triageBudget: 4s }`,
      `embeddings: { provider: ollama, baseUrl: "${ollama.url}" }`,
    ].join('\n'),
  { env: { VIGIL_SECRET_NIM: 'e2e-key' } },
);

const metric = async (line: RegExp): Promise<number | null> => {
  const text = await (await rig.vigil.api('/metrics')).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').at(-1)) : null;
};

describe('agents through vigil serve', () => {
  it('R-AGENT-1: a hung LLM does not delay the first notification; the time box falls back to Hermes and counts it', async () => {
    const t0 = Date.now();
    const [id] = await postEvents(rig.vigil, [
      { source: 'app', severity: 'critical', summary: 'Disk full on web-1', labels: { alertname: 'DiskFull', host: 'web-1' } },
    ]);
    await expect.poll(() => rig.hook.shown.length, { timeout: 10_000, interval: 20 }).toBe(1);
    const firstNotice = Date.now() - t0;
    expect(firstNotice).toBeLessThan(2_000); // before the 2 s triage time box closes
    expect(rig.hook.shown[0]!.body.message.body).toMatch(/Hermes/);
    await expect.poll(() => llm.requests.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    expect(llm.requests[0]!.authorization).toBe('Bearer e2e-key');
    await expect.poll(() => metric(/^vigil_agent_fallback_total\{reason="timeout"\}/), { timeout: 10_000 }).toBe(1);
    const ev = await rig.vigil.rpc<{ triage: { agent: string; fallbackReason: string | null } }>('events.get', { id });
    expect(ev.triage).toMatchObject({ agent: 'hermes', fallbackReason: 'timeout' });
    const status = await rig.vigil.rpc<{ nemotron: { models: string[]; keySet: boolean }; fallbacks: Record<string, number> }>(
      'agents.status',
      {},
    );
    expect(status).toMatchObject({ nemotron: { models: ['nemo-a', 'nemo-b'], keySet: true }, fallbacks: { timeout: 1 } });
    expect(JSON.stringify(status)).not.toContain('e2e-key');
  });

  it('R-MEMORY-4: notes are embedded and found by meaning over the API and with `vigil memory search`', async () => {
    await rig.vigil.rpc('memory.add', {
      kind: 'knowledge',
      title: 'Disk full on db hosts',
      body: 'rotate /var/log/postgresql',
      tags: ['disk'],
    });
    await rig.vigil.rpc('memory.add', { kind: 'note', title: 'TLS renewal', body: 'certbot renew on the edge' });
    await expect
      .poll(async () => (await rig.vigil.rpc<{ counts: { done: number } }>('memory.queue', {})).counts.done, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    const r = await rig.vigil.rpc<{ used: string; results: Array<{ insight: { title: string } }> }>('memory.search', {
      query: 'storage exhausted',
      mode: 'auto',
    });
    expect(r.used).toBe('hybrid');
    expect(r.results[0]!.insight.title).toBe('Disk full on db hosts');
    const cli = await run(process.execPath, [CLI, 'memory', 'search', 'certbot', '--data-dir', rig.vigil.dataDir, '--mode', 'keyword'], {
      cwd: ROOT,
    });
    const lines = cli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { used: string; insight: { title: string } });
    expect(lines[0]).toMatchObject({ used: 'keyword', insight: { title: 'TLS renewal' } });
  });

  it('R-AGENT-4: a plan with an unknown step type fails at once over the API', async () => {
    const p = await rig.vigil.rpc<{ id: string; status: string; error: string }>('plans.create', {
      title: 'bad plan',
      createdBy: 'e2e',
      steps: [{ type: 'notify', channels: ['ops-hook'], title: 'never sent' }, { type: 'drop_database' }],
    });
    expect(p).toMatchObject({ status: 'failed', error: expect.stringContaining('unknown step type "drop_database"') });
    const shown = rig.hook.shown.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.hook.shown.length).toBe(shown); // the notify step before it never ran
  });
});
