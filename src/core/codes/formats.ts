/**
 * Standard object format codes (ISO 15740). 0x3000-0x37FF are non-image
 * ("ancillary") formats, 0x3800-0x3FFF image formats. Codes the standard marks
 * reserved (0x3806, 0x380C) are left out. Vendor and MTP formats
 * (0xB000-0xBFFF) come from extension tables.
 */
export const ObjectFormatCode = {
  /** Non-image object of unknown format; also what plain files are sent as. */
  Undefined: 0x3000,
  /** A folder-like grouping of objects; see {@link AssociationType}. */
  Association: 0x3001,
  Script: 0x3002,
  Executable: 0x3003,
  Text: 0x3004,
  HTML: 0x3005,
  DPOF: 0x3006,
  AIFF: 0x3007,
  WAV: 0x3008,
  MP3: 0x3009,
  AVI: 0x300a,
  MPEG: 0x300b,
  ASF: 0x300c,
  /**
   * QuickTime. Defined by the MTP specification in the standard range rather
   * than by ISO 15740; kept here because vendor layers may only name codes in
   * 0xB000-0xBFFF, so nothing else could name it.
   */
  QT: 0x300d,
  /** Image object of unknown format. */
  UndefinedImage: 0x3800,
  /** EXIF/JPEG: what virtually every camera stores its JPEGs as. */
  ExifJpeg: 0x3801,
  TiffEp: 0x3802,
  FlashPix: 0x3803,
  BMP: 0x3804,
  CIFF: 0x3805,
  GIF: 0x3807,
  JFIF: 0x3808,
  PCD: 0x3809,
  PICT: 0x380a,
  PNG: 0x380b,
  TIFF: 0x380d,
  TiffIt: 0x380e,
  JP2: 0x380f,
  JPX: 0x3810,
  /** Added by PTP 1.1. */
  DNG: 0x3811,
} as const;

/** Name of a standard object format, e.g. `'ExifJpeg'`. */
export type ObjectFormatCodeName = keyof typeof ObjectFormatCode;

/**
 * ObjectInfo AssociationType: what kind of grouping an `Association` object is.
 * Ordinary (non-association) objects carry `Undefined`.
 */
export const AssociationType = {
  Undefined: 0x0000,
  /** A plain folder; the only type most devices use. */
  GenericFolder: 0x0001,
  Album: 0x0002,
  TimeSequence: 0x0003,
  HorizontalPanoramic: 0x0004,
  VerticalPanoramic: 0x0005,
  /** The standard's "2DPanoramic" (identifiers cannot start with a digit). */
  Panoramic2D: 0x0006,
  AncillaryData: 0x0007,
} as const;

/** Name of an association type, e.g. `'GenericFolder'`. */
export type AssociationTypeName = keyof typeof AssociationType;

/** StorageInfo StorageType: whether the medium is removable and writable. */
export const StorageType = {
  Undefined: 0x0000,
  FixedROM: 0x0001,
  RemovableROM: 0x0002,
  FixedRAM: 0x0003,
  RemovableRAM: 0x0004,
} as const;

/** Name of a storage type, e.g. `'RemovableRAM'`. */
export type StorageTypeName = keyof typeof StorageType;

/** StorageInfo FilesystemType: how objects on a store are organised. */
export const FilesystemType = {
  Undefined: 0x0000,
  GenericFlat: 0x0001,
  GenericHierarchical: 0x0002,
  /** Design rule for Camera File system (DCIM/100XXXXX folders). */
  DCF: 0x0003,
} as const;

/** Name of a filesystem type, e.g. `'DCF'`. */
export type FilesystemTypeName = keyof typeof FilesystemType;

/** StorageInfo AccessCapability: what the initiator may do on a store. */
export const AccessCapability = {
  ReadWrite: 0x0000,
  ReadOnlyWithoutDeletion: 0x0001,
  /** Read-only, but objects may still be deleted. */
  ReadOnlyWithDeletion: 0x0002,
} as const;

/** Name of an access capability, e.g. `'ReadWrite'`. */
export type AccessCapabilityName = keyof typeof AccessCapability;

/**
 * ObjectInfo ProtectionStatus. The first two are ISO 15740; the 0x8000 ones
 * are MTP additions.
 */
export const ProtectionStatus = {
  NoProtection: 0x0000,
  /** Object cannot be modified or deleted, nor can its properties. */
  ReadOnly: 0x0001,
  /** MTP: object data is read-only but its properties may change. */
  ReadOnlyData: 0x8002,
  /** MTP: object data may not be transferred off the device. */
  NonTransferableData: 0x8003,
} as const;

/** Name of a protection status, e.g. `'ReadOnly'`. */
export type ProtectionStatusName = keyof typeof ProtectionStatus;

/** Object formats by file-name extension, for uploads and for serving folders. */
const FORMAT_BY_EXTENSION: Readonly<Record<string, number>> = {
  '.jpg': ObjectFormatCode.ExifJpeg,
  '.jpeg': ObjectFormatCode.ExifJpeg,
  '.jpe': ObjectFormatCode.ExifJpeg,
  '.tif': ObjectFormatCode.TIFF,
  '.tiff': ObjectFormatCode.TIFF,
  '.png': ObjectFormatCode.PNG,
  '.gif': ObjectFormatCode.GIF,
  '.bmp': ObjectFormatCode.BMP,
  '.dng': ObjectFormatCode.DNG,
  '.jp2': ObjectFormatCode.JP2,
  '.txt': ObjectFormatCode.Text,
  '.htm': ObjectFormatCode.HTML,
  '.html': ObjectFormatCode.HTML,
  '.wav': ObjectFormatCode.WAV,
  '.mp3': ObjectFormatCode.MP3,
  '.avi': ObjectFormatCode.AVI,
  '.mpg': ObjectFormatCode.MPEG,
  '.mpeg': ObjectFormatCode.MPEG,
  '.asf': ObjectFormatCode.ASF,
  '.mov': ObjectFormatCode.QT,
  '.aif': ObjectFormatCode.AIFF,
  '.aiff': ObjectFormatCode.AIFF,
  '.mrk': ObjectFormatCode.DPOF,
};


/** The standard object format for a file name by its extension (`Undefined` when unknown). */
export function formatForFilename(name: string): number {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? ObjectFormatCode.Undefined : (FORMAT_BY_EXTENSION[name.slice(dot).toLowerCase()] ?? ObjectFormatCode.Undefined);
}
