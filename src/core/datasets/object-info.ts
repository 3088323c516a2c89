import { ptpString, struct, uint16, uint32, type Infer } from '../codec/schema.js';

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
