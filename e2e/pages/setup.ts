import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Served } from '../fixtures/serve';

/** Write a vigil.yaml into a fresh temp dir and return its path. */
export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ui-cfg-'));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, yaml);
  return file;
}

export interface TestEvent {
  source: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  description?: string;
}

/** Feed events through the real intake (POST /api/v1/events, bearer token); returns their ids. */
export async function postEvents(v: Served, events: TestEvent[]): Promise<string[]> {
  const res = await v.api('/api/v1/events', { method: 'POST', body: JSON.stringify(events) });
  if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { ids: string[] }).ids;
}

/** Wait until the router has processed everything it acknowledged. */
export async function drained(v: Served, ids: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (const id of ids) {
    for (;;) {
      const e = await v.rpc<{ processed: boolean }>('events.get', { id });
      if (e.processed) break;
      if (Date.now() > deadline) throw new Error(`event ${id} was not processed in 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
