import { z } from 'zod';
import { Duration } from '../../duration';
import { regexProblem } from '../../regex';
import { Name as name } from '../../schema-parts';
import { labelMatch } from './routes';

// vigil.yaml: probes, SSH hosts, the remote (SSH pool + diagnostics) policy and protected resources.

export const ProbeConfig = z.discriminatedUnion('type', [
  z
    .object({
      name,
      type: z.literal('http'),
      url: z.url(),
      interval: Duration.default(30_000),
      timeout: Duration.default(5_000),
      expectStatus: z.number().int().min(100).max(599).default(200),
      expectBody: z.string().optional(),
      slowAfter: Duration.default(1_000),
      failuresToAlert: z.number().int().min(1).default(3),
      graceWindow: Duration.default(180_000),
      labels: labelMatch.default({}),
    })
    .strict(),
  z
    .object({
      name,
      type: z.literal('ssh'),
      host: name,
      command: z.string(),
      interval: Duration.default(60_000),
      failuresToAlert: z.number().int().min(1).default(3),
      graceWindow: Duration.default(180_000),
      labels: labelMatch.default({}),
    })
    .strict(),
]);

export const HostConfig = z
  .object({
    name,
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1),
    keyFile: z.string().optional(),
    agent: z.boolean().default(false),
    hostKey: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected a fingerprint like "SHA256:…" as printed by ssh-keygen -lf')
      .optional(),
    tags: z.array(z.string()).default([]),
    healthUrl: z.string().optional(),
  })
  .strict();

/** A regular expression from config: RE2 syntax (linear time, R-SEC-5), refused here if RE2 does not take it. */
const rePattern = z.string().superRefine((p, c) => {
  const problem = regexProblem(p);
  if (problem) c.addIssue({ code: 'custom', message: problem });
});

/** A typed argument of a diagnostic template (R-HEAL-1). */
export const TemplateParam = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enum'), values: z.array(z.string().regex(/^[A-Za-z0-9_.@:+/-]+$/)).min(1) }).strict(),
  z.object({ type: z.literal('int'), min: z.number().int(), max: z.number().int() }).strict(),
  z.object({ type: z.literal('identifier'), pattern: rePattern.optional() }).strict(),
  z.object({ type: z.literal('path'), roots: z.array(z.string().startsWith('/')).optional() }).strict(),
]);

/** SSH pool and diagnostic policy (R-HEAL-1/2, R-PROBE-2). */
export const RemoteConfig = z
  .object({
    execTimeout: Duration.default(30_000),
    connectTimeout: Duration.default(10_000),
    maxOutput: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
    channelsPerHost: z.number().int().min(1).max(6).default(4),
    /** Where path arguments of diagnostics may point. */
    allowedRoots: z.array(z.string().startsWith('/')).default(['/var/log']),
    /** Interval of the inside health check of hosts with a healthUrl. */
    insideCheckInterval: Duration.default(60_000),
    templates: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/),
            command: z.string().min(1),
            send: z.string().optional(),
            description: z.string().optional(),
            params: z.record(z.string(), TemplateParam).default({}),
            tags: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const ProtectedResource = z.union([
  z.object({ container: z.string() }).strict(),
  z.object({ image: z.string() }).strict(),
  z.object({ label: z.string() }).strict(),
  z.object({ service: z.string() }).strict(),
]);
