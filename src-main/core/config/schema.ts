import { z } from 'zod';
import { Severity } from '../../../src-shared/constants';
import { ChannelConfig } from '../channels';
import { Duration } from '../duration';
import { Name, SecretRef } from '../schema-parts';
import { regexProblem } from '../regex';

export { SecretRef };

const name = Name;
const labelMatch = z.record(z.string(), z.string());

export { ChannelConfig };

export const EscalationStep = z.object({ after: Duration, channels: z.array(name).min(1) }).strict();

export const RouteConfig = z
  .object({
    match: labelMatch.default({}),
    channels: z.array(name),
    groupBy: z.array(z.string()).default(['alertname']),
    escalate: z.array(EscalationStep).default([]),
    continue: z.boolean().default(false),
  })
  .strict();

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

export const MuteWindow = z
  .object({
    name,
    weekdays: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM'),
    end: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'expected HH:MM'),
    timeZone: z.string().default('UTC'),
    match: labelMatch.default({}),
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

/** A warning/critical pair: a value at or above `critical` is Critical, at or above `warning` is Warning. */
const limits = (warning: number, critical: number) =>
  z
    .object({ warning: z.number().nonnegative().default(warning), critical: z.number().nonnegative().default(critical) })
    .strict()
    .refine((l) => l.critical >= l.warning, { message: 'critical must be at least warning' })
    .prefault({});
const ageLimits = (warning: number, critical: number) =>
  z
    .object({ warning: Duration.default(warning), critical: Duration.default(critical) })
    .strict()
    .refine((l) => l.critical >= l.warning, { message: 'critical must be at least warning' })
    .prefault({});

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as "Europe/Berlin" or "UTC"' },
);

