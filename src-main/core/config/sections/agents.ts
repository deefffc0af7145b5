import { z } from 'zod';
import { Severity } from '../../../../src-shared/constants';
import { Duration } from '../../duration';
import { Name as name, SecretRef } from '../../schema-parts';
import { labelMatch } from './routes';

// vigil.yaml: the agents — the LLM (NemoTron), embeddings (OpenClaw memory) and Hermes' rules.

export const LlmConfig = z
  .object({
    provider: z.enum(['nim', 'openai', 'ollama']).default('nim'),
    baseUrl: z.url().optional(),
    /** Fallback order; default: the provider's model (see LLM_DEFAULT_MODEL). */
    models: z.array(z.string().min(1)).min(1).optional(),
    apiKey: SecretRef.optional(),
    timeout: Duration.default(20_000),
    triageBudget: Duration.default(30_000),
    maxSteps: z.number().int().min(1).max(20).default(6),
    maxTokens: z.number().int().min(64).default(1024),
    retryAfterCap: Duration.default(10_000),
  })
  .strict()
  .transform((c) => ({ ...c, models: c.models ?? [LLM_DEFAULT_MODEL[c.provider]] }));

/** The model used when `llm.models` is not given, per provider preset. */
export const LLM_DEFAULT_MODEL = { nim: 'nvidia/llama-3.3-nemotron-super-49b-v1.5', openai: 'gpt-4o-mini', ollama: 'llama3.1' } as const;

export const EmbeddingConfig = z
  .object({
    provider: z.enum(['ollama', 'none']).default('none'),
    baseUrl: z.url().default('http://127.0.0.1:11434'),
    model: z.string().default('nomic-embed-text'),
    timeout: Duration.default(10_000),
  })
  .strict();

export const HermesRule = z
  .object({
    name,
    match: labelMatch.default({}),
    severity: Severity.optional(),
    category: z.string(),
    priority: z.enum(['P1', 'P2', 'P3', 'P4']).default('P3'),
    runbook: z.string().optional(),
    suggest: z.array(z.string()).default([]),
    /**
     * Steps Hermes proposes as a plan when this rule matches a new alert (R-LOOP-1): diagnose / heal / notify /
     * wait_for_approval as in plans.create; "{host}", "{service}" or any "{label}" is filled from the alert.
     * A heal step gets its host from the alert, a wait_for_approval before it and a verify after it.
     */
    plan: z
      .array(z.object({ type: z.string().min(1) }).catchall(z.unknown()))
      .max(20)
      .optional(),
  })
  .strict();
