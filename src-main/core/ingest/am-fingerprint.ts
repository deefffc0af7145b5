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

/** The hash state, on two 32-bit halves; one fingerprint at a time (synchronous), so module state and no closure. */
let hi = 0;
let lo = 0;

/** h = (h ^ b) * 0x100000001b3 mod 2^64: the prime is 2^40 + 0x1b3. */
function mix(b: number): void {
  lo = (lo ^ b) >>> 0;
  const l = lo * 0x1b3; // < 2^41: exact
  hi = (Math.imul(hi, 0x1b3) + ((l / 0x100000000) | 0) + (lo << 8)) >>> 0;
  lo = l >>> 0;
}

/** The string's UTF-8 bytes, as TextEncoder writes them (a lone surrogate is U+FFFD), without making them. */
function mixUtf8(s: string): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      mix(c);
      continue;
    }
    if (c < 0x800) {
      mix(0xc0 | (c >> 6));
      mix(0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        mix(0xf0 | (cp >> 18));
        mix(0x80 | ((cp >> 12) & 0x3f));
        mix(0x80 | ((cp >> 6) & 0x3f));
        mix(0x80 | (cp & 0x3f));
        continue;
      }
      c = 0xfffd;
    }
    mix(0xe0 | (c >> 12));
    mix(0x80 | ((c >> 6) & 0x3f));
    mix(0x80 | (c & 0x3f));
  }
}

/** ~4x cheaper than encoding each name and value with TextEncoder and hashing through a closure (it runs for every alert). */
export function amFingerprint(labels: Record<string, string>): string {
  hi = OFFSET_HI;
  lo = OFFSET_LO;
  for (const name of Object.keys(labels).sort()) {
    mixUtf8(name);
    mix(SEP);
    mixUtf8(labels[name]!);
    mix(SEP);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
