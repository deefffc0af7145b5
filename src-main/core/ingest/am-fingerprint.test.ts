import { describe, expect, it } from 'vitest';
import { amFingerprint } from './am-fingerprint';

/** The definition, plainly: FNV-1a 64 (BigInt) over the UTF-8 bytes of sorted names and values, each followed by 0xff. */
function reference(labels: Record<string, string>): string {
  const enc = new TextEncoder();
  let h = 0xcbf29ce484222325n;
  const add = (b: number) => (h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn);
  for (const name of Object.keys(labels).sort()) {
    for (const b of enc.encode(name)) add(b);
    add(0xff);
    for (const b of enc.encode(labels[name]!)) add(b);
    add(0xff);
  }
  return h.toString(16).padStart(16, '0');
}

describe("Alertmanager's label-set fingerprint", () => {
  it('R-ALERT-2: an alert posted straight to Vigil gets the fingerprint a real Alertmanager (Debian 0.25) gave the same labels', () => {
    // Read back from a real Alertmanager's GET /api/v2/alerts after POSTing these label sets (e2e/fixtures/alertmanager.ts).
    expect(amFingerprint({ alertname: 'DiskFull', instance: 'web1', severity: 'critical' })).toBe('b24ed1c59cc0e2bc');
    expect(amFingerprint({ alertname: 'Überlast', job: 'nœud-✓', zone: 'ゾーン' })).toBe('57506aa3432c13c2');
    expect(amFingerprint({ alertname: 'Emoji', value: 'rocket 🚀 and 𝄞' })).toBe('4e9d1dfdf00b0aea');
    expect(amFingerprint({ b: 'x', a: 'y' })).toBe('2be81e8eda54542f');
  });

  it('R-ALERT-2: any label set hashes as the plain definition does (ASCII, 2-, 3- and 4-byte UTF-8, lone surrogates)', () => {
    const pieces = [
      'a',
      'Z_9',
      'é',
      'ß',
      '✓',
      'ゾ',
      '🚀',
      '𝄞',
      '\ud800',
      '\udfff',
      'x\ud83d',
      '\u0000',
      '\u007f',
      '\u0080',
      '\u07ff',
      '\u0800',
      '\uffff',
    ];
    let seed = 7;
    const pick = () => pieces[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % pieces.length]!;
    for (let n = 0; n < 300; n++) {
      const labels: Record<string, string> = {};
      for (let k = 0; k < 1 + (n % 5); k++) labels[`l${k}${pick()}`] = Array.from({ length: n % 7 }, pick).join('');
      expect(amFingerprint(labels), JSON.stringify(labels)).toBe(reference(labels));
    }
    expect(amFingerprint({})).toBe(reference({}));
  });
});
