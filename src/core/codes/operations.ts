/**
 * Standard PTP operation codes (ISO 15740; PTP 1.0 plus the PTP 1.1 additions).
 *
 * Vendor operations live in 0x9000-0x9FFF and are supplied by extensions as
 * separate tables; this table only holds codes the standard itself defines.
 */
export const OperationCode = {
  /** Reserved by the standard; never sent by a conforming initiator. */
  Undefined: 0x1000,
  GetDeviceInfo: 0x1001,
  OpenSession: 0x1002,
  CloseSession: 0x1003,
  GetStorageIDs: 0x1004,
  GetStorageInfo: 0x1005,
  GetNumObjects: 0x1006,
  GetObjectHandles: 0x1007,
  GetObjectInfo: 0x1008,
  GetObject: 0x1009,
  GetThumb: 0x100a,
  DeleteObject: 0x100b,
  SendObjectInfo: 0x100c,
  SendObject: 0x100d,
  InitiateCapture: 0x100e,
  FormatStore: 0x100f,
  ResetDevice: 0x1010,
  SelfTest: 0x1011,
  SetObjectProtection: 0x1012,
  PowerDown: 0x1013,
  GetDevicePropDesc: 0x1014,
  GetDevicePropValue: 0x1015,
  SetDevicePropValue: 0x1016,
  ResetDevicePropValue: 0x1017,
  TerminateOpenCapture: 0x1018,
  MoveObject: 0x1019,
  CopyObject: 0x101a,
  GetPartialObject: 0x101b,
  InitiateOpenCapture: 0x101c,
  // PTP 1.1 additions
  StartEnumHandles: 0x101d,
  EnumHandles: 0x101e,
  StopEnumHandles: 0x101f,
  GetVendorExtensionMaps: 0x1020,
  GetVendorDeviceInfo: 0x1021,
  GetResizedImageObject: 0x1022,
  GetFilesystemManifest: 0x1023,
  GetStreamInfo: 0x1024,
  GetStream: 0x1025,
} as const;

/** Name of a standard operation, e.g. `'GetDeviceInfo'`. */
export type OperationCodeName = keyof typeof OperationCode;
