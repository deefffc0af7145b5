import { z } from 'zod';
import { method } from './define';
import { OutboxState } from './outbox';

/** Live configuration (R-CHANGE-3) and configuring Vigil from the console (issue 15). */

const by = z.string().trim().min(1).max(100).default('console');

export const ReloadRecord = z.object({
  at: z.number(),
  via: z.enum(['sighup', 'http', 'console', 'cli', 'watch', 'save']),
  by: z.string(),
  ok: z.boolean(),
  /** Refused: "field.path: reason" lines; the running configuration stayed in force. */
  issues: z.array(z.string()),
});
export type ReloadRecord = z.infer<typeof ReloadRecord>;

export const ConfigState = z.object({
  /** The file reload reads and save writes; null when Vigil runs on the embedded default only. */
  file: z.string().nullable(),
  /** The file's text as it is on disk now (or the embedded default's). */
  text: z.string(),
  /** The same text parsed as plain data (durations as written), what the Settings forms edit. */
  document: z.record(z.string(), z.unknown()),
  lastReload: ReloadRecord.nullable(),
  /** The config's JSON Schema (generated from the zod schema): the Settings forms are built from it. */
  schema: z.record(z.string(), z.unknown()),
});
export type ConfigState = z.infer<typeof ConfigState>;

export const ConfigIssue = z.object({ path: z.string(), message: z.string() });
export type ConfigIssue = z.infer<typeof ConfigIssue>;

export const ConfigPreview = z.object({
  valid: z.boolean(),
  issues: z.array(ConfigIssue),
  /** Unified diff of the file on disk → the text that would be written. */
  diff: z.string(),
  text: z.string(),
});
export type ConfigPreview = z.infer<typeof ConfigPreview>;

const documentInput = z.record(z.string(), z.unknown());

export const configApi = {
  'config.reload': method(
    z.object({ by }).strict(),
    ReloadRecord,
    'Re-read vigil.yaml and put it in force; an invalid file is refused (bad_request naming the field) and the running config stays.',
  ),
  'config.state': method(
    z.object({}).strict(),
    ConfigState,
    'The config file, its text and parsed document, and the last reload (refused ones name the field).',
  ),
  'config.preview': method(
    z.object({ document: documentInput }).strict(),
    ConfigPreview,
    'Validate an edited config document with the config schema and show the diff that saving it would write.',
  ),
  'config.save': method(
    z
      .object({
        document: documentInput,
        /** The text the person saw the diff against: a file changed since is not overwritten. */
        baseText: z.string(),
        by,
      })
      .strict(),
    z.object({ file: z.string(), diff: z.string(), reload: ReloadRecord }),
    'Write vigil.yaml atomically (previous kept as vigil.yaml.prev) and reload. Refused when invalid or when the file changed since.',
  ),
};

export const ChannelTestResult = z.object({
  channel: z.string(),
  /** The outbox row of the test message (it goes through the outbox like any message). */
  id: z.number(),
  state: OutboxState,
  delivered: z.boolean(),
  /** An `oncall` channel's test: who it paged and how ("alice (on call) via telegram (tg) and desktop"); null otherwise. */
  to: z.string().nullable(),
  /** The channel's own error from the last attempt, word for word; null when delivered. */
  error: z.string().nullable(),
  attempts: z.number(),
});
export type ChannelTestResult = z.infer<typeof ChannelTestResult>;

export const ProbeRunResult = z.object({
  probe: z.string(),
  type: z.enum(['http', 'ssh']),
  ok: z.boolean(),
  detail: z.string(),
  latencyMs: z.number().nullable(),
});
export type ProbeRunResult = z.infer<typeof ProbeRunResult>;

export const testApi = {
  'channels.test': method(
    z.object({ channel: z.string().min(1).max(64), by }).strict(),
    ChannelTestResult,
    "Send a test notification through the outbox and wait (up to 15 s) for the first attempt: delivered, or the channel's exact error.",
  ),
  'probes.run': method(
    z.object({ probe: z.string().min(1).max(64) }).strict(),
    ProbeRunResult,
    'Run one configured probe now and answer its result (a confirmed change is routed as usual).',
  ),
};
