import { randomFillSync } from 'node:crypto';

/** Random bytes for 256 ids, refilled when used up: one entropy call per id was a measurable share of a storm's cost. */
const POOL = Buffer.alloc(16 * 256);
let next = 256;
/** One id's text as ASCII bytes, reused: the dashes stay, the 32 hex digits are written over at DIGIT[i] for byte i. */
const TEXT = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
const DIGIT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Time-ordered event ids (UUIDv7 layout: 48-bit ms timestamp, then random).
 * Ordered ids append to the id index instead of scattering writes across
 * it. The text is written as bytes and read as one string: the id is the only allocation (a Buffer view, a hex
 * string, five slices and their concatenation before; ~11% of what the intake thread allocated in a storm).
 */
export function eventId(nowMs: number): string {
  if (next === 256) {
    randomFillSync(POOL);
    next = 0;
  }
  const at = 16 * next++;
  POOL.writeUIntBE(Math.max(0, Math.floor(nowMs)) % 2 ** 48, at, 6);
  POOL[at + 6] = (POOL[at + 6]! & 0x0f) | 0x70;
  POOL[at + 8] = (POOL[at + 8]! & 0x3f) | 0x80;
  for (let i = 0; i < 16; i++) {
    const v = POOL[at + i]!;
    TEXT[DIGIT[i]!] = HEX[v >> 4]!;
    TEXT[DIGIT[i]! + 1] = HEX[v & 15]!;
  }
  return TEXT.toString('latin1', 0, 36);
}
