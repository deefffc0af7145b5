import type { Handlers } from '../../../src-shared/api';
import type { smokeApi } from '../../../src-shared/api/smoke';
import type { Smoke } from './service';

/** ConsoleApi methods of the smoke area. */
export function smokeHandlers(smoke: Smoke): Pick<Handlers, keyof typeof smokeApi> {
  return {
    'smoke.run': () => smoke.run(),
    'smoke.latest': () => smoke.latest(),
    'smoke.history': ({ before, limit, check, status }) => {
      const rows = smoke.history({ before, limit, check, status });
      return { rows, next: rows.length === limit ? rows[rows.length - 1]!.id : null };
    },
    'smoke.trend': (input) => smoke.trend(input),
    'smoke.summary': ({ since, until }) => smoke.summary(since, until),
    'smoke.clear': (_i, actor) => smoke.clear(actor?.name ?? 'console'),
    'smoke.sendSummary': () => smoke.sendSummary('manual'),
  };
}
