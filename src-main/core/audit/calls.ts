import { METHOD_ACCESS, type Actor } from '../../../src-shared/api/access';
import type { MethodName } from '../../../src-shared/api';
import { ACK_MANY_MAX } from '../../../src-shared/api/acks';
import type { Audit } from './index';

/**
 * Every action a person takes is in the audit, with the authenticated actor (R-AUDIT-2): one place, for
 * every ConsoleApi method above viewer, on every transport (HTTP RPC, REST aliases, IPC, CLI). Areas
 * keep their own detailed rows (heal results, four-eyes refusals); these rows say who asked for what.
 */

/** Methods whose area writes this very action (same name) before acting: one row, not two. */
const RECORDED_BY_AREA: ReadonlySet<MethodName> = new Set<MethodName>(['diag.run', 'smoke.clear']);

/** Input fields that carry a credential: recorded as set, never by value. */
const SECRET_FIELD = /value|token|secret|password|passphrase|key$/i;
/** Input fields that name what was acted on, in the order they are preferred as the row's subject. */
const SUBJECT_FIELDS = ['fingerprint', 'id', 'host', 'name', 'channel', 'eventId', 'planId', 'incidentId'] as const;

export function audited(method: MethodName): boolean {
  return METHOD_ACCESS[method].role !== 'viewer' && !RECORDED_BY_AREA.has(method);
}

/** The input as recorded: credentials masked, strings cut, nesting and size bounded. */
function recordable(v: unknown, depth = 0, key = ''): unknown {
  if (key && SECRET_FIELD.test(key) && v !== undefined && v !== null && key !== 'fingerprint') return '[set]';
  if (typeof v === 'string') return v.length > 300 ? `${v.slice(0, 300)}…` : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth >= 3) return '[…]';
  // The alerts a group acknowledgement names are all recorded (at most ACK_MANY_MAX), other lists their first 20.
  if (Array.isArray(v)) return v.slice(0, key === 'fingerprints' ? ACK_MANY_MAX : 20).map((x) => recordable(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .slice(0, 30)
      .map(([k, x]) => [k, recordable(x, depth + 1, k)]),
  );
}

function subjectOf(method: MethodName, input: unknown): string {
  const area = method.split('.')[0]!;
  if (input && typeof input === 'object') {
    const i = input as Record<string, unknown>;
    for (const f of SUBJECT_FIELDS) if (typeof i[f] === 'string' || typeof i[f] === 'number') return `${area}:${String(i[f])}`;
  }
  return area;
}

/**
 * Record a person's call before it runs (throws when the audit cannot be written: then nothing runs),
 * and its failure after, if it fails. `console` is the desktop's local owner (IPC carries no token).
 */
export function auditCall(audit: Audit, method: MethodName, input: unknown, actor: Actor | undefined) {
  if (!audited(method)) return { failed: () => undefined };
  const by = actor?.name ?? 'console';
  const subject = subjectOf(method, input);
  audit.append({ actor: by, action: method, subject, detail: { input: recordable(input), ...(actor ? { role: actor.role } : {}) } });
  return {
    failed: (code: string, message: string) =>
      void audit.append({ actor: by, action: `${method}.failed`, subject, detail: { code, message: message.slice(0, 300) } }),
  };
}
