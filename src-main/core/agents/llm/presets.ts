import { LLM_DEFAULT_MODEL } from '../../config';

/** OpenAI-compatible endpoints Vigil knows by name; `llm.baseUrl` overrides. */
export const LLM_PRESETS = {
  nim: { baseUrl: 'https://integrate.api.nvidia.com/v1', defaultModel: LLM_DEFAULT_MODEL.nim, needsKey: true },
  openai: { baseUrl: 'https://api.openai.com/v1', defaultModel: LLM_DEFAULT_MODEL.openai, needsKey: true },
  // Ollama's OpenAI-compatible API ignores the key; a local server needs none.
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', defaultModel: LLM_DEFAULT_MODEL.ollama, needsKey: false },
} as const;

export type LlmProvider = keyof typeof LLM_PRESETS;
