import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parse "500ms", "30s", "5m", "4h", "1d" or "1h30m" into milliseconds; null if malformed. */
export function parseDuration(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.trim().matchAll(re)) {
    if (m.index !== consumed) return null;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed > 0 && consumed === text.trim().length ? total : null;
}

/** A config duration: "5m" or a number of milliseconds. Parsed to ms. */
export const Duration = z
  .union([z.number().nonnegative(), z.string()])
  .meta({ description: 'a duration: "500ms", "30s", "5m", "4h", "1d", "1h30m", or milliseconds' })
  .transform((v, ctx) => {
    if (typeof v === 'number') return v;
    const ms = parseDuration(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", "5m" or "4h", got "${v}"` });
      return z.NEVER;
    }
    return ms;
  });

/** Milliseconds as people write them in vigil.yaml: 300000 → "5m", 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** A span as people say it: "45 s", "12 min", "4 h 30 min". */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** A moment in messages people read: "2026-12-02 03:04:05 UTC", the console's date format (R-ALERT-8), not ISO's "…T03:04:05.123Z". */
export const utcText = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
