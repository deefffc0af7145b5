import type { Message } from '../../notify';
import type { PlanRow, StoredApproval } from '../../store';

// The human-in-the-loop prompt: its message (console + channels) and its Telegram buttons.

/** Telegram callback_data: "hitl:<a|r>:<approval id>:<nonce>" (≤ 64 bytes). */
export const callbackData = (decision: 'approve' | 'reject', a: Pick<StoredApproval, 'id' | 'nonce'>): string =>
  `hitl:${decision === 'approve' ? 'a' : 'r'}:${a.id}:${a.nonce}`;
export const CALLBACK_RE = /^hitl:(a|r):(p[0-9a-z]{12}-\d{1,3}):([0-9a-f]{16})$/;

/** The prompt queued for each HITL channel; Telegram gets Approve/Reject buttons. */
export function hitlMessage(plan: PlanRow, a: StoredApproval, buttons: boolean): Message {
  const steps = plan.steps.map((s, i) => `${i + 1}. ${s.type}${i === a.step ? ' ← waiting here' : ''}`).join('\n');
  return {
    kind: 'hitl',
    title: `Approval needed: ${plan.title}`,
    body: `${a.question}\n\nPlan ${plan.id} (${plan.source}, by ${plan.createdBy}):\n${steps}\n\nExpires ${new Date(a.expiresAt).toISOString()}.`,
    severity: 'warning',
    eventId: plan.eventId,
    fingerprint: null,
    status: 'firing',
    labels: { plan: plan.id, approval: a.id },
    ...(buttons
      ? {
          buttons: [
            { text: 'Approve', data: callbackData('approve', a) },
            { text: 'Reject', data: callbackData('reject', a) },
          ],
        }
      : {}),
  };
}
