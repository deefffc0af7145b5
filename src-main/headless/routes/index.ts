import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Core } from '../../core/app';
import type { HttpAccess } from '../access';
import { ackRoutes } from './acks';
import { changeRoutes } from './changes';
import { alertmanagerApiRoutes } from './alertmanager-api';
import { intakeRoutes } from './intake';
import { reloadRoutes } from './reload';
import { sessionRoutes } from './session';
import { smokeRoutes } from './smoke';
import { telegramRoutes } from './telegram';

export interface RouteDeps {
  core: Core;
  /** The one auth hook: `{ onRequest: access.require('responder') }`; `access.actor(req)` is who did it. */
  access: HttpAccess;
  /** Fail-closed default for a route not yet given its role: admins only. Prefer access.require(role). */
  auth: onRequestAsyncHookHandler;
  /** Served over TLS: session cookies are then Secure. */
  tls: boolean;
  /** Intake requests answered before Fastify where they can be (routes/intake-lean.ts). */
  leanIntake: boolean;
}
export type RouteModule = (app: FastifyInstance, deps: RouteDeps) => void | Promise<void>;

/** HTTP routes beyond the foundation (webhook intake, smoke, acks …), one module per area. */
export const extraRoutes: RouteModule[] = [
  intakeRoutes,
  smokeRoutes,
  telegramRoutes,
  ackRoutes,
  changeRoutes,
  reloadRoutes,
  alertmanagerApiRoutes,
  sessionRoutes,
];
