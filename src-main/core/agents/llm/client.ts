import { z } from 'zod';
import type { Clock } from '../../clock';
import { type LlmConfig, resolveSecret, type SecretStore } from '../../config';
import { LlmError } from './errors';
import { LLM_PRESETS } from './presets';
import { parseRetryAfter } from './retry-after';
import { stripThinking } from './think';
import type { Attempt, ChatRequest, LlmClient, ToolCall } from './types';

export type LlmSettings = z.infer<typeof LlmConfig>;

export interface LlmClientDeps {
  config: LlmSettings;
  secrets: SecretStore;
  fetch: typeof fetch;
  clock: Clock;
}

const Completion = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal('function').optional(),
                function: z.object({ name: z.string(), arguments: z.string().default('{}') }),
              }),
            )
            .nullable()
            .optional(),
        }),
      }),
    )
    .min(1),
});

/** Sleep on the injected clock; rejects when the signal aborts. */
function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The server's own words for an HTTP error, short enough for a log line. */
function errorDetail(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: string } | string; detail?: string; message?: string };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.detail ?? j.message);
    if (m) return String(m).slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 300);
}

class TimeoutSignal extends Error {}

/**
 * OpenAI-compatible chat completions with a model fallback list
 * (R-AGENT-2): the next model is tried on timeout, connection error, 404
 * (model not found), 429 (after the capped Retry-After) and 5xx. 400, 401
 * and 403 fail at once: a bad request or key is not fixed by another model.
 * tool_choice stays unset (NIM rejects some values); max_tokens is always sent.
 */
export function createLlmClient(deps: LlmClientDeps): LlmClient {
  const { config, clock } = deps;
  const preset = LLM_PRESETS[config.provider];
  const baseUrl = (config.baseUrl ?? preset.baseUrl).replace(/\/+$/, '');
  const models = config.models;

  async function callOnce(model: string, key: string | undefined, req: ChatRequest): Promise<Response & { text_: string }> {
    const ac = new AbortController();
    const timer = clock.setTimeout(() => ac.abort(new TimeoutSignal(`no answer within ${config.timeout} ms`)), config.timeout);
    const signal = req.signal ? AbortSignal.any([req.signal, ac.signal]) : ac.signal;
    try {
      const res = await deps.fetch(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({
          model,
          messages: req.messages,
          ...(req.tools?.length ? { tools: req.tools } : {}),
          max_tokens: req.maxTokens ?? config.maxTokens,
          temperature: 0.2,
          stream: false,
        }),
        signal,
      });
      // The body read is inside the same time box: a server may hang after the headers.
      const text_ = await res.text();
      return Object.assign(res, { text_ });
    } finally {
      timer.cancel();
    }
  }

  return {
    models,
    async chat(req) {
      const key = resolveSecret(deps.secrets, config.apiKey);
      if (!key && preset.needsKey) {
        throw new LlmError(
          'no_key',
          config.apiKey
            ? `secret "${config.apiKey.secret}" for llm.apiKey is not set`
            : `llm.apiKey is not configured (provider ${config.provider} needs a key)`,
        );
      }
      const attempts: Attempt[] = [];
      let last: LlmError | null = null;
      for (const [i, model] of models.entries()) {
        const hasNext = i < models.length - 1;
        let res: Awaited<ReturnType<typeof callOnce>>;
        try {
          res = await callOnce(model, key, req);
        } catch (e) {
          if (req.signal?.aborted)
            throw new LlmError('timeout', `call aborted: ${String((req.signal.reason as Error)?.message ?? req.signal.reason)}`, model);
          const timedOut =
            e instanceof TimeoutSignal ||
            (e as Error).name === 'TimeoutSignal' ||
            (e as { cause?: unknown }).cause instanceof TimeoutSignal;
          const detail = timedOut ? `no answer within ${config.timeout} ms` : `connection failed: ${(e as Error).message}`;
          attempts.push({ model, outcome: timedOut ? 'timeout' : 'network', detail });
          last = new LlmError(timedOut ? 'timeout' : 'network', `${model}: ${detail}`, model);
          continue;
        }
        const status = res.status;
        if (status >= 200 && status < 300) {
          let parsed: z.infer<typeof Completion>;
          try {
            parsed = Completion.parse(JSON.parse(res.text_));
          } catch (e) {
            throw new LlmError(
              'invalid_output',
              `${model} answered ${status} with a body that is not a chat completion: ${(e as Error).message.slice(0, 200)}`,
              model,
              status,
            );
          }
          const choice = parsed.choices[0];
          if (!choice) throw new LlmError('invalid_output', `${model} answered without a choice`, model, status);
          const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((t) => ({
            id: t.id,
            type: 'function',
            function: t.function,
          }));
          attempts.push({ model, outcome: 'ok', status });
          return {
            model,
            content: stripThinking(choice.message.content ?? ''),
            toolCalls,
            finishReason: choice.finish_reason ?? null,
            attempts,
          };
        }
        const detail = errorDetail(res.text_);
        if (status === 400 || status === 401 || status === 403) {
          attempts.push({ model, outcome: 'server_error', status, detail });
          throw new LlmError('http_error', `${model}: HTTP ${status} ${detail}`.trim(), model, status);
        }
        if (status === 429) {
          attempts.push({ model, outcome: 'rate_limited', status, detail });
          last = new LlmError('rate_limited', `${model}: HTTP 429 rate limited ${detail}`.trim(), model, status);
          const wait = Math.min(parseRetryAfter(res.headers.get('retry-after'), clock.now()) ?? 1000, config.retryAfterCap);
          if (hasNext && wait > 0) {
            try {
              await sleep(clock, wait, req.signal);
            } catch {
              throw new LlmError('timeout', `call aborted while waiting ${wait} ms after a 429`, model);
            }
          }
          continue;
        }
        if (status === 404 || status >= 500) {
          attempts.push({ model, outcome: status === 404 ? 'not_found' : 'server_error', status, detail });
          last = new LlmError('http_error', `${model}: HTTP ${status} ${detail}`.trim(), model, status);
          continue;
        }
        attempts.push({ model, outcome: 'server_error', status, detail });
        throw new LlmError('http_error', `${model}: HTTP ${status} ${detail}`.trim(), model, status);
      }
      throw last ?? new LlmError('http_error', 'no models configured (llm.models is empty)');
    },
  };
}
