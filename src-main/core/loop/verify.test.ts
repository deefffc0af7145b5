import { describe, expect, it } from 'vitest';
import type { PlanRow, StoredStep } from '../store';
import { healBefore } from './verify';

const step = (type: string, params: Record<string, unknown>, extra: Partial<StoredStep> = {}): StoredStep => ({
  type,
  params,
  timeout: 60_000,
  status: 'succeeded',
  startedAt: 1,
  finishedAt: 2,
  result: null,
  error: null,
  ...extra,
});

const plan = (steps: StoredStep[]): PlanRow => ({
  id: 'p1',
  title: 'Restart nginx on web-1',
  source: 'agent',
  status: 'running',
  steps,
  current: steps.length - 1,
  createdBy: 'hermes',
  approvals: [],
  eventId: null,
  changeId: null,
  evidence: [],
  error: null,
  createdAt: 0,
  updatedAt: 0,
  finishedAt: null,
});

describe('the heal a verify step reports its verdict to (R-LOOP-2)', () => {
  it('R-LOOP-2: the approval id comes from the heal step’s field, whatever its result sentence says', () => {
    const heal = { action: 'restart_service', host: 'web-1', target: 'nginx' };
    const verify = step('verify', { fingerprint: 'fp1' }, { status: 'running' });
    // Worded otherwise than the runner's "AutoHeal <id> executed" (before, the verdict went nowhere).
    const reworded = step('heal', heal, { approvalId: 'ah-42', result: 'Restarted nginx on web-1 under approval ah-42 (exit 0)' });
    expect(healBefore(plan([reworded, verify]), 1)).toEqual({ ...heal, approvalId: 'ah-42' });
    // A result text that looks like another approval's never decides which approval gets the verdict.
    const misleading = step('heal', heal, { approvalId: 'ah-43', result: 'AutoHeal ah-1 executed: exit 0' });
    expect(healBefore(plan([misleading, verify]), 1)?.approvalId).toBe('ah-43');
    // The nearest heal before the verify step is the one it checks.
    const earlier = step('heal', { ...heal, target: 'php-fpm' }, { approvalId: 'ah-7' });
    expect(healBefore(plan([earlier, reworded, step('notify', {}), verify]), 3)).toMatchObject({ target: 'nginx', approvalId: 'ah-42' });
    expect(healBefore(plan([step('notify', {}), verify]), 1)).toBeNull();
  });
});
