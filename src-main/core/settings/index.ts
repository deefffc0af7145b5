import { existsSync } from 'node:fs';
import type { Handlers } from '../../../src-shared/api';
import type { SecretInfo, SettingsView } from '../../../src-shared/api/settings';
import type { Audit } from '../audit';
import type { CoreContext } from '../context';
import { type Config, envName, secretSource } from '../config';
import { VigilError } from '../errors';
import { Collection } from '../../../src-shared/api/topics';
import type { LiveConfig } from '../config';
import { configHandlers, type ConfigMethods } from './config-api';
import { redactUrl } from '../redact';

/** The Telegram webhook route's shared secret (headless/routes/telegram.ts); not a `{secret:}` in the config. */
const TELEGRAM_WEBHOOK_SECRET = 'telegram-webhook';

const isRef = (v: unknown): v is { secret: string } =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.keys(v).length === 1 &&
  typeof (v as { secret?: unknown }).secret === 'string';

/**
 * Every `{ secret: NAME }` in the config with the paths that use it. Walks the
 * whole config so a section added later is covered without a list to update;
 * array items with a name show as `channels[oncall]` rather than `channels[2]`.
 */
export function secretRefs(config: Config): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (v: unknown, path: string): void => {
    if (isRef(v)) {
      out.set(v.secret, [...(out.get(v.secret) ?? []), path]);
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        const n = (item as { name?: unknown } | null)?.name;
        walk(item, `${path}[${typeof n === 'string' ? n : i}]`);
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    }
  };
  walk(config, '');
  if (config.channels.some((c) => c.type === 'telegram')) {
    out.set(TELEGRAM_WEBHOOK_SECRET, [...(out.get(TELEGRAM_WEBHOOK_SECRET) ?? []), 'telegram webhook route (headless, optional)']);
  }
  return out;
}

/** A config object with each secret reference shown as its name and nested values flattened to text. */
function publicFields(obj: Record<string, unknown>, skip: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (skip.includes(k) || v === undefined) continue;
    // A URL may carry credentials (https://user:pass@…, a token in its path): shown without them (R-SEC-10).
    fields[k] = isRef(v) ? `secret ${v.secret}` : redactUrl(typeof v === 'string' ? v : JSON.stringify(v));
  }
  return fields;
}

export function settingsView(ctx: CoreContext, configSource: string): SettingsView {
  const c = ctx.config;
  const s = ctx.secrets;
  return {
    dataDir: ctx.dataDir,
    configSource,
    secretStore: s.set ? (s.source ? 'file' : 'keychain') : null,
    channels: c.channels.map((ch) => ({ name: ch.name, type: ch.type, fields: publicFields(ch, ['name', 'type']) })),
    routes: c.routes.map((r) => ({
      match: r.match,
      channels: r.channels,
      groupBy: r.groupBy,
      escalationSteps: r.escalate.length,
      continue: r.continue,
    })),
    llm: c.llm
      ? {
          provider: c.llm.provider,
          baseUrl: c.llm.baseUrl ? redactUrl(c.llm.baseUrl) : null,
          models: c.llm.models,
          apiKeySecret: c.llm.apiKey?.secret ?? null,
        }
      : null,
    embeddings: {
      provider: c.embeddings.provider,
      baseUrl: c.embeddings.baseUrl && redactUrl(c.embeddings.baseUrl),
      model: c.embeddings.model,
    },
  };
}

/** settings.get, secrets.list and secrets.set: values go in, only names and states come out. */
export function wireSettings(
  ctx: CoreContext,
  deps: { audit: Audit; configSource: string; live: LiveConfig; onSecretSet?: (name: string, usedBy: string[]) => void },
): Pick<Handlers, 'settings.get' | 'secrets.list' | 'secrets.set' | ConfigMethods> {
  const info = (name: string, usedBy: string[]): SecretInfo => {
    const source = secretSource(ctx.secrets, name);
    return { name, usedBy, set: source !== null, source };
  };
  return {
    ...configHandlers(ctx, deps.live),
    // Once Settings has written the file, that file is where the running config came from.
    'settings.get': () => settingsView(ctx, deps.live.file && existsSync(deps.live.file) ? deps.live.file : deps.configSource),
    'secrets.list': () => {
      try {
        return {
          secrets: [...secretRefs(ctx.config)].map(([name, usedBy]) => info(name, usedBy)).sort((a, b) => a.name.localeCompare(b.name)),
        };
      } catch (e) {
        // e.g. secrets.json with loose permissions: say so instead of a generic failure.
        throw new VigilError('unavailable', `The secret store cannot be read: ${(e as Error).message}`);
      }
    },
    'secrets.set': ({ name, value, by }) => {
      const store = ctx.secrets;
      if (!store.set)
        throw new VigilError(
          'unavailable',
          `This Vigil has no writable secret store; set ${envName(name)} in its environment and restart it.`,
        );
      let source;
      try {
        source = secretSource(store, name);
      } catch (e) {
        // e.g. secrets.json with loose permissions: it is neither read nor rewritten.
        throw new VigilError('unavailable', `Secret "${name}" was not stored: ${(e as Error).message}`);
      }
      if (source === 'env') {
        throw new VigilError(
          'forbidden',
          `Secret "${name}" comes from the environment (${envName(name)}); change it there, the console cannot overwrite it.`,
        );
      }
      // Audit first, by name only: if the audit log cannot be written, nothing is stored.
      deps.audit.append({ actor: by, action: 'secret.set', subject: `secret:${name}` });
      try {
        store.set(name, value);
      } catch (e) {
        const why = (e as Error).message;
        deps.audit.append({ actor: by, action: 'secret.set_failed', subject: `secret:${name}`, detail: { reason: why } });
        ctx.log.warn({ secret: name, err: why }, 'secret not stored');
        throw new VigilError('unavailable', `Secret "${name}" was not stored: ${why}`);
      }
      ctx.log.info({ secret: name, by }, 'secret stored');
      // Messages held for want of this secret go now, not at their next backoff.
      deps.onSecretSet?.(name, secretRefs(ctx.config).get(name) ?? []);
      ctx.changed(Collection.settings);
      return { name, set: true as const };
    },
  };
}
