/**
 * Alertmanager's fingerprint of a label set (prometheus/common model
 * LabelSet.Fingerprint): FNV-1a 64 over the label names in sorted order,
 * each name and value followed by the 0xff separator, printed as 16 hex
 * digits. Alerts Prometheus posts straight to Vigil get the id an
 * Alertmanager would give them, so the same alert arriving via an
 * Alertmanager webhook or directly is one alert.
 */
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const SEP = 0xff;
const enc = new TextEncoder();

export function amFingerprint(labels: Record<string, string>): string {
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  // h = (h ^ b) * 0x100000001b3 mod 2^64, on two 32-bit halves: the prime is 2^40 + 0x1b3.
  const add = (b: number) => {
    lo = (lo ^ b) >>> 0;
    const l = lo * 0x1b3;
    const carry = Math.floor(l / 0x100000000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = l >>> 0;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const b of enc.encode(name)) add(b);
    add(SEP);
    for (const b of enc.encode(labels[name]!)) add(b);
    add(SEP);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
