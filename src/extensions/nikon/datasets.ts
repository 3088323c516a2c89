/**
 * Nikon datasets: the GetEvent (0x90C7, "CheckEvent") event list, the
 * GetVendorPropCodes (0x90CA) reply, and the JPEG inside a GetLiveViewImg
 * (0x9203) reply. Layouts as libgphoto2's camlibs/ptp2 reads them.
 */
import { ByteReader } from '../../core/codec/reader.js';
import { array, struct, uint16, uint32, type Codec, type Infer } from '../../core/codec/schema.js';
import { ByteWriter } from '../../core/codec/writer.js';
import { ProtocolError } from '../../core/errors.js';

/** One entry of Nikon's event list: a 16-bit event code and one 32-bit parameter (6 bytes on the wire). */
export const NikonEventEntryCodec = struct('NikonEvent', {
  code: uint16,
  param: uint32,
});
/** One raw entry of the GetEvent list. */
export type NikonEventEntry = Infer<typeof NikonEventEntryCodec>;

/**
 * A list with a UINT16 element count (Nikon's event list), where PTP arrays
 * have a UINT32 one. The count is checked against the bytes left before
 * anything is allocated.
 */
function array16<T>(element: Codec<T>, typeName: string): Codec<T[]> {
  const size = Math.max(1, element.fixedSize ?? element.minSize ?? 1);
  return {
    typeName,
    minSize: 2,
    read(r, field) {
      const count = r.u16(field);
      r.needElements(count, size, field);
      const out = new Array<T>(count);
      for (let i = 0; i < count; i++) out[i] = element.read(r, `${field}[${i}]`);
      return out;
    },
    write(w, value, field) {
      if (value.length > 0xffff) throw new ProtocolError(`${value.length} entries do not fit a UINT16 count`, { field });
      w.u16(value.length, field);
      for (const v of value) element.write(w, v, field);
    },
  };
}

/**
 * GetEvent (0x90C7) reply: UINT16 count, then `count` entries of { UINT16
 * code, UINT32 parameter }. (libgphoto2 quietly drops a list whose count
 * overruns the data; here it is a ProtocolError naming the field.)
 */
export const NikonEventListCodec = array16(NikonEventEntryCodec, 'NikonEventList');

/** Decodes a GetEvent reply. Trailing bytes after the last entry are ignored. */
export function decodeNikonEvents(bytes: Uint8Array): NikonEventEntry[] {
  return NikonEventListCodec.read(new ByteReader(bytes), 'NikonEventList');
}

/** Encodes a GetEvent reply. */
export function encodeNikonEvents(events: readonly NikonEventEntry[]): Uint8Array {
  const w = new ByteWriter(2 + events.length * 6);
  NikonEventListCodec.write(w, [...events], 'NikonEventList');
  return w.finish();
}

const auint16 = array(uint16);

/** Decodes the GetVendorPropCodes (0x90CA) reply: an AUINT16 of property codes. */
export function decodeVendorPropCodes(bytes: Uint8Array): number[] {
  return auint16.read(new ByteReader(bytes), 'VendorPropCodes');
}

/** Encodes a GetVendorPropCodes reply. */
export function encodeVendorPropCodes(codes: readonly number[]): Uint8Array {
  const w = new ByteWriter(4 + codes.length * 2);
  auint16.write(w, [...codes], 'VendorPropCodes');
  return w.finish();
}

/** A GetLiveViewImg reply split into Nikon's header and the JPEG frame. */
export interface NikonLiveViewFrame {
  /** The bytes before the JPEG: Nikon's live view information (layout and size depend on the body). */
  readonly header: Uint8Array;
  /** The JPEG, from its SOI marker (ff d8) through its EOI marker (ff d9) when present, else to the end. */
  readonly jpeg: Uint8Array;
}

/**
 * Splits a GetLiveViewImg (0x9203) reply. Nikon puts a header of live view
 * information before the JPEG, and its size differs from body to body
 * (libgphoto2 mentions a 128-byte one and does not rely on any size: it
 * searches for the JPEG start marker). So does this: the JPEG starts at the
 * first `ff d8` that is followed by another marker (`ff`), which a header
 * field that happens to hold `ff d8` rarely is; it ends at its EOI marker
 * (`ff d9`), found by walking the marker segments and then the entropy-coded
 * data, so bytes that trail the JPEG are left out. A reply without SOI is a ProtocolError.
 */
export function splitLiveViewImage(bytes: Uint8Array): NikonLiveViewFrame {
  let soi = -1;
  for (let i = bytes.indexOf(0xff); i >= 0 && i + 2 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    if (bytes[i + 1] === 0xd8 && bytes[i + 2] === 0xff) {
      soi = i;
      break;
    }
  }
  if (soi < 0) throw new ProtocolError('no JPEG start (ff d8) in the live view image', { field: 'LiveViewImage' });
  return { header: bytes.subarray(0, soi), jpeg: bytes.subarray(soi, jpegEnd(bytes, soi)) };
}

/**
 * Where the JPEG starting at `soi` ends: marker segments are skipped by their
 * lengths up to SOS, then the entropy-coded data is scanned for EOI (every
 * `ff` in it is followed by `00` or a restart marker). The end of `bytes` when
 * the JPEG is cut short.
 */
function jpegEnd(bytes: Uint8Array, soi: number): number {
  let i = soi + 2;
  while (i + 3 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1]!;
    if (marker === 0xd9) return i + 2;
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    i += 2 + length;
    if (marker === 0xda) break;
  }
  for (i = bytes.indexOf(0xff, i); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    if (bytes[i + 1] === 0xd9) return i + 2;
  }
  return bytes.length;
}
