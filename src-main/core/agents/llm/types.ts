/** The OpenAI chat-completions wire shapes Vigil uses (a subset). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** Aborts the whole call, including waits between models. */
  signal?: AbortSignal;
  maxTokens?: number;
}

/** One model tried during a call, for logs and the triage trace. */
export interface Attempt {
  model: string;
  outcome: 'ok' | 'timeout' | 'network' | 'not_found' | 'rate_limited' | 'server_error';
  status?: number;
  detail?: string;
}

export interface ChatReply {
  /** The model that answered. */
  model: string;
  /** Text content with `<think>…</think>` reasoning removed. */
  content: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  attempts: Attempt[];
}

export interface LlmClient {
  readonly models: readonly string[];
  chat(req: ChatRequest): Promise<ChatReply>;
}
