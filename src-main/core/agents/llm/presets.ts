/** OpenAI-compatible endpoints Vigil knows by name; `llm.baseUrl` overrides. */
export const LLM_PRESETS = {
  nim: { baseUrl: 'https://integrate.api.nvidia.com/v1', defaultModel: 'nvidia/llama-3.3-nemotron-super-49b-v1.5', needsKey: true },
  openai: { baseUrl: 'https://api.openai.com/v1', defaultModel: 'gpt-4o-mini', needsKey: true },
  // Ollama's OpenAI-compatible API ignores the key; a local server needs none.
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', defaultModel: 'llama3.1', needsKey: false },
} as const;

export type LlmProvider = keyof typeof LLM_PRESETS;
