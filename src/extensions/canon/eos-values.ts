/**
 * EOS property values as they travel inside EOS_GetEvent records and in the
 * EOS_SetDevicePropValueEx dataset. EOS bodies do not describe their
 * properties with PTP datatypes: the value is just the bytes after the
 * property code, and what they mean depends on the property (facts from
 * libgphoto2's camlibs/ptp2, checked against the 60D and 5D Mark III logs):
 * - most properties: one UINT32 (small enumerations too: 4 bytes on the wire);
 * - names (Owner, Artist, Copyright, SerialNumber, LensName, ...): ASCII with
 *   a NUL terminator, sometimes in a fixed 64-byte field;
 * - image formats (ImageFormat, ImageFormatCF/SD/ExtHD): a UINT32 count, then
 *   per entry UINT32 entry size (0x10), type (1 JPEG, 6 RAW), image size and
 *   compression;
 * - others (custom functions, focus info, picture-style blobs...): layouts
 *   that vary by body, kept as bytes.
 */
import { ProtocolError } from '../../core/errors.js';
import { ByteReader } from '../../core/codec/reader.js';
import { ByteWriter } from '../../core/codec/writer.js';
import { struct, uint32, type Codec } from '../../core/codec/schema.js';
import { CanonDevicePropCode as Dp } from './codes.js';

/** One entry of an EOS image format (a format is one entry, or two for RAW+JPEG). */
export interface EosImageFormatEntry {
  /** 1 = JPEG, 6 = RAW (libgphoto2's reading). */
  readonly type: number;
  /** Image size: 0 = large, 1 = medium, 2 = small, ... (body dependent). */
  readonly size: number;
  /** JPEG compression: 2 = normal, 3 = fine (body dependent). */
  readonly compression: number;
}

/** An EOS property value: a number, a string, an image format, or bytes kept as they came. */
export type EosPropValue = number | string | readonly EosImageFormatEntry[] | Uint8Array;

/** Properties whose value is an ASCII string. */
export const EOS_STRING_PROPS: ReadonlySet<number> = new Set<number>([
  Dp.EOS_Owner, Dp.EOS_Artist, Dp.EOS_Copyright, Dp.EOS_SerialNumber, Dp.EOS_LensName, Dp.EOS_CameraNickname,
]);

/** Properties whose value is an image format. */
export const EOS_IMAGE_FORMAT_PROPS: ReadonlySet<number> = new Set<number>([
  Dp.EOS_ImageFormat, Dp.EOS_ImageFormatCF, Dp.EOS_ImageFormatSD, Dp.EOS_ImageFormatExtHD,
]);

/** Properties whose UINT32 is read as signed (white balance shifts). */
export const EOS_SIGNED_PROPS: ReadonlySet<number> = new Set<number>([Dp.EOS_WhiteBalanceAdjustA, Dp.EOS_WhiteBalanceAdjustB]);

const IMAGE_FORMAT_ENTRY_SIZE = 0x10;

/** Reads an image format; undefined if the bytes are not exactly one. */
function readImageFormat(r: ByteReader, field: string): EosImageFormatEntry[] | undefined {
  if (r.remaining < 4) return undefined;
  const count = r.u32(field);
  if (count > r.remaining / IMAGE_FORMAT_ENTRY_SIZE) return undefined;
  const entries: EosImageFormatEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (r.remaining < IMAGE_FORMAT_ENTRY_SIZE || r.u32(field) !== IMAGE_FORMAT_ENTRY_SIZE) return undefined;
    entries.push({ type: r.u32(field), size: r.u32(field), compression: r.u32(field) });
  }
  return entries;
}

function writeImageFormat(w: ByteWriter, entries: readonly EosImageFormatEntry[], field: string): void {
  w.u32(entries.length, field);
  for (const e of entries) w.u32(IMAGE_FORMAT_ENTRY_SIZE, field).u32(e.type, field).u32(e.size, field).u32(e.compression, field);
}

/** ASCII up to the first NUL (or the end); bytes above 0x7F are read as Latin-1. */
export function readAsciiz(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0) break;
    out += String.fromCharCode(b);
  }
  return out;
}

function writeAsciiz(w: ByteWriter, value: string, field: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c > 0xff) throw new ProtocolError(`character U+${c.toString(16).padStart(4, '0')} cannot be sent in an EOS string`, { field });
    w.u8(c, field);
  }
  w.u8(0, field);
}

