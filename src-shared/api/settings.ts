import { z } from 'zod';
import { method } from './define';

/** Settings and secrets (R-UI): what is configured, never a secret's value. */

export const SecretName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'secret names are 1–64 letters, digits, "-" or "_"')
  .refine((n) => !['__proto__', 'constructor', 'prototype'].includes(n), 'this secret name is reserved');
export const SecretSource = z.enum(['env', 'file', 'keychain']);

export const SecretInfo = z.object({
  name: z.string(),
  /** Config paths that reference it, e.g. "channels[oncall].botToken". */
  usedBy: z.array(z.string()),
  set: z.boolean(),
  source: SecretSource.nullable(),
});
export type SecretInfo = z.infer<typeof SecretInfo>;

export const SettingsView = z.object({
  dataDir: z.string().nullable(),
  /** Where the config came from: a file path, or "defaults". */
  configSource: z.string(),
  /** Where secrets.set writes: the OS keychain (desktop), a 0600 file (headless), or nowhere. */
  secretStore: z.enum(['keychain', 'file']).nullable(),
  /** Channels with their non-secret fields; secret fields show the secret's name only. */
  channels: z.array(z.object({ name: z.string(), type: z.string(), fields: z.record(z.string(), z.string()) })),
  routes: z.array(
    z.object({
      match: z.record(z.string(), z.string()),
      channels: z.array(z.string()),
      groupBy: z.array(z.string()),
      escalationSteps: z.number(),
      continue: z.boolean(),
    }),
  ),
  llm: z
    .object({ provider: z.string(), baseUrl: z.string().nullable(), models: z.array(z.string()), apiKeySecret: z.string().nullable() })
    .nullable(),
  embeddings: z.object({ provider: z.string(), baseUrl: z.string(), model: z.string() }),
});
export type SettingsView = z.infer<typeof SettingsView>;

export const settingsApi = {
  'settings.get': method(
    z.object({}).strict(),
    SettingsView,
    'Channels, routes, LLM and embedding providers, data dir and config source; no secret values.',
  ),
  'secrets.list': method(
    z.object({}).strict(),
    z.object({ secrets: z.array(SecretInfo) }),
    'Secrets the config references, whether each is set and where from. Never a value.',
  ),
  'secrets.set': method(
    z
      .object({
        name: SecretName,
        value: z
          .string()
          .min(1, 'the value is empty')
          .max(16_384, 'the value is longer than 16 KiB')
          .refine((v) => v.trim() === v, 'the value starts or ends with whitespace (a copy-paste slip?); remove it and save again'),
        by: z.string().trim().min(1).max(100).default('console'),
      })
      .strict(),
    z.object({ name: z.string(), set: z.literal(true) }),
    'Store a secret (keychain on the desktop, a 0600 file headless). Audited by name; the value is never returned. Environment secrets cannot be overwritten.',
  ),
};
