import type { ChangeReview } from '../../../src-shared/api/changes';
import type { LlmClient } from '../agents';
import type { ChangeRow } from '../store';

/** Names of protected resources (config `protected` + built-in databases) as review patterns. */
export type ProtectedNames = () => string[];

const RULES: Array<{ level: 'high' | 'medium'; test: (c: ChangeRow, text: string) => boolean; reason: string }> = [
  { level: 'high', test: (c) => c.kind === 'migration', reason: 'a schema migration' },
  {
    level: 'high',
    test: (_c, t) => /\b(ALTER|DROP)\s+(TABLE|COLUMN|INDEX|DATABASE|SCHEMA)\b/i.test(t) || /(^|\/)(migrations?|migrate)\//im.test(t),
    reason: 'touches the database schema (migration / ALTER / DROP)',
  },
  {
    level: 'high',
    test: (_c, t) => /\bDELETE\s+FROM\b|\bTRUNCATE\b|\brm\s+-rf?\b/i.test(t),
    reason: 'deletes data (DELETE FROM / TRUNCATE / rm -rf)',
  },
  {
    level: 'high',
    test: (_c, t) => (t.match(/^(deleted|-{3} a\/.*\n\+{3} \/dev\/null)/gim) ?? []).length >= 3,
    reason: 'deletes several files',
  },
  { level: 'medium', test: (c) => c.kind === 'config' || c.kind === 'flag', reason: 'a configuration or feature-flag change' },
  {
    level: 'medium',
    test: (_c, t) => t.split('\n').filter((l) => /^[+-][^+-]/.test(l)).length > 500,
    reason: 'a large diff (over 500 changed lines)',
  },
];

/**
 * Hermes' change review (R-CHANGE-2): deterministic patterns — schema
 * migrations, deletions, config of protected resources — with the reasons.
 * Always available, so it is the fallback when NemoTron cannot answer.
 */
export function ruleReview(c: ChangeRow, protectedNames: string[], now: number): ChangeReview {
  const text = `${c.summary ?? ''}\n${c.diff ?? ''}`;
  const reasons: string[] = [];
  let level: ChangeReview['level'] = 'low';
  for (const r of RULES) {
    if (!r.test(c, text)) continue;
    reasons.push(r.reason);
    if (r.level === 'high' || level === 'low') level = r.level === 'high' ? 'high' : level === 'high' ? 'high' : 'medium';
  }
  const hit = protectedNames.find((n) => {
    const re = new RegExp(`\\b${n.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\w.-]*')}\\b`, 'i');
    return re.test(text) || (c.service !== null && re.test(c.service));
  });
  if (hit) {
    reasons.push(`touches the protected resource "${hit}"`);
    level = 'high';
  }
  if (!reasons.length) reasons.push('no risky pattern found (no migration, deletion or protected resource)');
  return { level, reviewer: 'hermes', model: null, reasons, fallbackReason: null, at: now };
}

/** NemoTron's change review: the LLM answers {"level","reasons"} as JSON; anything else is an error (then Hermes reviews). */
export async function llmReview(llm: LlmClient, c: ChangeRow, now: () => number, signal?: AbortSignal): Promise<ChangeReview> {
  const reply = await llm.chat({
    messages: [
      {
        role: 'system',
        content:
          'You review a production change for operational risk. Answer ONLY a JSON object {"level":"low"|"medium"|"high","reasons":["…"]}. High: schema migrations, data deletion, changes to databases or other protected resources, irreversible steps.',
      },
      {
        role: 'user',
        content: `Change: ${c.kind} of ${c.service ?? c.hosts.join(', ')} ${c.version ?? ''} by ${c.author ?? 'unknown'}\nSummary: ${c.summary ?? ''}\nDiff:\n${(c.diff ?? '').slice(0, 12_000)}`,
      },
    ],
    signal,
  });
  const m = /\{[\s\S]*\}/.exec(reply.content);
  const a = m ? (JSON.parse(m[0]) as { level?: unknown; reasons?: unknown }) : {};
  if (a.level !== 'low' && a.level !== 'medium' && a.level !== 'high')
    throw Object.assign(new Error(`the review answer has no valid level: ${reply.content.slice(0, 200)}`), { reason: 'invalid_output' });
  const reasons = Array.isArray(a.reasons) ? a.reasons.filter((r): r is string => typeof r === 'string').slice(0, 10) : [];
  return {
    level: a.level,
    reviewer: 'nemotron',
    model: reply.model,
    reasons: reasons.length ? reasons : ['(no reasons given)'],
    fallbackReason: null,
    at: now(),
  };
}
