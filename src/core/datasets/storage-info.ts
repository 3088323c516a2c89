import { ptpString, struct, uint16, uint32, uint64, type Infer } from '../codec/schema.js';

/** StorageInfo dataset (ISO 15740 §5.5.3). Capacities are 64-bit, hence `bigint`. */
export const StorageInfoCodec = struct(
  'StorageInfo',
  {
    storageType: uint16,
    filesystemType: uint16,
    accessCapability: uint16,
    maxCapacity: uint64,
    freeSpaceInBytes: uint64,
    /** 0xFFFFFFFF when the device does not count images. */
    freeSpaceInImages: uint32,
    storageDescription: ptpString,
    volumeLabel: ptpString,
  },
  { optionalTail: { storageDescription: '', volumeLabel: '' } },
);

/** Decoded StorageInfo. */
export type StorageInfo = Infer<typeof StorageInfoCodec>;

/** Decodes a StorageInfo dataset (the data phase of GetStorageInfo). */
export const decodeStorageInfo = (bytes: Uint8Array): StorageInfo => StorageInfoCodec.decode(bytes);
/** Encodes a StorageInfo dataset. */
export const encodeStorageInfo = (info: StorageInfo): Uint8Array => StorageInfoCodec.encode(info);