/** Self-checks (R-SMOKE): schedule, retention, daily summary and per-check thresholds. */
export const SmokeConfig = z
  .object({
    enabled: z.boolean().default(true),
    interval: Duration.default(60_000),
    retention: Duration.default(90 * 86_400_000),
    summaryAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM')
      .default('09:10'),
    /** Zone of summaryAt; default: the machine's local zone. */
    summaryTimeZone: timeZone.optional(),
    summaryChannels: z.array(name).default([]),
    thresholds: z
      .object({
        routerQueue: z
          .object({ depth: limits(100, 1000), oldestAge: ageLimits(60_000, 300_000) })
          .strict()
          .prefault({}),
        outbox: z
          .object({ pending: limits(10, 100), oldestAge: ageLimits(300_000, 1_800_000) })
          .strict()
          .prefault({}),
        nemotronFallback: z
          .object({
            window: Duration.default(3_600_000),
            /** Fewer triage attempts than this in the window: too few to judge a rate. */
            minSamples: z.number().int().min(1).default(5),
            rate: z
              .object({ warning: z.number().min(0).max(1).default(0.2), critical: z.number().min(0).max(1).default(0.5) })
              .strict()
              .refine((l) => l.critical >= l.warning, { message: 'critical must be at least warning' })
              .prefault({}),
          })
          .strict()
          .prefault({}),
        embeddings: z
          .object({ pending: limits(100, 1000), stale: limits(1, 10), failed: limits(1, 20) })
          .strict()
          .prefault({}),
        hitl: z
          .object({ pending: limits(5, 20), oldestAge: ageLimits(1_800_000, 7_200_000) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

const DAY = 86_400_000;

export const ConfigSchema = z
  .object({
    router: z
      .object({
        cooldown: Duration.default(300_000),
        repeatInterval: Duration.default(4 * 3_600_000),
        triageTimeout: Duration.default(5_000),
        notifyInfo: z.boolean().default(false),
        groupWindow: Duration.default(30_000),
        flapThreshold: z.number().int().min(2).default(6),
        flapWindow: Duration.default(600_000),
        burstThreshold: z.number().int().min(2).default(20),
        burstWindow: Duration.default(60_000),
      })
      .strict()
      .prefault({}),
    outbox: z
      .object({
        maxBackoff: Duration.default(300_000),
        expireAfter: Duration.default(24 * 3_600_000),
        digestThreshold: z.number().int().min(2).default(20),
      })
      .strict()
      .prefault({}),
    channels: z.array(ChannelConfig).default([{ name: 'desktop', type: 'desktop' }]),
    routes: z.array(RouteConfig).prefault([{ channels: ['desktop'] }]),
    alertmanager: z
      .object({ url: z.url(), interval: Duration.default(30_000) })
      .strict()
      .optional(),
    probes: z.array(ProbeConfig).default([]),
    hosts: z.array(HostConfig).default([]),
    protected: z.array(ProtectedResource).default([]),
    llm: LlmConfig.optional(),
    embeddings: EmbeddingConfig.prefault({}),
    hermes: z
      .object({ rules: z.array(HermesRule).default([]) })
      .strict()
      .prefault({}),
    mutes: z.array(MuteWindow).default([]),
    smoke: SmokeConfig,
    heal: z
      .object({
        killSwitch: z.boolean().default(false),
        approvalTtl: Duration.default(900_000),
        ratePerTarget: z.number().int().min(1).default(3),
        rateWindow: Duration.default(3_600_000),
        /** Restart-loop detection: this many heals of one target inside loopWindow stop and escalate. */
        loopThreshold: z.number().int().min(2).default(3),
        loopWindow: Duration.default(1_800_000),
        execTimeout: Duration.default(60_000),
        /** After an approved heal, how long the alert (and the host's probe) is watched before the heal counts as failed. */
        verifyWindow: Duration.default(5 * 60_000),
      })
      .strict()
      .prefault({}),
    remote: RemoteConfig.prefault({}),
    heartbeat: z
      .object({ url: z.url(), interval: Duration.default(60_000) })
      .strict()
      .optional(),
    // How long each kind of history is kept (null: for ever). Pruned in small batches on a worker thread;
    // audit rows are archived to <data-dir>/audit-archive.ndjson, never deleted silently (issue 17.3).
    retention: z
      .object({
        events: Duration.nullable().default(90 * DAY),
        resolvedAlerts: Duration.nullable().default(30 * DAY),
        deliveredOutbox: Duration.nullable().default(7 * DAY),
        finishedPlans: Duration.nullable().default(180 * DAY),
        smokeHistory: Duration.nullable().default(30 * DAY),
        unreferencedMemory: Duration.nullable().default(null),
        audit: Duration.nullable().default(365 * DAY),
        interval: Duration.default(600_000),
        batch: z.number().int().min(10).max(10_000).default(500),
      })
      .strict()
      .prefault({}),
    /** Host names (besides IP literals and localhost) the headless server answers to: DNS-rebinding guard (R-SEC-7). */
    http: z
      .object({ allowedHosts: z.array(z.string().min(1)).default([]) })
      .strict()
      .prefault({}),
    metrics: z
      .object({ token: SecretRef.optional(), port: z.number().int().min(0).max(65535).optional() })
      .strict()
      .prefault({}),
    /** On call (issue 18.5): per team, a rotation of people handing over every `shift` from `start`, with overrides. */
    oncall: z
      .array(
        z
          .object({
            team: name,
            people: z.array(z.string().min(1)).min(1),
            start: z.iso.datetime({ offset: true }),
            shift: Duration.default(7 * DAY),
            overrides: z
              .array(
                z
                  .object({ person: z.string().min(1), from: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }) })
                  .strict(),
              )
              .default([]),
          })
          .strict(),
      )
      .default([]),
    /** People (R-PEOPLE): four-eyes makes the proposer of a heal or plan unable to approve it; browser sessions expire after sessionTtl. */
    people: z
      .object({ fourEyes: z.boolean().default(false), sessionTtl: Duration.default(12 * 3600_000) })
      .strict()
      .prefault({}),
    changes: z
      .object({
        /** Webhook secret for CI/CD senders that cannot send the API token (GitLab X-Gitlab-Token, GitHub/Gitea HMAC signatures). */
        token: SecretRef.optional(),
        /** How far before an alert a change counts as "nearby". */
        window: Duration.default(30 * 60_000),
        /** A high-risk change's plan watches the change's alerts this long. */
        watch: Duration.default(15 * 60_000),
        /** Off: only high-risk changes get a plan. On: medium-risk ones too. Either way a plan only waits for a person. */
        autoFix: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Set(cfg.channels.map((c) => c.name));
    cfg.routes.forEach((r, i) => {
      r.channels.forEach((c, j) => {
        if (!names.has(c))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'channels', j],
            message: `unknown channel "${c}" (declare it under channels)`,
          });
      });
      r.escalate.forEach((s, k) =>
        s.channels.forEach((c, j) => {
          if (!names.has(c))
            ctx.addIssue({ code: 'custom', path: ['routes', i, 'escalate', k, 'channels', j], message: `unknown channel "${c}"` });
        }),
      );
    });
    cfg.smoke.summaryChannels.forEach((c, j) => {
      if (!names.has(c))
        ctx.addIssue({
          code: 'custom',
          path: ['smoke', 'summaryChannels', j],
          message: `unknown channel "${c}" (declare it under channels)`,
        });
    });
    const hosts = new Set(cfg.hosts.map((h) => h.name));
    cfg.probes.forEach((p, i) => {
      if (p.type === 'ssh' && !hosts.has(p.host))
        ctx.addIssue({ code: 'custom', path: ['probes', i, 'host'], message: `unknown host "${p.host}"` });
    });
  });

export type Config = z.infer<typeof ConfigSchema>;
export type RouteConfig = z.infer<typeof RouteConfig>;
export type HostConfig = z.infer<typeof HostConfig>;
export type ProbeConfig = z.infer<typeof ProbeConfig>;
export type SmokeConfig = z.infer<typeof SmokeConfig>;
