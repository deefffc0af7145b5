import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodError } from './result';
import { IntakeAnnotations, IntakeLabels } from './domain';

const check = (schema: z.ZodType, value: unknown): string => {
  const r = z.object({ labels: schema }).safeParse({ labels: value });
  return r.success ? 'ok' : describeZodError(r.error);
};

describe('intake label maps (one-loop check, zod errors)', () => {
  it('R-ROUTE-9: a map within the limits passes as sent; each broken limit is refused naming the field as zod names it', () => {
    const ok = { alertname: 'A', severity: 'critical', instance: 'web-1:9100' };
    const r = IntakeLabels.safeParse(ok);
    expect(r.success && r.data).toEqual(ok);
    // A JSON "__proto__" key is dropped, never a label (as zod's record does).
    expect(Object.keys(IntakeLabels.parse(JSON.parse('{"__proto__": "x", "a": "b"}')))).toEqual(['a']);
    expect(check(IntakeLabels, { constructor: 'x' })).toMatch(/^labels\.constructor: Invalid key in record/);
    expect(check(IntakeLabels, { ['n'.repeat(201)]: 'x' })).toMatch(/Invalid key in record/);
    expect(check(IntakeLabels, { '': 'x' })).toMatch(/^labels\.: Invalid key in record/);
    expect(check(IntakeLabels, { big: 'x'.repeat(2001) })).toMatch(/^labels\.big: Too big: expected string to have <=2000 characters/);
    expect(check(IntakeAnnotations, { big: 'x'.repeat(2001) })).toBe('ok');
    expect(check(IntakeAnnotations, { big: 'x'.repeat(20_001) })).toMatch(/^labels\.big: Too big/);
    expect(check(IntakeLabels, { n: 1 })).toMatch(/^labels\.n: Invalid input: expected string, received number/);
    expect(check(IntakeLabels, Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`l${k}`, 'v'])))).toMatch(
      /^labels: at most 64 labels/,
    );
    expect(check(IntakeAnnotations, Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`a${k}`, 'v'])))).toMatch(
      /at most 64 annotations/,
    );
    expect(check(IntakeLabels, Object.fromEntries(Array.from({ length: 64 }, (_, k) => [`l${k}`, 'v'])))).toBe('ok');
    for (const notMap of [null, undefined, 'x', 3, ['a']])
      expect(check(IntakeLabels, notMap)).toMatch(/^labels: Invalid input: expected record/);
  });
});
