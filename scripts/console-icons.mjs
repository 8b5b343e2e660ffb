// Draws the phone app's icons (a white cross on the emergency red, rounded, with a safe zone for
// "maskable") as PNG files, with nothing but node:zlib: `node scripts/console-icons.mjs` rewrites
// services/console/public/icons/. The SVG beside them is the same drawing for browsers that take vector icons.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const RED = [0xc6, 0x28, 0x28];
const WHITE = [0xff, 0xff, 0xff];

function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** RGBA pixels: `inside(x, y)` of the unit square says background, cross or transparent. */
function png(size, maskable) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const radius = maskable ? 0 : 0.18;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      const dx = Math.max(radius - u, u - (1 - radius), 0);
      const dy = Math.max(radius - v, v - (1 - radius), 0);
      const inShape = dx * dx + dy * dy <= radius * radius;
      // The cross keeps to the middle 40 % so a maskable icon's safe zone holds it whole.
      const arm = Math.abs(u - 0.5) <= 0.07 && Math.abs(v - 0.5) <= 0.22;
      const bar = Math.abs(v - 0.5) <= 0.07 && Math.abs(u - 0.5) <= 0.22;
      const colour = arm || bar ? WHITE : RED;
      const at = y * (size * 4 + 1) + 1 + x * 4;
      raw[at] = colour[0];
      raw[at + 1] = colour[1];
      raw[at + 2] = colour[2];
      raw[at + 3] = inShape ? 0xff : 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const dir = new URL('../services/console/public/icons/', import.meta.url);
for (const size of [192, 512]) writeFileSync(new URL(`icon-${size}.png`, dir), png(size, false));
writeFileSync(new URL('icon-maskable-512.png', dir), png(512, true));
writeFileSync(new URL('apple-touch-icon-180.png', dir), png(180, true));
writeFileSync(
  new URL('icon.svg', dir),
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="18" fill="#c62828"/><rect x="43" y="28" width="14" height="44" fill="#fff"/><rect x="28" y="43" width="44" height="14" fill="#fff"/></svg>\n`,
);
