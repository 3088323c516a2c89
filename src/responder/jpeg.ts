/**
 * A tiny baseline JPEG encoder for the virtual camera's captures and thumbnails:
 * each 8x8 block is one flat colour (DC coefficients only), which keeps the
 * encoder short while producing files every decoder accepts.
 */

/** Pixel colour of a block, from its position. */
export type BlockColour = (bx: number, by: number, blocksWide: number, blocksHigh: number) => readonly [number, number, number];

// ITU T.81 Annex K.3 luminance DC table: code counts per length 1..16, then symbols.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
// AC table with a single symbol, EOB (0x00), coded as one bit.
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALUES = [0];

function canonicalCodes(bits: readonly number[], values: readonly number[]): Map<number, { code: number; length: number }> {
  const out = new Map<number, { code: number; length: number }>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < (bits[len - 1] ?? 0); i++) out.set(values[k++]!, { code: code++, length: len });
    code <<= 1;
  }
  return out;
}

const DC_CODES = canonicalCodes(DC_BITS, DC_VALUES);
const EOB = canonicalCodes(AC_BITS, AC_VALUES).get(0)!;

class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.acc = 0;
    this.n = 0;
  }
  end(): void {
    if (this.n > 0) this.put((1 << (8 - this.n)) - 1, 8 - this.n); // pad with 1s
  }
}

function segment(marker: number, body: readonly number[]): number[] {
  const len = body.length + 2;
  return [0xff, marker, len >> 8, len & 0xff, ...body];
}

/** Encodes a `width` x `height` JPEG (multiples of 8 work best) with one colour per 8x8 block. */
export function encodeBlockJpeg(width: number, height: number, colour: BlockColour): Uint8Array {
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  const out: number[] = [0xff, 0xd8];
  out.push(...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])); // JFIF 1.01
  out.push(...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)])); // quant table 0, all ones
  out.push(
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]),
  );
  out.push(...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES]));
  out.push(...segment(0xc4, [0x10, ...AC_BITS, ...AC_VALUES]));
  out.push(...segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]));
  const bits = new BitWriter();
  const pred = [0, 0, 0];
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const [r, g, b] = colour(bx, by, bw, bh);
      const ycc = [
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
      ];
      for (let c = 0; c < 3; c++) {
        // DC of a flat block = 8 * (value - 128) with an all-ones quant table.
        const dc = Math.round(8 * (Math.min(255, Math.max(0, ycc[c]!)) - 128));
        const diff = dc - pred[c]!;
        pred[c] = dc;
        const magnitude = Math.abs(diff);
        const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
        const huff = DC_CODES.get(category)!;
        bits.put(huff.code, huff.length);
        if (category > 0) bits.put(diff >= 0 ? diff : diff + (1 << category) - 1, category);
        bits.put(EOB.code, EOB.length);
      }
    }
  }
  bits.end();
  out.push(...bits.bytes, 0xff, 0xd9);
  return Uint8Array.from(out);
}

/** A diagonal gradient, tinted by `seed` so successive captures differ. */
export function sampleJpeg(width: number, height: number, seed = 0): Uint8Array {
  return encodeBlockJpeg(width, height, (bx, by, bw, bh) => {
    const t = (bx / Math.max(1, bw - 1) + by / Math.max(1, bh - 1)) / 2;
    const tint = (seed * 47) % 256;
    return [Math.round(58 + t * 186), Math.round(110 + t * 101), Math.round((165 - t * 71 + tint) % 256)];
  });
}

/** Width and height from a JPEG's SOF marker, without decoding it; undefined if not found. */
export function jpegDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    const len = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[i + 5]! << 8) | bytes[i + 6]!, width: (bytes[i + 7]! << 8) | bytes[i + 8]! };
    }
    i += 2 + len;
  }
  return undefined;
}

/**
 * Puts `thumbnail` (a small JPEG) into an EXIF APP1 segment of `image`, as
 * cameras do, so a thumbnail can later be served straight from the file.
 */
