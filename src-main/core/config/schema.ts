import { z } from 'zod';
import { ChannelConfig } from '../channels';
import { Duration } from '../duration';
import { Name, SecretRef } from '../schema-parts';
import { EmbeddingConfig, HermesRule, LLM_DEFAULT_MODEL, LlmConfig } from './sections/agents';
import { HostConfig, ProbeConfig, ProtectedResource, RemoteConfig, TemplateParam } from './sections/hosts';
import { EscalationStep, MuteWindow, NEXT_IN_ROTATION, RouteConfig } from './sections/routes';
import { SmokeConfig } from './sections/smoke';

// The one vigil.yaml schema. Each section's pieces live in sections/ (routes, hosts, agents, smoke);
// the top-level shape, its small inline sections and the cross-references are here.

export { SecretRef };
export { ChannelConfig };
export { NEXT_IN_ROTATION };
export { EmbeddingConfig, EscalationStep, HermesRule, HostConfig, LLM_DEFAULT_MODEL, LlmConfig, MuteWindow, ProbeConfig };
export { ProtectedResource, RemoteConfig, RouteConfig, SmokeConfig, TemplateParam };

const name = Name;

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
      .object({
        url: z.url(),
        interval: Duration.default(60_000),
        sleepUrl: z
          .url()
          .optional()
          .describe('POSTed "going to sleep" before the laptop suspends (healthchecks: the ping URL + /log records it, + /fail alerts)'),
      })
      .strict()
      .optional(),
    // Sleep and wake (issue 18.6): what Vigil does when the laptop suspends.
    sleep: z
      .object({
        handOverCriticals: z
          .boolean()
          .default(false)
          .describe('At suspend, fire the next escalation step of every unacknowledged critical alert now, so someone awake gets it'),
      })
      .strict()
      .prefault({}),
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
      const pagesOnCall = r.channels.some((c) => cfg.channels.find((x) => x.name === c)?.type === 'oncall');
      r.escalate.forEach((s, k) =>
        s.channels.forEach((c, j) => {
          const path = ['routes', i, 'escalate', k, 'channels', j];
          if (c === NEXT_IN_ROTATION) {
            if (!pagesOnCall) ctx.addIssue({ code: 'custom', path, message: `${c} needs an oncall channel in this route's channels` });
          } else if (!names.has(c)) ctx.addIssue({ code: 'custom', path, message: `unknown channel "${c}"` });
        }),
      );
    });
    cfg.channels.forEach((c, i) => {
      if (c.type !== 'oncall') return;
      if (!cfg.oncall.some((t) => t.team === c.team))
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'team'],
          message: `unknown on-call team "${c.team}" (declare it under oncall)`,
        });
      if (c.telegram !== undefined && cfg.channels.find((x) => x.name === c.telegram)?.type !== 'telegram')
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'telegram'], message: `"${c.telegram}" is not a telegram channel` });
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