/**
 * Reads the value bytes of `property`: a string for name properties, image
 * format entries for image-format properties, a number when there are exactly
 * 4 bytes, else the bytes themselves (a view into `bytes`).
 */
export function readEosPropValue(property: number, bytes: Uint8Array): EosPropValue {
  if (EOS_STRING_PROPS.has(property)) return readAsciiz(bytes);
  if (EOS_IMAGE_FORMAT_PROPS.has(property)) {
    const r = new ByteReader(bytes);
    const format = readImageFormat(r, 'EosImageFormat');
    if (format !== undefined && r.remaining === 0) return format;
    return bytes;
  }
  if (bytes.length === 4) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
    return EOS_SIGNED_PROPS.has(property) ? view.getInt32(0, true) : view.getUint32(0, true);
  }
  return bytes;
}

/** Writes a value the way {@link readEosPropValue} reads it back. */
export function writeEosPropValue(w: ByteWriter, property: number, value: EosPropValue, field: string): void {
  if (typeof value === 'number') {
    if (value < 0) w.i32(value, field);
    else w.u32(value, field);
  } else if (typeof value === 'string') {
    writeAsciiz(w, value, field);
  } else if (value instanceof Uint8Array) {
    w.bytes(value);
  } else if (EOS_IMAGE_FORMAT_PROPS.has(property) || value.length > 0) {
    writeImageFormat(w, value, field);
  } else {
    throw new ProtocolError(`property 0x${property.toString(16)} takes no image format`, { field });
  }
}

/** The encoded bytes of one value. */
export function encodeEosPropValue(property: number, value: EosPropValue): Uint8Array {
  const w = new ByteWriter(16);
  writeEosPropValue(w, property, value, 'EosPropValue');
  return w.finish();
}

/** The value codec of one property (the rest of the record), for struct declarations via `dependent`. */
export function eosPropValueCodec(property: number): Codec<EosPropValue> {
  return {
    typeName: 'EosPropValue',
    minSize: 0,
    read: (r, field) => readEosPropValue(property, r.bytesView(r.remaining, field)),
    write: (w, value, field) => writeEosPropValue(w, property, value, field),
  };
}

/** Image format entries of a whole list of formats (an AvailListChanged of an image-format property). */
export function readImageFormatList(bytes: Uint8Array, count: number): EosImageFormatEntry[][] | undefined {
  const r = new ByteReader(bytes);
  const out: EosImageFormatEntry[][] = [];
  for (let i = 0; i < count; i++) {
    const format = readImageFormat(r, 'EosImageFormat');
    if (format === undefined) return undefined;
    out.push(format);
  }
  return r.remaining === 0 ? out : undefined;
}

/** Writes a list of image formats. */
export function writeImageFormatList(w: ByteWriter, formats: readonly (readonly EosImageFormatEntry[])[], field: string): void {
  for (const f of formats) writeImageFormat(w, f, field);
}

// ---------------------------------------------------------------------------
// EOS_SetDevicePropValueEx data phase: UINT32 total size (this field included),
// UINT32 property code, then the value bytes.

const setHeader = struct('EOS_SetDevicePropValueEx', { size: uint32, property: uint32 });

/** A decoded EOS_SetDevicePropValueEx dataset. */
export interface EosPropSet {
  readonly property: number;
  readonly value: EosPropValue;
  /** The value bytes as sent. */
  readonly data: Uint8Array;
}

/** Encodes the data phase of EOS_SetDevicePropValueEx. */
export function encodeEosPropSet(property: number, value: EosPropValue): Uint8Array {
  const w = new ByteWriter(32);
  w.u32(0, 'EOS_SetDevicePropValueEx.size').u32(property, 'EOS_SetDevicePropValueEx.property');
  writeEosPropValue(w, property, value, 'EOS_SetDevicePropValueEx.value');
  w.patchU32(0, w.length);
  return w.finish();
}

/** Decodes the data phase of EOS_SetDevicePropValueEx; the size field must match the data. */
export function decodeEosPropSet(bytes: Uint8Array): EosPropSet {
  const r = new ByteReader(bytes);
  const { size, property } = setHeader.read(r, 'EOS_SetDevicePropValueEx');
  if (size !== bytes.length) {
    throw new ProtocolError(`size field says ${size} byte(s), the data has ${bytes.length}`, { field: 'EOS_SetDevicePropValueEx.size', offset: 0 });
  }
  const data = r.bytesView(r.remaining, 'EOS_SetDevicePropValueEx.value');
  return { property, value: readEosPropValue(property, data), data };
}
