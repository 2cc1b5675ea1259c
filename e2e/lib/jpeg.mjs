// What the renditions tests read in a JPEG, without an image package: its segments (markers and
// payloads up to the start of scan), its size from the SOF, the EXIF Orientation in IFD0 (either
// byte order), its ICC profile, and what follows its end of image (phones append previews there).

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/** A JPEG's marker segments before the scan: [{ marker, offset, payload }]; throws if it is not a JPEG. */
export function jpegSegments(buf) {
  if (!(buf.length >= 4 && buf[0] === 0xff && buf[1] === SOI)) throw new Error(`not a JPEG (starts ${buf.subarray(0, 4).toString('hex')})`);
  const out = [];
  let i = 2;
  while (i < buf.length) {
    if (buf[i] !== 0xff) throw new Error(`JPEG: no marker at offset ${i} (0x${buf[i].toString(16)})`);
    while (buf[i] === 0xff) i++; // fill bytes
    const marker = buf[i++];
    if (marker === EOI) { out.push({ marker, offset: i - 2, payload: Buffer.alloc(0) }); break; }
    if (marker >= 0xd0 && marker <= 0xd7) continue; // RSTn: no length
    if (i + 2 > buf.length) throw new Error(`JPEG: truncated segment 0x${marker.toString(16)} at ${i - 2}`);
    const len = buf.readUInt16BE(i);
    if (len < 2 || i + len > buf.length) throw new Error(`JPEG: bad length ${len} of segment 0x${marker.toString(16)} at ${i - 2}`);
    out.push({ marker, offset: i - 2, payload: buf.subarray(i + 2, i + len) });
    i += len;
    if (marker === SOS) break; // entropy-coded data follows
  }
  return out;
}

/** The frame size from the first SOFn (C0–CF except C4 DHT, C8 JPG, CC DAC). */
export function jpegSize(buf) {
  for (const s of jpegSegments(buf)) {
    const m = s.marker;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { width: s.payload.readUInt16BE(3), height: s.payload.readUInt16BE(1), sof: m };
    }
  }
  throw new Error('JPEG: no SOF segment before the scan');
}

/** The TIFF structure of the first Exif APP1 ("Exif\0\0" + TIFF header), or null. */
export function exifTIFF(buf) {
  const app1 = jpegSegments(buf).find((s) => s.marker === 0xe1 && s.payload.subarray(0, 6).toString('latin1') === 'Exif\0\0');
  return app1 ? app1.payload.subarray(6) : null;
}

/**
 * EXIF IFD0 tag 0x0112 (Orientation), read in the TIFF's own byte order ("II" little, "MM" big);
 * null when there is no Exif APP1 or no such tag.
 */
export function exifOrientation(buf) {
  const t = exifTIFF(buf);
  if (!t) return null;
  const order = t.subarray(0, 2).toString('latin1');
  if (order !== 'II' && order !== 'MM') throw new Error(`EXIF: bad byte order ${JSON.stringify(order)}`);
  const le = order === 'II';
  const u16 = (o) => (le ? t.readUInt16LE(o) : t.readUInt16BE(o));
  const u32 = (o) => (le ? t.readUInt32LE(o) : t.readUInt32BE(o));
  if (u16(2) !== 42) throw new Error(`EXIF: TIFF magic ${u16(2)}, want 42`);
  const ifd0 = u32(4);
  if (ifd0 + 2 > t.length) throw new Error(`EXIF: IFD0 offset ${ifd0} past the end (${t.length})`);
  const n = u16(ifd0);
  for (let k = 0; k < n; k++) {
    const e = ifd0 + 2 + k * 12;
    if (e + 12 > t.length) throw new Error(`EXIF: IFD0 entry ${k} past the end`);
    if (u16(e) !== 0x0112) continue;
    const type = u16(e + 2);
    if (type !== 3) throw new Error(`EXIF: Orientation has type ${type}, want SHORT (3)`);
    return u16(e + 8); // a single SHORT sits in the first two bytes of the value field
  }
  return null;
}

/** The ICC profile carried in APP2 "ICC_PROFILE\0" chunks, reassembled in sequence order; null when none. */
export function iccProfile(buf) {
  const parts = jpegSegments(buf)
    .filter((s) => s.marker === 0xe2 && s.payload.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0')
    .map((s) => ({ seq: s.payload[12], data: s.payload.subarray(14) }))
    .sort((a, b) => a.seq - b.seq);
  return parts.length ? Buffer.concat(parts.map((p) => p.data)) : null;
}

/** Bytes after the first EOI that ends the main image (an appended preview, for instance). */
export function trailingBytes(buf) {
  // The entropy-coded data cannot hold 0xFFD9 (0xFF is stuffed as 0xFF00), so the first EOI after
  // the last SOS ends the image.
  const segs = jpegSegments(buf);
  const sos = segs.findLast((s) => s.marker === SOS);
  if (!sos) return Buffer.alloc(0);
  let i = sos.offset + 2 + sos.payload.length + 2;
  for (;;) {
    i = buf.indexOf(0xff, i);
    if (i < 0 || i + 1 >= buf.length) throw new Error('JPEG: no EOI');
    const m = buf[i + 1];
    if (m === EOI) return buf.subarray(i + 2);
    if (m === 0xff) i += 1; // fill byte
    else if (m === 0x00 || (m >= 0xd0 && m <= 0xd7)) i += 2; // stuffed 0xFF, RSTn
    else i += 2 + buf.readUInt16BE(i + 2); // a segment between scans (progressive: DHT, SOS, …)
  }
}

/** Names of the segments a JPEG carries before its scan, for messages ("APP0 JFIF, DQT, SOF0, …"). */
export function describeSegments(buf) {
  return jpegSegments(buf).map((s) => {
    const m = s.marker;
    if (m >= 0xe0 && m <= 0xef) {
      const id = s.payload.subarray(0, 12).toString('latin1').replace(/\0.*$/s, '');
      return `APP${m - 0xe0}${id ? ` ${JSON.stringify(id)}` : ''}`;
    }
    return { 0xdb: 'DQT', 0xc4: 'DHT', 0xda: 'SOS', 0xdd: 'DRI', 0xfe: 'COM', 0xd9: 'EOI' }[m] ?? (m >= 0xc0 && m <= 0xcf ? `SOF${m - 0xc0}` : `0x${m.toString(16)}`);
  }).join(', ');
}
