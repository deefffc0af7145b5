/**
 * Remove reasoning blocks some models (Nemotron, DeepSeek, Qwen) put in the
 * content. An unclosed block (the answer was cut at max_tokens) is dropped too.
 */
export function stripThinking(text: string): string {
  return text
    .replace(/<think>[\s\S]*?<\/think>/gi, '')
    .replace(/<think>[\s\S]*$/i, '')
    .trim();
}
