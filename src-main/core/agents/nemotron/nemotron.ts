import type { TriageResult } from '../../../../src-shared/domain';
import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import { LlmError } from '../llm/errors';
import type { ChatMessage, LlmClient } from '../llm/types';
import { parseAnswer } from './output';
import { eventMessage, systemPrompt } from './prompt';
import { runTool, TOOL_SPECS, type ToolDeps } from './tools';
import type { TriageEvent } from './types';

export interface NemotronOptions extends ToolDeps {
  llm: LlmClient;
  clock: Clock;
  /** Names suggestedActions may use: the heal catalogue plus the L2 safe actions. */
  actions: () => readonly string[];
  maxSteps: number;
  /** Total time box for one triage, all steps and tools included. */
  budgetMs: number;
  log?: Logger;
  /** Each tool result, for the evidence of a plan proposed from this triage. */
  onTool?(eventId: string, t: { name: string; args: string; output: string }): void;
}

const BY_SEVERITY = { critical: 'P1', warning: 'P3', info: 'P4' } as const;

/**
 * NemoTron: LLM triage with read-only tools in a bounded loop (max steps,
 * total time box). Every failure throws an LlmError whose reason is the
 * fallback reason; the router then keeps Hermes' triage and counts it
 * (vigil_agent_fallback_total{reason}).
 */
export function createNemotron(o: NemotronOptions) {
  return {
    agent: 'nemotron' as const,
    async triage(ev: TriageEvent, signal?: AbortSignal): Promise<TriageResult> {
      const box = new AbortController();
      const timer = o.clock.setTimeout(() => box.abort(new LlmError('timeout', `triage took longer than ${o.budgetMs} ms`)), o.budgetMs);
      const sig = signal ? AbortSignal.any([signal, box.signal]) : box.signal;
      const actions = o.actions();
      const messages: ChatMessage[] = [
        { role: 'system', content: systemPrompt(actions, o.maxSteps) },
        { role: 'user', content: eventMessage(ev) },
      ];
      let toolCalls = 0;
      try {
        for (let step = 1; step <= o.maxSteps; step++) {
          if (sig.aborted) throw new LlmError('timeout', `triage stopped: ${String((sig.reason as Error)?.message ?? sig.reason)}`);
          const reply = await o.llm.chat({ messages, tools: TOOL_SPECS, signal: sig });
          if (reply.toolCalls.length) {
            messages.push({ role: 'assistant', content: reply.content || null, tool_calls: reply.toolCalls });
            for (const call of reply.toolCalls) {
              toolCalls++;
              const out = await runTool(o, call.function.name, call.function.arguments, sig);
              o.onTool?.(ev.id, { name: call.function.name, args: call.function.arguments, output: out.content });
              messages.push({ role: 'tool', tool_call_id: call.id, content: out.content });
            }
            if (step === o.maxSteps - 1) messages.push({ role: 'user', content: 'Last turn: answer now with the JSON object only.' });
            continue;
          }
          if (toolCalls === 0)
            throw new LlmError(
              'no_tool_calls',
              `${reply.model} answered without using any tool, so its triage is not grounded in diagnostics`,
              reply.model,
            );
          const a = parseAnswer(reply.content, actions, reply.model);
          return {
            agent: 'nemotron',
            model: reply.model,
            category: a.category,
            priority: a.priority ?? BY_SEVERITY[ev.severity],
            summary: a.summary ?? ev.summary,
            probableCause: a.probableCause,
            confidence: a.confidence,
            runbook: a.runbook,
            suggestedActions: [...new Set(a.suggestedActions)],
            fallbackReason: null,
            at: o.clock.now(),
          };
        }
        throw new LlmError('invalid_output', `no final answer within ${o.maxSteps} steps (llm.maxSteps)`);
      } catch (e) {
        if (e instanceof LlmError) throw e;
        if (sig.aborted) throw new LlmError('timeout', `triage stopped: ${String((sig.reason as Error)?.message ?? sig.reason)}`);
        throw new LlmError('network', `triage failed: ${(e as Error).message}`);
      } finally {
        timer.cancel();
      }
    },
  };
}
export type Nemotron = ReturnType<typeof createNemotron>;
