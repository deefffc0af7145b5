import { randomPool } from '../random-pool';

const random16 = randomPool(16);

/**
 * Time-ordered event ids (UUIDv7 layout: 48-bit ms timestamp, then random).
 * Ordered ids append to the id index instead of scattering writes across
 * it; the random bytes come from a pool (random-pool.ts).
 */
export function eventId(nowMs: number): string {
  const b = random16();
  b.writeUIntBE(Math.max(0, Math.floor(nowMs)) % 2 ** 48, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
