import { afterAll, afterEach, beforeAll } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';
import type { Outbox } from './outbox';
import type { NotifyTestBed } from './testing';

/**
 * One real webhook receiver for a test file (started once), and the beds and outboxes its tests build, stopped and
 * removed after each test with the receiver's answers and records reset. Call at the top of the file.
 */
export function useWebhookBed(opts: { secret?: string } = {}) {
  let receiver: WebhookReceiver | undefined;
  const bed = {
    get hook(): WebhookReceiver {
      if (!receiver) throw new Error('the webhook receiver starts in beforeAll');
      return receiver;
    },
    beds: [] as NotifyTestBed[],
    outboxes: [] as Outbox[],
  };
  beforeAll(async () => {
    receiver = await startWebhookReceiver(opts);
  });
  afterAll(async () => {
    await receiver?.close();
  });
  afterEach(async () => {
    for (const o of bed.outboxes.splice(0)) await o.stop();
    for (const b of bed.beds.splice(0)) b.cleanup();
    bed.hook.answer(null);
    bed.hook.requests.length = bed.hook.delivered.length = bed.hook.shown.length = 0;
  });
  return bed;
}