export function withExifThumbnail(image: Uint8Array, thumbnail: Uint8Array): Uint8Array {
  // TIFF, little-endian: header, IFD0 with no entries pointing on to IFD1, which
  // holds JPEGInterchangeFormat (offset) and JPEGInterchangeFormatLength.
  const ifd1 = 8 + 2 + 4; // after the header and the empty IFD0
  const thumbAt = ifd1 + 2 + 2 * 12 + 4;
  const tiff = new Uint8Array(thumbAt + thumbnail.length);
  const v = new DataView(tiff.buffer);
  tiff.set([0x49, 0x49, 0x2a, 0x00]);
  v.setUint32(4, 8, true); // IFD0 offset
  v.setUint16(8, 0, true); // IFD0: no entries
  v.setUint32(10, ifd1, true); // next IFD: IFD1
  v.setUint16(ifd1, 2, true);
  const entry = (at: number, tag: number, value: number): void => {
    v.setUint16(at, tag, true);
    v.setUint16(at + 2, 4, true); // LONG
    v.setUint32(at + 4, 1, true);
    v.setUint32(at + 8, value, true);
  };
  entry(ifd1 + 2, 0x0201, thumbAt);
  entry(ifd1 + 14, 0x0202, thumbnail.length);
  v.setUint32(ifd1 + 26, 0, true); // no further IFD
  tiff.set(thumbnail, thumbAt);
  const app1Length = 2 + 6 + tiff.length;
  const out = new Uint8Array(image.length + 2 + app1Length);
  out.set(image.subarray(0, 2)); // SOI
  out.set([0xff, 0xe1, app1Length >> 8, app1Length & 0xff, 0x45, 0x78, 0x69, 0x66, 0, 0], 2);
  out.set(tiff, 12);
  out.set(image.subarray(2), 12 + tiff.length);
  return out;
}

/**
 * Where the EXIF thumbnail of a JPEG lies in the file, from its first bytes
 * (the APP1 segment comes first); undefined when there is none.
 */
export function exifThumbnail(head: Uint8Array): { offset: number; length: number } | undefined {
  if (head[0] !== 0xff || head[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= head.length && head[i] === 0xff) {
    const marker = head[i + 1]!;
    const len = (head[i + 2]! << 8) | head[i + 3]!;
    if (marker === 0xe1 && i + 10 <= head.length && String.fromCharCode(...head.subarray(i + 4, i + 8)) === 'Exif') {
      const tiff = i + 10;
      return readIfd1Thumb(head, tiff, Math.min(head.length, i + 2 + len));
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // image data: no APP1 before it
    i += 2 + len;
  }
  return undefined;
}

function readIfd1Thumb(b: Uint8Array, tiff: number, end: number): { offset: number; length: number } | undefined {
  if (tiff + 8 > end) return undefined;
  const little = b[tiff] === 0x49;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (at: number): number => v.getUint16(at, little);
  const u32 = (at: number): number => v.getUint32(at, little);
  const ifd0 = tiff + u32(tiff + 4);
  if (ifd0 + 2 > end) return undefined;
  const next = ifd0 + 2 + u16(ifd0) * 12;
  if (next + 4 > end) return undefined;
  const ifd1Offset = u32(next);
  if (ifd1Offset === 0) return undefined;
  const ifd1 = tiff + ifd1Offset;
  if (ifd1 + 2 > end) return undefined;
  let offset: number | undefined;
  let length: number | undefined;
  for (let k = 0, n = u16(ifd1); k < n; k++) {
    const e = ifd1 + 2 + k * 12;
    if (e + 12 > end) return undefined;
    const tag = u16(e);
    const value = u16(e + 2) === 3 ? u16(e + 8) : u32(e + 8);
    if (tag === 0x0201) offset = value;
    if (tag === 0x0202) length = value;
  }
  if (offset === undefined || length === undefined || length === 0) return undefined;
  return { offset: tiff + offset, length };
}
