import type { Audit } from '../audit';
import { VigilError } from '../errors';
import { redactSecrets } from '../redact';
import type { HostService } from './hosts';
import type { CommandPolicy, Verdict } from './policy';
import type { ExecResult, SshPool } from './pool';

export interface DiagResult extends ExecResult {
  host: string;
  templateId: string;
  /** Exactly what was sent to the host (before the timeout wrapper). */
  sent: string;
}

/**
 * The diagnostic console (R-HEAL-1): a command typed by a person or produced
 * by an LLM runs only if the policy matches it to a template; every attempt,
 * refused or run, is audited first, and nothing runs if the audit cannot be written.
 */
export function createDiagnostics(d: {
  policy: CommandPolicy;
  pool: SshPool;
  hosts: HostService;
  audit: Audit;
  maxBytes: number;
  timeoutMs: number;
}) {
  const tagsOf = (host?: string): string[] | undefined => (host ? (d.hosts.config(host)?.tags ?? []) : undefined);
  const check = (command: string, host?: string): Verdict => {
    if (host && !d.hosts.has(host)) return { allowed: false, reason: `no host named "${host}" in the config` };
    return d.policy.check(command, tagsOf(host));
  };
  return {
    check,
    async run(host: string, command: string, actor: string, opts: { timeoutMs?: number } = {}): Promise<DiagResult> {
      if (!d.hosts.has(host)) throw new VigilError('not_found', `no host named "${host}" in the config`);
      const v = check(command, host);
      if (!v.allowed) {
        d.audit.append({ actor, action: 'diag.denied', subject: `host:${host}`, detail: { command, reason: v.reason } });
        throw new VigilError('forbidden', `refused by the diagnostic policy: ${v.reason}`);
      }
      d.audit.append({
        actor,
        action: 'diag.run',
        subject: `host:${host}`,
        detail: { command, templateId: v.templateId, sent: v.command },
      });
      try {
        const r = await d.pool.exec(host, v.command, { maxBytes: d.maxBytes, timeoutMs: opts.timeoutMs ?? d.timeoutMs });
        d.audit.append({
          actor,
          action: 'diag.result',
          subject: `host:${host}`,
          detail: {
            templateId: v.templateId,
            exitCode: r.exitCode,
            bytes: r.stdout.length + r.stderr.length,
            truncated: r.truncated,
            ms: r.durationMs,
          },
        });
        // Backstop behind the policy's refusals: a log line or status page can still print a credential.
        return { ...r, stdout: redactSecrets(r.stdout), stderr: redactSecrets(r.stderr), host, templateId: v.templateId, sent: v.command };
      } catch (e) {
        d.audit.append({
          actor,
          action: 'diag.failed',
          subject: `host:${host}`,
          detail: { templateId: v.templateId, error: (e as Error).message },
        });
        throw e;
      }
    },
  };
}
export type Diagnostics = ReturnType<typeof createDiagnostics>;
