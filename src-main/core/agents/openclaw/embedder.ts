import type { Clock } from '../../clock';

/** Turns text into unit-length vectors. `model` is stored with every vector. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export class EmbeddingError extends Error {}

/** L2-normalise, so cosine distance is comparable across rows (R-MEMORY-3). */
export function normalise(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2;
  const norm = Math.sqrt(sum);
  if (!norm || !Number.isFinite(norm)) throw new EmbeddingError('the embedding is a zero or non-finite vector');
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

export interface OllamaEmbedderOptions {
  baseUrl: string;
  model: string;
  timeout: number;
  fetch: typeof fetch;
  clock: Clock;
}

const isNumberArray = (a: unknown): a is number[] => Array.isArray(a) && a.length > 0 && a.every((x) => typeof x === 'number');

/**
 * Ollama embeddings: `POST /api/embed` ({model, input[]} → {embeddings}),
 * and on servers older than 0.3 (which answer 404 there) the legacy
 * `POST /api/embeddings` ({model, prompt} → {embedding}), one text per call.
 * A 404 that names the model is a missing model, not an old server.
 */
export function createOllamaEmbedder(o: OllamaEmbedderOptions): Embedder {
  const base = o.baseUrl.replace(/\/+$/, '');
  let legacy = false;

  async function post(path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown; text: string }> {
    const ac = new AbortController();
    const timer = o.clock.setTimeout(() => ac.abort(new EmbeddingError(`no answer from ${base} within ${o.timeout} ms`)), o.timeout);
    try {
      const res = await o.fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, ac.signal]) : ac.signal,
      });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        // plain-text error pages ("404 page not found")
      }
      return { status: res.status, json, text };
    } catch (e) {
      throw e instanceof EmbeddingError ? e : new EmbeddingError(`cannot reach ${base}: ${(e as Error).message}`);
    } finally {
      timer.cancel();
    }
  }

  const modelMissing = (r: { json: unknown }) => /model/i.test(String((r.json as { error?: unknown } | null)?.error ?? ''));
  const fail = (path: string, r: { status: number; text: string }) =>
    new EmbeddingError(`${base}${path} answered HTTP ${r.status}: ${r.text.slice(0, 200)}`);

  async function embedLegacy(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const prompt of texts) {
      const r = await post('/api/embeddings', { model: o.model, prompt }, signal);
      if (r.status !== 200) throw fail('/api/embeddings', r);
      const v = (r.json as { embedding?: unknown } | null)?.embedding;
      if (!isNumberArray(v)) throw new EmbeddingError('/api/embeddings answered without an embedding');
      out.push(normalise(v));
    }
    return out;
  }

  return {
    model: o.model,
    async embed(texts, signal) {
      if (!texts.length) return [];
      if (legacy) return embedLegacy(texts, signal);
      const r = await post('/api/embed', { model: o.model, input: texts }, signal);
      if (r.status === 404 && !modelMissing(r)) {
        legacy = true;
        return embedLegacy(texts, signal);
      }
      if (r.status !== 200) throw fail('/api/embed', r);
      const vs = (r.json as { embeddings?: unknown } | null)?.embeddings;
      if (!Array.isArray(vs) || vs.length !== texts.length || !vs.every(isNumberArray)) {
        throw new EmbeddingError(`/api/embed answered ${Array.isArray(vs) ? vs.length : 'no'} embeddings for ${texts.length} texts`);
      }
      return vs.map((v) => normalise(v));
    },
  };
}
