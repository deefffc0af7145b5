import type { Severity } from '../../../../src-shared/constants';
import type { Verdict } from '../../remote';

/** The event NemoTron triages (the router's Triager subject). */
export interface TriageEvent {
  id: string;
  source: string;
  severity: Severity;
  summary: string;
  description: string | null;
  labels: Record<string, string>;
}

/** The L1 command policy (core/remote/policy): decides without running anything. */
export interface DiagnosticPolicy {
  check(command: string, hostTags?: string[]): Verdict;
}

/**
 * Runs a command the policy allowed, as typed (core/remote's diagnostics:
 * it checks the policy again, audits, renders the template and sends it).
 */
export interface DiagnosticExec {
  exec(
    host: string,
    command: string,
    o?: { timeoutMs?: number },
  ): Promise<{ exitCode: number | null; stdout: string; stderr: string; truncated: boolean }>;
}

/** Read-only look-up of recent events (the router's event store). */
export interface RecentEvents {
  list(f: { severity?: Severity[]; source?: string; label?: { name: string; value: string }; text?: string; limit: number }): {
    items: Array<{
      id: string;
      source: string;
      severity: Severity;
      status: string;
      summary: string;
      labels: Record<string, string>;
      receivedAt: number;
    }>;
  };
}

/** OpenClaw recall, reduced to what a tool needs. */
export interface MemorySearch {
  (
    query: string,
    opts: { limit: number; signal?: AbortSignal },
  ): Promise<{ used: string; hits: Array<{ insight: { id: number; kind: string; title: string; body: string; tags: string[] } }> }>;
}
