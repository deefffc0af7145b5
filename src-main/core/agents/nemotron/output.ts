import { z } from 'zod';
import { LlmError } from '../llm/errors';

/** The answer NemoTron must give; suggestedActions only from the allowed names (heal catalogue + L2 safe actions). */
export function answerSchema(actions: readonly string[]) {
  return z.object({
    category: z.string().trim().min(1).max(80),
    priority: z.enum(['P1', 'P2', 'P3', 'P4']).optional(),
    summary: z.string().trim().min(1).max(500).optional(),
    probableCause: z.string().trim().min(1).max(2000),
    confidence: z.number().min(0).max(1),
    suggestedActions: z
      .array(
        z.string().refine((a) => actions.includes(a), { message: `not an action Vigil knows (allowed: ${actions.join(', ') || 'none'})` }),
      )
      .max(5)
      .default([]),
    runbook: z.string().trim().max(2000).nullable().default(null),
  });
}
export type Answer = z.infer<ReturnType<typeof answerSchema>>;

/** The JSON object in a reply: bare, in a ```json fence, or the outermost {…} in prose. */
function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  const candidates = [text.trim(), fenced?.trim(), text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
  for (const c of candidates) {
    if (!c) continue;
    try {
      return JSON.parse(c);
    } catch {
      // try the next form
    }
  }
  throw new Error('no JSON object found');
}

export function parseAnswer(text: string, actions: readonly string[], model: string): Answer {
  let json: unknown;
  try {
    json = extractJson(text);
  } catch {
    throw new LlmError('invalid_output', `${model} did not answer with a JSON object: "${text.slice(0, 120)}"`, model);
  }
  const r = answerSchema(actions).safeParse(json);
  if (!r.success) {
    throw new LlmError(
      'invalid_output',
      `${model} answered JSON that fails validation: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      model,
    );
  }
  return r.data;
}
