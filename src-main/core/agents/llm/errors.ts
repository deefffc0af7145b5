/**
 * Why an LLM call did not produce a usable answer. The reasons are the
 * NemoTron → Hermes fallback reasons (R-AGENT-1) and the label values of
 * vigil_agent_fallback_total{reason}.
 */
export const LLM_FAILURE_REASONS = [
  'no_key',
  'rate_limited',
  'timeout',
  'network',
  'http_error',
  'no_tool_calls',
  'invalid_output',
] as const;
export type LlmFailureReason = (typeof LLM_FAILURE_REASONS)[number];

export class LlmError extends Error {
  constructor(
    readonly reason: LlmFailureReason,
    message: string,
    /** The model that failed last (null when no request was made). */
    readonly model: string | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

export const isLlmError = (e: unknown): e is LlmError => e instanceof LlmError;
