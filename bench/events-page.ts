// `npm run bench -- events-page`: the Events page with 100,000 stored events.
// Seeds the events through the real repository (batched transactions), starts
// the built `vigil serve`, opens the page in Chromium and measures the time
// from navigation start to the first rendered row (performance mark set by the
// list), median of several loads. Peer in the same run: the same page with
// virtualisation off (`?virtual=off`: every row of the first page in the DOM).
// Target: first row ≤ 1 s. Needs `npx electron-vite build` first.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openBrowser } from '../e2e/fixtures/browser';
import { removeDir, startVigil } from '../e2e/fixtures/serve';
import { sqliteEventStore, type NewEvent, openDatabase } from '../src-main/core/store';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const LOADS = 7;
const BATCH = 5_000;
const SEVERITIES = ['info', 'warning', 'critical'] as const;
const SERVICES = ['api', 'db', 'cache', 'queue', 'auth', 'search', 'billing'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function seed(dataDir: string): number {
  const t0 = performance.now();
  const { db } = openDatabase(join(dataDir, 'vigil.db'));
  const store = sqliteEventStore(db);
  const transaction = <T>(fn: () => T): T => db.transaction(fn)();
  const start = Date.now() - EVENTS * 1000;
  for (let done = 0; done < EVENTS; done += BATCH) {
    transaction(() => {
      const batch: NewEvent[] = [];
      for (let i = done; i < Math.min(EVENTS, done + BATCH); i++) {
        const service = SERVICES[i % SERVICES.length]!;
        batch.push({
          id: randomUUID(),
          source: i % 4 === 0 ? 'alertmanager' : 'app',
          fingerprint: `fp-${i % 5000}`,
          severity: SEVERITIES[i % 3]!,
          status: i % 10 === 0 ? 'resolved' : 'firing',
          summary: `${service} check ${i}: latency above 500 ms on node-${i % 97}`,
          description: null,
          labels: { alertname: `Check${i % 50}`, service, instance: `node-${i % 97}` },
          startsAt: null,
          endsAt: null,
          receivedAt: start + i * 1000,
          trace: [{ at: start + i * 1000, stage: 'persist', result: 'pass', detail: 'bench seed' }],
        });
      }
      const seqs = store.insert(batch);
      // Stored as processed, so start-up does not replay 100,000 inbox rows.
      seqs.forEach((seq, k) => store.markProcessed(seq, { outcome: 'stored', trace: batch[k]!.trace, triage: null, channels: [] }));
    });
  }
  db.close();
  return performance.now() - t0;
}

export default async function bench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-events-'));
  const seedMs = seed(dataDir);
  console.log(`seeded ${EVENTS.toLocaleString()} events through the repository in ${(seedMs / 1000).toFixed(1)} s`);
  const vigil = await startVigil({ dataDir });
  const browser = await openBrowser();
  try {
    const list = await vigil.rpc<{ items: unknown[] }>('events.list', { limit: 200 });
    if (list.items.length !== 200) throw new Error(`expected a full first page, got ${list.items.length}`);
    const load = async (virtual: boolean) => {
      const url = `${vigil.base}/${virtual ? '' : '?virtual=off'}#/events&token=${vigil.token}`;
      await browser.page.goto('about:blank');
      await browser.page.goto(url);
      await browser.page
        .locator('.ev-row')
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(async (e: Error) => {
          await browser.page.screenshot({ path: '/tmp/bench-fail.png' });
          throw e;
        });
      const firstRow = await browser.page.evaluate(() => performance.getEntriesByName('vigil:events-first-row')[0]?.startTime ?? NaN);
      const rows = await browser.page.locator('.ev-row').count();
      return { firstRow, rows };
    };
    await load(true); // warm the HTTP cache and the SQLite page cache alike for both variants
    await load(false);
    const virt: number[] = [];
    const naive: number[] = [];
    let rowsVirt = 0;
    let rowsNaive = 0;
    for (let i = 0; i < LOADS; i++) {
      const v = await load(true);
      const n = await load(false);
      virt.push(v.firstRow);
      naive.push(n.firstRow);
      rowsVirt = v.rows;
      rowsNaive = n.rows;
    }
    // Scrolling deep: jump to the end of what is loaded 10 times (each loads the next page of 200).
    await load(true);
    const grid = browser.page.getByRole('grid', { name: 'Events' });
    await grid.focus();
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      await browser.page.keyboard.press('End');
      await browser.page
        .getByTestId('events-meta')
        .filter({ hasText: new RegExp(`^${((i + 2) * 200).toLocaleString('en-US')}`) })
        .waitFor({ timeout: 10_000 })
        .catch(() => undefined);
    }
    const scrollMs = performance.now() - t0;
    // Smoothness: scroll the loaded list from top to bottom, 400 px per animation frame, and time the frames.
    const frames = (await browser.page.evaluate(`new Promise((done) => {
      const el = document.querySelector('[data-testid=event-list]');
      el.scrollTop = 0;
      const out = [];
      let last = performance.now();
      const step = () => {
        const now = performance.now();
        out.push(now - last);
        last = now;
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || out.length > 600) return done(out.slice(1));
        el.scrollTop += 400;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    })`)) as number[];
    const sorted = [...frames].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? NaN;
    const loaded = await browser.page.getByTestId('events-meta').textContent();
    const domRows = await browser.page.locator('.ev-row').count();

    const v = median(virt);
    const n = median(naive);
    console.log(
      `Events page, ${EVENTS.toLocaleString()} stored events, first page of 200 (median of ${LOADS} loads, navigation start → first row):`,
    );
    console.log(`  virtualised:     ${v.toFixed(0)} ms  (${rowsVirt} rows in the DOM)   target ≤ 1000 ms: ${v <= 1000 ? 'PASS' : 'FAIL'}`);
    console.log(`  naive (all rows): ${n.toFixed(0)} ms  (${rowsNaive} rows in the DOM)`);
    console.log(`  ratio naive / virtualised: ${(n / v).toFixed(2)}×`);
    console.log(
      `  paging deeper with End ×10: ${scrollMs.toFixed(0)} ms; list shows "${loaded?.split(' · ')[0]}" with ${domRows} rows in the DOM`,
    );
    console.log(
      `  scrolling the loaded list top to bottom: ${frames.length} frames, median ${median(frames).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms per frame`,
    );
  } finally {
    await browser.close();
    await vigil.stop();
    removeDir(dataDir);
  }
}
