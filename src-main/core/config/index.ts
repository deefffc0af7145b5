// The config area as the rest of Vigil sees it: import it through this file only (lint-enforced).
export { ConfigError, DEFAULT_CONFIG_YAML, configFileFor, loadConfig, parseConfig } from './load';
export {
  ChannelConfig,
  ConfigSchema,
  EmbeddingConfig,
  LLM_DEFAULT_MODEL,
  LlmConfig,
  NEXT_IN_ROTATION,
  type Config,
  type HostConfig,
  type ProbeConfig,
  type RouteConfig,
} from './schema';
export { envName, headlessSecrets, resolveSecret, secretSource, writeFileAtomic0600, type SecretStore } from './secrets';
export { configJsonSchema } from './json-schema';
export { createLiveConfig, RELOAD_COMPONENT, type LiveConfig, type ReloadRecord, type ReloadVia } from './live';
export { diffText, documentOf, renderDocument, validateDocument, writeConfigFile } from './edit';
export { formatDuration } from '../duration';
