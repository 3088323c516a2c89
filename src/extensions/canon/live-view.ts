/**
 * The EOS_GetViewFinderData (0x9153) data phase: a chain of records, each
 * `UINT32 size` (header included), `UINT32 type`, then the payload. The live
 * view frame is a JPEG in a record of type 1 (9 and 11 on some bodies, which
 * libgphoto2 treats the same); other records carry overlay and focus data.
 * Unlike EOS_GetEvent there is no terminator: the records fill the data.
 */
import { ProtocolError } from '../../core/errors.js';
import { ByteReader } from '../../core/codec/reader.js';
import { struct, uint32 } from '../../core/codec/schema.js';
import { ByteWriter } from '../../core/codec/writer.js';

/** Record types that hold the JPEG frame. */
export const EOS_VIEWFINDER_JPEG_TYPES: readonly number[] = [1, 9, 11];

/** One record of a viewfinder data phase. */
export interface EosViewFinderRecord {
  readonly type: number;
  /** Payload bytes (a view into the data). */
  readonly payload: Uint8Array;
}

const Header = struct('EosViewFinderRecord', { size: uint32, type: uint32 });

/** Splits a viewfinder data phase into its records. */
export function decodeViewFinderRecords(bytes: Uint8Array): EosViewFinderRecord[] {
  const r = new ByteReader(bytes);
  const out: EosViewFinderRecord[] = [];
  while (r.remaining > 0) {
    const at = r.offset;
    const { size, type } = Header.read(r, 'EosViewFinderRecord');
    if (size < 8) throw new ProtocolError(`record size ${size} is below 8`, { field: 'EosViewFinderRecord.size', offset: at });
    if (size > bytes.length - at) {
      throw new ProtocolError(`record size ${size} runs past the end of the data (${bytes.length - at} byte(s) left)`, { field: 'EosViewFinderRecord.size', offset: at });
    }
    out.push({ type, payload: bytes.subarray(at + 8, at + size) });
    r.offset = at + size;
  }
  return out;
}

/** Joins records into a viewfinder data phase. */
export function encodeViewFinderRecords(records: readonly EosViewFinderRecord[]): Uint8Array {
  const w = new ByteWriter(records.reduce((n, rec) => n + 8 + rec.payload.length, 0));
  for (const rec of records) {
    w.u32(8 + rec.payload.length, 'EosViewFinderRecord.size').u32(rec.type, 'EosViewFinderRecord.type').bytes(rec.payload);
  }
  return w.finish();
}

/** The JPEG frame of a viewfinder data phase (a view into it). */
export function viewFinderJpeg(bytes: Uint8Array): Uint8Array {
  const records = decodeViewFinderRecords(bytes);
  const isJpeg = (p: Uint8Array): boolean => p.length >= 2 && p[0] === 0xff && p[1] === 0xd8;
  const frame = records.find((rec) => EOS_VIEWFINDER_JPEG_TYPES.includes(rec.type) && isJpeg(rec.payload)) ??
    records.find((rec) => isJpeg(rec.payload));
  if (frame === undefined) throw new ProtocolError('no JPEG record in the viewfinder data', { field: 'EosViewFinderRecord' });
  return frame.payload;
}
