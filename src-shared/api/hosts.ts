import { z } from 'zod';
import { method } from './define';

/** Hosts, host keys and the diagnostic console (R-HEAL-1/2, R-PROBE-2). */
export const HostView = z.object({
  name: z.string(),
  address: z.string(),
  port: z.number(),
  user: z.string(),
  tags: z.array(z.string()),
  /** ok, unknown, unreachable, auth_failed, host_key_unknown, host_key_mismatch, timeout … */
  status: z.string(),
  detail: z.string(),
  pinnedFingerprint: z.string().nullable(),
  pinnedFrom: z.enum(['config', 'console']).nullable(),
  seenFingerprint: z.string().nullable(),
  lastCheckAt: z.number().nullable(),
  healthUrl: z.string().nullable(),
  /** The inside view: the host's local health URL checked over SSH. */
  inside: z.object({ status: z.string(), detail: z.string(), at: z.number() }).nullable(),
});
export type HostView = z.infer<typeof HostView>;

export const DiagVerdict = z.object({
  allowed: z.boolean(),
  templateId: z.string().nullable(),
  reason: z.string().nullable(),
  /** The single-quoted words that would be sent. */
  sent: z.string().nullable(),
});

const hostName = z.string().min(1).max(64);
const command = z.string().max(2000);

export const hostsApi = {
  'hosts.list': method(
    z.object({}).strict(),
    z.object({ hosts: z.array(HostView) }),
    'Configured hosts with status, pinned and last seen host key, last check and inside health.',
  ),
  'hosts.check': method(
    z.object({ host: hostName }).strict(),
    HostView,
    'Connect to a host now (verifies the host key) and return its status.',
  ),
  'hosts.acceptKey': method(
    z
      .object({
        host: hostName,
        fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
        by: z.string().min(1).max(100).default('console'),
      })
      .strict(),
    HostView,
    'Pin the host key the host last presented (must be exactly the fingerprint shown). Audited.',
  ),
  'diag.check': method(
    z.object({ command, host: hostName.optional() }).strict(),
    DiagVerdict,
    'Policy verdict for a command as typed: allowed with its template, or the reason.',
  ),
  'diag.run': method(
    z.object({ host: hostName, command, by: z.string().min(1).max(100).default('console') }).strict(),
    z.object({
      host: z.string(),
      templateId: z.string(),
      sent: z.string(),
      exitCode: z.number().nullable(),
      stdout: z.string(),
      stderr: z.string(),
      truncated: z.boolean(),
      durationMs: z.number(),
    }),
    'Run an allowlisted diagnostic on a host; output capped; audited.',
  ),
  'diag.templates': method(
    z.object({}).strict(),
    z.object({ templates: z.array(z.object({ id: z.string(), description: z.string(), pattern: z.string(), tags: z.array(z.string()) })) }),
    'The diagnostic allowlist (shipped catalogue plus config templates).',
  ),
};
