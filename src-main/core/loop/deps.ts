import type { Elephant, LlmClient } from '../agents';
import type { Audit } from '../audit';
import type { Changes } from '../changes';
import type { OutboxWriter } from '../notify';
import type { Router } from '../router';
import type { EscalationStore, HealLogRow } from '../store';

export interface LoopDeps {
  router: Router;
  elephant: Elephant;
  changes: Changes;
  audit: Audit;
  outbox: OutboxWriter;
  /** OpenClaw memory write (embedding queued when a provider is set). */
  remember(m: { title: string; body: string; tags: string[]; ref: string }): void;
  healLog(l: Omit<HealLogRow, 'id'>): void;
  /** Records the verification's verdict on the heal record the approved heal made (its status said 'mitigated'). */
  healVerdict(approvalId: string, fixed: boolean, detail: string): void;
  escalations: EscalationStore;
  kickEscalator(): void;
  catalogue: readonly string[];
  hostExists(h: string): boolean;
  /** The host's own checks (SSH probes, inside health check), each run once on call. */
  hostChecks(host: string): Array<{ name: string; run(): Promise<{ ok: boolean; detail: string }> }>;
  llm: LlmClient | null;
  protectedNames: string[];
}
