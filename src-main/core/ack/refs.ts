import { createHash } from 'node:crypto';
import type { MessageButton } from '../notify';

/** Telegram callback data for an acknowledgement: `ack:<ref>`, far below Telegram's 64-byte limit. */
export const ACK_PREFIX = 'ack:';
const REF_RE = /^ack:([A-Za-z0-9_-]{16})$/;

const known = new Map<string, string>();
/** Refs computed lately (a storm asks for each alert's twice: button and ref row); dropped whole past this size. */
const KNOWN_MAX = 10_000;

/** A short, stable id for a fingerprint (96 bits of SHA-256): fingerprints may be longer than a button can carry. */
export const ackRef = (fingerprint: string): string => {
  let ref = known.get(fingerprint);
  if (ref === undefined) {
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(fingerprint, (ref = createHash('sha256').update(fingerprint).digest('base64url').slice(0, 16)));
  }
  return ref;
};

export const ackButton = (fingerprint: string): MessageButton => ({ text: 'Acknowledge', data: `${ACK_PREFIX}${ackRef(fingerprint)}` });

export const isAckData = (data: string | undefined): boolean => data?.startsWith(ACK_PREFIX) ?? false;

/** The ref of an `ack:<ref>` callback, or null when the data is malformed. */
export const refOf = (data: string): string | null => REF_RE.exec(data)?.[1] ?? null;
