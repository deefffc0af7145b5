import type { z } from 'zod';
import type { Actor } from './access';
import type { Result } from '../result';
import { acksApi } from './acks';
import { configApi, testApi } from './config';
import { alertsApi } from './alerts';
import { agentsApi, memoryApi, plansApi } from './agents';
import { changesApi } from './changes';
import { incidentsApi } from './incidents';
import type { MethodSpec } from './define';
import { eventsApi } from './events';
import { healApi } from './heal';
import { hostsApi } from './hosts';
import { noiseApi } from './noise';
import { outboxApi } from './outbox';
import { oncallApi } from './oncall';
import { peopleApi } from './people';
import { retentionApi } from './retention';
import { settingsApi } from './settings';
import { smokeApi } from './smoke';
import { systemApi } from './system';

/**
 * The ConsoleApi: the only door between renderer and main. One map of
 * method name → zod input/output schema. Feature modules contribute their
 * part here; nothing else declares a method name.
 */
export const consoleApi = {
  ...systemApi,
  ...memoryApi,
  ...plansApi,
  ...agentsApi,
  ...eventsApi,
  ...outboxApi,
  ...noiseApi,
  ...smokeApi,
  ...hostsApi,
  ...healApi,
  ...acksApi,
  ...alertsApi,
  ...settingsApi,
  ...retentionApi,
  ...changesApi,
  ...peopleApi,
  ...oncallApi,
  ...incidentsApi,
  ...configApi,
  ...testApi,
} satisfies Record<string, MethodSpec>;

export type ConsoleApi = typeof consoleApi;
export type MethodName = keyof ConsoleApi;
export type Input<M extends MethodName> = z.input<ConsoleApi[M]['input']>;
export type Output<M extends MethodName> = z.infer<ConsoleApi[M]['output']>;

/** Main-side implementation of one method (input already validated). */
/** `actor` is the authenticated caller; absent for the desktop shell's own (trusted, local) calls. */
export type Handler<M extends MethodName> = (input: z.infer<ConsoleApi[M]['input']>, actor?: Actor) => Promise<Output<M>> | Output<M>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** Renderer-side client: every method, typed, returning the envelope. (Properties, not methods: their parameters are checked strictly.) */
export type ConsoleClient = {
  call: <M extends MethodName>(method: M, input: Input<M>) => Promise<Result<Output<M>>>;
  subscribe: <T extends TopicName>(topic: T, fn: (payload: TopicPayload<T>) => void) => () => void;
};

export const isMethodName = (name: string): name is MethodName => Object.prototype.hasOwnProperty.call(consoleApi, name);

export * from './acks';
export * from './alerts';
export * from './agents';
export * from './changes';
export * from './incidents';
export * from './config';
export * from './oncall';
export * from './define';
export * from './events';
export * from './heal';
export * from './hosts';
export * from './noise';
export * from './outbox';
export * from './people';
export * from './access';
export * from './retention';
export * from './settings';
export * from './smoke';
export * from './system';
export * from './topics';
import type { TopicName, TopicPayload } from './topics';
