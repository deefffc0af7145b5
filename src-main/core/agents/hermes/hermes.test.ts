import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config';
import { createHermes } from './hermes';

const ev = (o: Partial<Parameters<ReturnType<typeof createHermes>>[0]> = {}) => ({
  source: 'api',
  severity: 'warning' as const,
  summary: 'something',
  labels: {},
  ...o,
});

describe('Hermes rules (R-AGENT)', () => {
  it('R-AGENT-3: rules from vigil.yaml (labels + severity) win, in order, with runbook and suggestions', () => {
    const cfg = parseConfig(`
hermes:
  rules:
    - { name: pg, match: { service: postgres }, severity: critical, category: database, priority: P1, runbook: "https://runbooks/pg", suggest: [check replication lag] }
    - { name: pg-any, match: { service: postgres }, category: database-minor, priority: P3 }
`);
    const h = createHermes(cfg.hermes.rules);
    expect(h(ev({ severity: 'critical', labels: { service: 'postgres' } }), 1)).toMatchObject({
      agent: 'hermes',
      model: null,
      category: 'database',
      priority: 'P1',
      runbook: 'https://runbooks/pg',
      suggestedActions: ['check replication lag'],
      at: 1,
    });
    expect(h(ev({ labels: { service: 'postgres' } }), 1)).toMatchObject({ category: 'database-minor', priority: 'P3' });
  });

  it('R-AGENT-3: built-in defaults categorise common alerts without any configuration', () => {
    const h = createHermes([]);
    // A 5xx status, not any number that starts with 5 (found by the decidecost bench: 'bench alert 1500' was availability P1).
    expect(h(ev({ summary: 'API answers 503' }), 0).category).toBe('availability');
    for (const summary of ['bench alert 1500', 'queue at 5000 messages', 'heap at 512 MB', 'p99 is 520ms'])
      expect(h(ev({ summary }), 0).category, summary).not.toBe('availability');
    expect(h(ev({ labels: { alertname: 'NodeFilesystemAlmostOutOfSpace' } }), 0).category).toBe('disk');
    expect(h(ev({ summary: 'OOM killed java' }), 0).category).toBe('memory');
    expect(h(ev({ labels: { alertname: 'KubePodCrashLooping' } }), 0)).toMatchObject({ category: 'restart-loop', priority: 'P2' });
    expect(h(ev({ severity: 'critical', labels: { alertname: 'ProbeFailed' }, summary: 'Probe api is down: HTTP 502' }), 0)).toMatchObject({
      category: 'availability',
      priority: 'P1',
    });
    expect(h(ev({ severity: 'critical', summary: 'Weird thing' }), 0)).toMatchObject({
      category: 'uncategorised',
      priority: 'P1',
      suggestedActions: [],
    });
    expect(h(ev({ severity: 'info', summary: 'Weird thing' }), 0).priority).toBe('P4');
  });
});
