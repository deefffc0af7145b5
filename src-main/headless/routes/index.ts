import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { Core } from '../../core/app';
import { ackRoutes } from './acks';
import { changeRoutes } from './changes';
import { intakeRoutes } from './intake';
import { smokeRoutes } from './smoke';
import { telegramRoutes } from './telegram';

export interface RouteDeps {
  core: Core;
  token: string;
  /** Bearer check for /api/* routes. */
  auth: preHandlerAsyncHookHandler;
}
export type RouteModule = (app: FastifyInstance, deps: RouteDeps) => void | Promise<void>;

/** HTTP routes beyond the foundation (webhook intake, smoke, acks …), one module per area. */
export const extraRoutes: RouteModule[] = [intakeRoutes, smokeRoutes, telegramRoutes, ackRoutes, changeRoutes];
