// A tiny PNG encoder (8-bit RGB, filter 0, zlib via node:zlib, CRC-32 by hand) and the other
// test fixtures, so the suite needs no image packages. Every image gets a seed so that two files
// of the same size never have the same bytes (and so the same sha256).
import zlib from 'node:zlib';
import crypto from 'node:crypto';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309 / ITU-T V.42, the one PNG uses). */
export function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A width×height RGB gradient PNG; `seed` changes the colours (and so the bytes). */
export function png(width, height, seed = 0) {
  if (!(width > 0 && height > 0)) throw new Error(`bad PNG size ${width}x${height}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    raw[row] = 0; // filter type None
    for (let x = 0; x < width; x++) {
      const o = row + 1 + x * 3;
      raw[o] = (x * 255 / width + seed * 37) & 0xff;
      raw[o + 1] = (y * 255 / height + seed * 91) & 0xff;
      raw[o + 2] = ((x ^ y) + seed * 13) & 0xff;
    }
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small but well-formed one-page PDF (starts with %PDF-1.4, ends with %%EOF). */
export function pdf(text = 'mediagraph e2e') {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null, // content stream, below
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 12 Tf 10 50 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/**
 * A width×height 8-bit RGBA PNG (colour type 6) whose pixels come from pixel(x, y) → [r, g, b, a]:
 * an image with an alpha channel, as a client's transparent product cut-out is.
 */
export function pngRGBA(width, height, pixel) {
  if (!(width > 0 && height > 0)) throw new Error(`bad PNG size ${width}x${height}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: truecolour with alpha
  const stride = width * 4 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter type None
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = pixel(x, y);
      const o = y * stride + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG's chunks: [{ type, data }], each CRC checked; throws if it is not a PNG. */
export function pngChunks(buf) {
  if (!(buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE))) throw new Error(`not a PNG (starts ${buf.subarray(0, 8).toString('hex')})`);
  const out = [];
  let i = 8;
  while (i + 12 <= buf.length) {
    const len = buf.readUInt32BE(i);
    const type = buf.subarray(i + 4, i + 8).toString('latin1');
    if (i + 12 + len > buf.length) throw new Error(`PNG: chunk ${type} at ${i} runs past the end`);
    const data = buf.subarray(i + 8, i + 8 + len);
    if (crc32(buf.subarray(i + 4, i + 8 + len)) !== buf.readUInt32BE(i + 8 + len)) throw new Error(`PNG: bad CRC in chunk ${type} at ${i}`);
    out.push({ type, data });
    i += 12 + len;
    if (type === 'IEND') break;
  }
  if (out[0]?.type !== 'IHDR') throw new Error('PNG: IHDR is not the first chunk');
  return out;
}

/**
 * Decodes a non-interlaced PNG of bit depth 8 or 16 (colour types 0, 2, 3, 4, 6; tRNS honoured) into
 * { width, height, colorType, bitDepth, rgba: Uint8Array } (8-bit RGBA, row by row), for checking the
 * pixels of the PNG variants the server makes.
 */
export function decodePNG(buf) {
  const chunks = pngChunks(buf);
  const h = chunks[0].data;
  const width = h.readUInt32BE(0), height = h.readUInt32BE(4), bitDepth = h[8], colorType = h[9], interlace = h[12];
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!channels) throw new Error(`PNG: colour type ${colorType}`);
  if (interlace !== 0) throw new Error('PNG: interlaced images are not decoded here');
  if (!(bitDepth === 8 || bitDepth === 16) || (colorType === 3 && bitDepth !== 8)) throw new Error(`PNG: bit depth ${bitDepth} (colour type ${colorType}) is not decoded here`);
  const plte = chunks.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.find((c) => c.type === 'tRNS')?.data;
  const raw = zlib.inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const bpp = channels * (bitDepth / 8); // bytes per pixel
  const stride = width * bpp;
  if (raw.length < (stride + 1) * height) throw new Error(`PNG: ${raw.length} bytes of image data, want ${(stride + 1) * height}`);
  const cur = Buffer.alloc(stride);
  let prev = Buffer.alloc(stride);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      let p;
      switch (f) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: { const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c); p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
        default: throw new Error(`PNG: filter type ${f} on row ${y}`);
      }
      cur[i] = (line[i] + p) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const s = (k) => cur[x * bpp + k * (bitDepth / 8)]; // 16-bit: the high byte
      const o = (y * width + x) * 4;
      let r, g, bl, al = 255;
      if (colorType === 0 || colorType === 4) { r = g = bl = s(0); if (colorType === 4) al = s(1); else if (trns && bitDepth === 8 && trns.readUInt16BE(0) === r) al = 0; }
      else if (colorType === 2 || colorType === 6) { r = s(0); g = s(1); bl = s(2); if (colorType === 6) al = s(3); else if (trns && bitDepth === 8 && trns.readUInt16BE(0) === r && trns.readUInt16BE(2) === g && trns.readUInt16BE(4) === bl) al = 0; }
      else { const k = s(0); r = plte[k * 3]; g = plte[k * 3 + 1]; bl = plte[k * 3 + 2]; if (trns && k < trns.length) al = trns[k]; }
      rgba[o] = r; rgba[o + 1] = g; rgba[o + 2] = bl; rgba[o + 3] = al;
    }
    prev = Buffer.from(cur);
  }
  return { width, height, colorType, bitDepth, rgba, at: (x, y) => Array.from(rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)) };
}
