import type { Message } from '../message';

// The message itself is shared by producers, the store and notify: it lives in core/message.ts, below them all.
export type { Message, MessageButton, MessageKind } from '../message';

// Channel plug-ins (the Channel interface, SendResult) live in core/channels; notify drives them.
export type { Channel, SendResult } from '../channels';

/** The producer side of the outbox. enqueue() must be called inside the caller's DB transaction where atomicity matters. */
export interface OutboxWriter {
  enqueue(channel: string, message: Message, idempotencyKey: string): void;
}
