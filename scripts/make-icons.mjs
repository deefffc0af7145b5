// Generates Vigil's icons (tray dots per status, the app icon) as PNGs without
// external tools, so they can be rebuilt anywhere: node scripts/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
/** A filled disc with a soft edge and an optional ring (the "eye" of the app icon). */
const disc =
  (size, [r, g, b], ring) =>
  (x, y) => {
    const c = (size - 1) / 2;
    const d = Math.hypot(x - c, y - c);
    const R = size * 0.44;
    let a = Math.max(0, Math.min(1, R - d + 0.5));
    let col = [r, g, b];
    if (ring && d < R * 0.42) col = d < R * 0.2 ? [255, 255, 255] : [20, 24, 30];
    return [...col, Math.round(a * 255)];
  };
const colours = { ok: [31, 136, 61], warning: [210, 153, 34], critical: [207, 34, 46] };
mkdirSync('resources/icons', { recursive: true });
mkdirSync('build', { recursive: true });
for (const [name, rgb] of Object.entries(colours)) {
  writeFileSync(`resources/icons/tray-${name}.png`, png(16, disc(16, rgb)));
  writeFileSync(`resources/icons/tray-${name}@2x.png`, png(32, disc(32, rgb)));
}
writeFileSync('build/icon.png', png(512, disc(512, [47, 111, 235], true)));
writeFileSync('resources/icons/app.png', png(256, disc(256, [47, 111, 235], true)));
console.log('icons written');
