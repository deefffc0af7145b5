import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { startOllamaServer, type OllamaServer } from './fixtures/ollama-server';
import { ConsolePage } from './pages/console';
import { MemoryPage } from './pages/panels';
import { consoleRig } from './pages/setup';

let ollama: OllamaServer;
// Ollama cannot run here: the stand-in speaks its /api/embed wire format.
beforeAll(async () => {
  ollama = await startOllamaServer();
});
afterAll(() => ollama?.close());
const rig = consoleRig(() => `embeddings: { provider: ollama, baseUrl: "${ollama.url}", model: nomic-embed-text }\n`);

describe('Memory page against vigil serve', () => {
  it("R-UI, R-CONTRACT-1: add a knowledge entry, find it by meaning and by keyword (the mode used is shown), see it flagged; another client's flag shows at once", async () => {
    const ui = new ConsolePage(rig.browser.page);
    const m = new MemoryPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Memory');
    await m.add('Disk full on the db volume', 'Rotate the WAL archive and grow the volume; never delete data files.', 'disk, db');
    await expect.poll(() => m.status.filter({ hasText: 'Saved as #' }).count()).toBe(1);
    const id = Number(/#(\d+)/.exec((await m.status.filter({ hasText: 'Saved as #' }).textContent())!)![1]);

    // Wait for the embedding worker to embed it (through the stand-in).
    await expect
      .poll(async () => (await rig.vigil.rpc<{ counts: Record<string, number> }>('memory.queue', {})).counts.done ?? 0, { timeout: 20_000 })
      .toBe(1);

    // "storage exhausted" shares no word with the entry: only the vectors can find it.
    await m.search('storage exhausted', 'semantic');
    await expect.poll(() => m.results.textContent()).toContain('semantic search');
    expect(await m.results.textContent()).toContain('Disk full on the db volume');
    const core = await rig.vigil.rpc<{ used: string; results: { insight: { title: string } }[] }>('memory.search', {
      query: 'storage exhausted',
      mode: 'semantic',
    });
    expect(core.used).toBe('semantic');

    await m.search('WAL archive', 'keyword');
    await expect.poll(() => m.results.textContent()).toContain('keyword search');
    expect(await m.results.textContent()).toContain('via keyword');

    await m.search('disk full', 'auto');
    const auto = await rig.vigil.rpc<{ used: string }>('memory.search', { query: 'disk full' });
    await expect.poll(() => m.results.textContent()).toContain(`${auto.used} search`);

    // An L2 safe action from the result flags it for human review; the Flagged panel shows it.
    await m.button(`Flag for review: insight ${id}`).click();
    await expect.poll(() => m.results.getByRole('status').textContent()).toContain('done: flag for review');
    await rig.browser.page.getByLabel('Flag filter').selectOption('human_review');
    await expect.poll(() => m.flags.textContent(), { timeout: 35_000 }).toContain('Disk full on the db volume');

    // Another client flags an entry while the panel is open: the core's "memory" push refetches it at once (R-CONTRACT-1);
    // before, the panel waited for its 30 s poll.
    const other = await rig.vigil.rpc<{ id: number }>('memory.add', { kind: 'note', title: 'Certificate expiry on the gateway' });
    await rig.vigil.rpc('memory.safeAction', { action: 'flag_for_human_review', insightId: other.id });
    await expect.poll(() => m.flags.textContent(), { timeout: 10_000 }).toContain('Certificate expiry on the gateway');
    await screenshot(rig.browser.page, 'memory');
  });
});
