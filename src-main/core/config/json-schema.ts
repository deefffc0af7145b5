import { z } from 'zod';
import { formatDuration } from '../duration';
import { ConfigSchema } from './schema';

/** Where editors find the schema (the example config's `# yaml-language-server: $schema=…` line). */
export const SCHEMA_ID = 'https://vigil.invalid/schemas/vigil.schema.json';

/**
 * The config's JSON Schema, generated from the zod schema itself (so editors, the docs and
 * the validator cannot disagree). Input side: what a person writes in vigil.yaml, durations as text.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    // zod leaves out defaults of transformed values (durations) on the input side: put them back, written as a person would.
    override: (c) => {
      const def = (c.zodSchema as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
      const json = c.jsonSchema as { default?: unknown; description?: string };
      if (def.type !== 'default' || json.default !== undefined) return;
      const v = def.defaultValue;
      json.default = typeof v === 'number' && json.description?.startsWith('a duration') ? formatDuration(v) : v;
    },
  }) as Record<string, unknown>;
  return { ...schema, $id: SCHEMA_ID, title: 'Vigil configuration (vigil.yaml)' };
}
