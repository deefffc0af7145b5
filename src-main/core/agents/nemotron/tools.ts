import { z } from 'zod';
import { Severity } from '../../../../src-shared/constants';
import type { ToolSpec } from '../llm/types';
import { untrusted } from './prompt';
import type { DiagnosticExec, DiagnosticPolicy, MemorySearch, RecentEvents } from './types';

export const TOOL_SPECS: ToolSpec[] = [
  {
    type: 'function',
    function: {
      name: 'run_diagnostic',
      description:
        'Run ONE read-only diagnostic command (from an allowlist, e.g. "df -hP", "docker ps", "journalctl --no-pager -n 50 -u nginx") on a configured host. Anything else is refused.',
      parameters: {
        type: 'object',
        properties: { host: { type: 'string', description: 'host name from the Vigil config' }, command: { type: 'string' } },
        required: ['host', 'command'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_memory',
      description: 'Search past incidents, resolutions and knowledge notes.',
      parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'recent_events',
      description: 'List recent alerts, newest first, optionally filtered.',
      parameters: {
        type: 'object',
        properties: {
          source: { type: 'string' },
          severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
          label: { type: 'string', description: 'name=value' },
          text: { type: 'string' },
          limit: { type: 'integer', minimum: 1, maximum: 20 },
        },
      },
    },
  },
];

const DiagnosticArgs = z.object({ host: z.string().min(1).max(100), command: z.string().min(1).max(500) });
const MemoryArgs = z.object({ query: z.string().min(1).max(300) });
const EventArgs = z.object({
  source: z.string().max(100).optional(),
  severity: Severity.optional(),
  label: z
    .string()
    .regex(/^[^=]+=.*$/)
    .max(300)
    .optional(),
  text: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(20).default(10),
});

export interface ToolDeps {
  policy: DiagnosticPolicy;
  exec: DiagnosticExec | null;
  /** Configured hosts and their tags (templates with tags apply only there). */
  hosts: () => Array<{ name: string; tags: string[] }>;
  memory: MemorySearch | null;
  events: RecentEvents | null;
  /** Every allowed or denied diagnostic, for the audit and the trace. */
  onDiagnostic?: (d: { host: string; command: string; allowed: boolean; reason?: string; templateId?: string }) => void;
  diagnosticTimeoutMs?: number;
}

export interface ToolOutcome {
  content: string;
  /** true when the command policy refused a command (it did not run). */
  denied?: boolean;
}

function parseArgs<T>(schema: z.ZodType<T>, raw: string): { ok: true; value: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw || '{}');
  } catch {
    return { ok: false, error: 'arguments are not valid JSON' };
  }
  const r = schema.safeParse(json);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

/** Stop waiting for a tool when the triage time box closes (the tool itself has its own timeout). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Run one tool call. The command policy decides before anything reaches a
 * host: a denied command returns the reason to the model and never runs.
 */
export async function runTool(deps: ToolDeps, name: string, rawArgs: string, signal: AbortSignal): Promise<ToolOutcome> {
  const err = (error: string): ToolOutcome => ({ content: JSON.stringify({ tool: name, error }) });
  switch (name) {
    case 'run_diagnostic': {
      const a = parseArgs(DiagnosticArgs, rawArgs);
      if (!a.ok) return err(a.error);
      const host = deps.hosts().find((h) => h.name === a.value.host);
      if (!host)
        return err(
          `unknown host "${a.value.host}"; configured hosts: ${
            deps
              .hosts()
              .map((h) => h.name)
              .join(', ') || 'none'
          }`,
        );
      const verdict = deps.policy.check(a.value.command, host.tags);
      if (!verdict.allowed) {
        deps.onDiagnostic?.({ host: host.name, command: a.value.command, allowed: false, reason: verdict.reason });
        return {
          denied: true,
          content: JSON.stringify({
            tool: name,
            denied: true,
            reason: verdict.reason,
            note: 'The command was not run. Only read-only allowlisted diagnostics run.',
          }),
        };
      }
      deps.onDiagnostic?.({ host: host.name, command: verdict.command, allowed: true, templateId: verdict.templateId });
      if (!deps.exec) return err('remote execution is not available in this Vigil');
      try {
        const r = await abortable(
          deps.exec.exec(host.name, a.value.command.trim(), { timeoutMs: deps.diagnosticTimeoutMs ?? 15_000 }),
          signal,
        );
        const tail = (s: string) => (s.length > 4000 ? `…${s.slice(-4000)}` : s);
        return {
          content: untrusted(name, {
            host: host.name,
            command: verdict.argv.join(' '),
            exitCode: r.exitCode,
            stdout: tail(r.stdout),
            stderr: tail(r.stderr),
            truncated: r.truncated,
          }),
        };
      } catch (e) {
        if (signal.aborted) throw e;
        return err(`${host.name}: ${(e as Error).message}`);
      }
    }
    case 'search_memory': {
      const a = parseArgs(MemoryArgs, rawArgs);
      if (!a.ok) return err(a.error);
      if (!deps.memory) return err('memory is not available');
      const r = await abortable(deps.memory(a.value.query, { limit: 5, signal }), signal);
      return {
        content: untrusted(name, {
          searched: r.used,
          results: r.hits.map((h) => ({
            id: h.insight.id,
            kind: h.insight.kind,
            title: h.insight.title,
            body: h.insight.body.slice(0, 600),
            tags: h.insight.tags,
          })),
        }),
      };
    }
    case 'recent_events': {
      const a = parseArgs(EventArgs, rawArgs);
      if (!a.ok) return err(a.error);
      if (!deps.events) return err('the event store is not available');
      const [lname, ...rest] = a.value.label?.split('=') ?? [];
      const { items } = deps.events.list({
        source: a.value.source,
        severity: a.value.severity ? [a.value.severity] : undefined,
        label: lname ? { name: lname, value: rest.join('=') } : undefined,
        text: a.value.text,
        limit: a.value.limit,
      });
      return {
        content: untrusted(name, {
          events: items.map((e) => ({
            id: e.id,
            at: new Date(e.receivedAt).toISOString(),
            source: e.source,
            severity: e.severity,
            status: e.status,
            summary: e.summary,
            labels: e.labels,
          })),
        }),
      };
    }
    default:
      return err(`unknown tool "${name}"; tools: ${TOOL_SPECS.map((t) => t.function.name).join(', ')}`);
  }
}
