import { ptpString, struct, uint16, uint32, type Infer } from '../codec/schema.js';
import { formatForFilename } from '../codes/formats.js';

/**
 * ObjectInfo dataset (ISO 15740 §5.5.2). Dates stay the device's DateTime
 * strings (see `parsePtpDateTime`) so re-encoding is exact.
 */
export const ObjectInfoCodec = struct(
  'ObjectInfo',
  {
    storageId: uint32,
    objectFormat: uint16,
    protectionStatus: uint16,
    /** Size in bytes; 0xFFFFFFFF means 4 GiB or more (ask MTP ObjectSize or GetPartialObject). */
    objectCompressedSize: uint32,
    thumbFormat: uint16,
    thumbCompressedSize: uint32,
    thumbPixWidth: uint32,
    thumbPixHeight: uint32,
    imagePixWidth: uint32,
    imagePixHeight: uint32,
    imageBitDepth: uint32,
    parentObject: uint32,
    associationType: uint16,
    associationDesc: uint32,
    sequenceNumber: uint32,
    filename: ptpString,
    captureDate: ptpString,
    modificationDate: ptpString,
    keywords: ptpString,
  },
  { optionalTail: { captureDate: '', modificationDate: '', keywords: '' } },
);

/** Decoded ObjectInfo. */
export type ObjectInfo = Infer<typeof ObjectInfoCodec>;

/** Decodes an ObjectInfo dataset (the data phase of GetObjectInfo / SendObjectInfo). */
export const decodeObjectInfo = (bytes: Uint8Array): ObjectInfo => ObjectInfoCodec.decode(bytes);
/** Encodes an ObjectInfo dataset. */
export const encodeObjectInfo = (info: ObjectInfo): Uint8Array => ObjectInfoCodec.encode(info);

/** What {@link objectInfoFor} needs; everything else gets the value an upload normally carries. */
export interface ObjectInfoInit extends Partial<ObjectInfo> {
  readonly filename: string;
  /** Size in bytes (sizes of 4 GiB or more are written as 0xFFFFFFFF, as PTP requires). */
  readonly size: number | bigint;
}

/**
 * An ObjectInfo for SendObjectInfo from a name and a size: the format comes
 * from the file extension, dates are left to the device.
 * @example
 * await camera.sendObjectInfo(objectInfoFor({ filename: 'notes.txt', size: 5 }));
 */
export function objectInfoFor(init: ObjectInfoInit): ObjectInfo {
  const { size, ...rest } = init;
  const big = BigInt(size);
  return {
    storageId: 0,
    objectFormat: formatForFilename(init.filename),
    protectionStatus: 0,
    objectCompressedSize: big >= 0xffffffffn ? 0xffffffff : Number(big),
    thumbFormat: 0,
    thumbCompressedSize: 0,
    thumbPixWidth: 0,
    thumbPixHeight: 0,
    imagePixWidth: 0,
    imagePixHeight: 0,
    imageBitDepth: 0,
    parentObject: 0,
    associationType: 0,
    associationDesc: 0,
    sequenceNumber: 0,
    captureDate: '',
    modificationDate: '',
    keywords: '',
    ...rest,
  };
}
