import { ByteReader } from '../codec/reader.js';
import { array, uint32 } from '../codec/schema.js';
import { ByteWriter } from '../codec/writer.js';

const auint32 = array(uint32);

function decodeIds(bytes: Uint8Array, field: string): number[] {
  return auint32.read(new ByteReader(bytes), field);
}
function encodeIds(ids: readonly number[], field: string): Uint8Array {
  const w = new ByteWriter(4 + ids.length * 4);
  auint32.write(w, [...ids], field);
  return w.finish();
}

/** Decodes the StorageIDs array (data phase of GetStorageIDs). */
export const decodeStorageIds = (bytes: Uint8Array): number[] => decodeIds(bytes, 'StorageIDs');
/** Encodes a StorageIDs array. */
export const encodeStorageIds = (ids: readonly number[]): Uint8Array => encodeIds(ids, 'StorageIDs');
/** Decodes the ObjectHandles array (data phase of GetObjectHandles). */
export const decodeObjectHandles = (bytes: Uint8Array): number[] => decodeIds(bytes, 'ObjectHandles');
/** Encodes an ObjectHandles array. */
export const encodeObjectHandles = (handles: readonly number[]): Uint8Array => encodeIds(handles, 'ObjectHandles');
