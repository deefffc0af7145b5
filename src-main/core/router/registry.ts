import type { CoreContext } from '../context';
import type { Router } from './router';

/** The router of a core, for producers that only hold the context (reportFailure, agents plugging in a triager). */
const routers = new WeakMap<CoreContext, Router>();

export const attachRouter = (ctx: CoreContext, r: Router): void => void routers.set(ctx, r);
export const routerOf = (ctx: CoreContext): Router | null => routers.get(ctx) ?? null;
