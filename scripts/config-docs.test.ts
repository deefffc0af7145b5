import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_FILE, renderConfigDocs, renderSchemaFile, ROOT, SCHEMA_FILE } from './config-docs';
import { join } from 'node:path';

describe('docs/configuration.md is generated from the config schema', () => {
  it('R-SETUP-8: the committed reference matches the schema (run npm run docs:config when this fails)', () => {
    const fresh = renderConfigDocs();
    expect(readFileSync(DOC_FILE, 'utf8'), 'docs/configuration.md is stale: run npm run docs:config').toBe(fresh);
  });

  it('R-SETUP-8: resources/vigil.schema.json is the current JSON Schema, and the example config points editors at it', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'resources/vigil.schema.json is stale: run npm run docs:config').toBe(renderSchemaFile());
    expect(readFileSync(join(ROOT, 'resources', 'vigil.example.yaml'), 'utf8').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=./vigil.schema.json',
    );
  });

  it('R-SETUP-8: every key has a row with its type and default, and examples come from the example config', () => {
    const doc = renderConfigDocs();
    expect(doc).toMatch(/\| `router\.cooldown` \| duration \| `5m` \|/);
    expect(doc).toMatch(/\| `channels\[type=webhook\]\.url` \| string \| +\| `http:\/\/127\.0\.0\.1:9000\/hook` \|/);
    expect(doc).toMatch(/\| `channels\[type=telegram\]\.botToken` \| \{ secret: NAME \} \|/);
    expect(doc).toMatch(/\| `hosts\[\]\.hostKey` \| string \|/);
    expect(doc).toMatch(/## `smoke`[\s\S]*`smoke\.thresholds\.outbox\.pending\.warning`/);
  });
});
