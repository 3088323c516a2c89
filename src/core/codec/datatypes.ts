/**
 * PTP datatype codes (ISO 15740 §5.3) and the codec for a value whose type is
 * only known at run time (property values, MTP object property values).
 */
import { ProtocolError } from '../errors.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';
import {
  array,
  int128,
  int16,
  int32,
  int64,
  int8,
  ptpString,
  uint128,
  uint16,
  uint32,
  uint64,
  uint8,
  type Codec,
} from './schema.js';

/** Datatype codes. Arrays are the scalar code with 0x4000 set. */
export const DataType = {
  UNDEF: 0x0000,
  INT8: 0x0001,
  UINT8: 0x0002,
  INT16: 0x0003,
  UINT16: 0x0004,
  INT32: 0x0005,
  UINT32: 0x0006,
  INT64: 0x0007,
  UINT64: 0x0008,
  INT128: 0x0009,
  UINT128: 0x000a,
  AINT8: 0x4001,
  AUINT8: 0x4002,
  AINT16: 0x4003,
  AUINT16: 0x4004,
  AINT32: 0x4005,
  AUINT32: 0x4006,
  AINT64: 0x4007,
  AUINT64: 0x4008,
  AINT128: 0x4009,
  AUINT128: 0x400a,
  STR: 0xffff,
} as const;
export type DataTypeName = keyof typeof DataType;
export type DataTypeCode = (typeof DataType)[DataTypeName];

/**
 * A decoded value of some datatype: `number` up to 32 bits, `bigint` for 64 and
 * 128 bits, arrays of those, `string` for STR, and `null` for UNDEF (no bytes).
 */
export type PtpValue = number | bigint | string | number[] | bigint[] | null;

const scalarCodecs: ReadonlyMap<number, Codec<number> | Codec<bigint>> = new Map<number, Codec<number> | Codec<bigint>>([
  [DataType.INT8, int8],
  [DataType.UINT8, uint8],
  [DataType.INT16, int16],
  [DataType.UINT16, uint16],
  [DataType.INT32, int32],
  [DataType.UINT32, uint32],
  [DataType.INT64, int64],
  [DataType.UINT64, uint64],
  [DataType.INT128, int128],
  [DataType.UINT128, uint128],
]);

const nullCodec: Codec<null> = {
  typeName: 'UNDEF',
  fixedSize: 0,
  read: () => null,
  write: () => undefined,
};

const byCode = new Map<number, Codec<PtpValue>>();
byCode.set(DataType.UNDEF, nullCodec as Codec<PtpValue>);
byCode.set(DataType.STR, ptpString as Codec<PtpValue>);
for (const [code, codec] of scalarCodecs) {
  byCode.set(code, checked(codec, code));
  byCode.set(code | 0x4000, checked(array(codec as Codec<number | bigint>), code | 0x4000));
}

/** Wraps a codec so that a value of the wrong JS type is a clear error, not a TypeError. */
function checked(codec: Codec<number> | Codec<bigint> | Codec<(number | bigint)[]>, code: number): Codec<PtpValue> {
  const wantBig = (code & 0xff) >= DataType.INT64;
  const isArray = (code & 0x4000) !== 0;
  return {
    typeName: codec.typeName,
    ...(codec.fixedSize !== undefined ? { fixedSize: codec.fixedSize } : {}),
    read: (r, f) => codec.read(r, f) as PtpValue,
    write(w, v, f) {
      const items: readonly unknown[] = isArray ? (Array.isArray(v) ? v : [v]) : [v];
      if (isArray && !Array.isArray(v)) {
        throw new ProtocolError(`expected an array for ${codec.typeName}`, { field: f });
      }
      for (const item of items) {
        if (typeof item !== (wantBig ? 'bigint' : 'number')) {
          throw new ProtocolError(`expected ${wantBig ? 'a bigint' : 'a number'} for ${codec.typeName}`, { field: f });
        }
      }
      (codec as Codec<unknown>).write(w, v, f);
    },
  };
}

/** The codec for values of datatype `code`; unknown datatypes are a {@link ProtocolError}. */
export function codecForDataType(code: number, field = 'dataType'): Codec<PtpValue> {
  const c = byCode.get(code);
  if (c === undefined) {
    throw new ProtocolError(`unknown datatype 0x${code.toString(16).padStart(4, '0')}`, { field });
  }
  return c;
}

/** Name of a datatype code, e.g. `AUINT16`. */
export function dataTypeName(code: number): string {
  return NAMES.get(code) ?? `0x${code.toString(16).padStart(4, '0')}`;
}

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(DataType).map(([name, code]) => [code, name]));

/** Reads a value of datatype `code`. */
export function readValue(r: ByteReader, code: number, field: string): PtpValue {
  return codecForDataType(code, field).read(r, field);
}

/** Writes a value of datatype `code`, checking it fits. */
export function writeValue(w: ByteWriter, code: number, value: PtpValue, field: string): void {
  const codec = codecForDataType(code, field);
  if (code === DataType.STR && typeof value !== 'string') {
    throw new ProtocolError('expected a string for STR', { field });
  }
  if (code === DataType.UNDEF && value !== null) {
    throw new ProtocolError('UNDEF carries no value; pass null', { field });
  }
  codec.write(w, value, field);
}

/** Encodes one value of datatype `code` (the data phase of SetDevicePropValue). */
export function encodeValue(code: number, value: PtpValue): Uint8Array {
  const w = new ByteWriter(16);
  writeValue(w, code, value, dataTypeName(code));
  return w.finish();
}

/** Decodes one value of datatype `code` (the data phase of GetDevicePropValue). */
export function decodeValue(code: number, bytes: Uint8Array): PtpValue {
  return readValue(new ByteReader(bytes), code, dataTypeName(code));
}
