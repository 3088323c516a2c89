/**
 * Standard PTP response codes (ISO 15740; PTP 1.0 plus the PTP 1.1 additions).
 *
 * Names follow the standard's own names with the underscores removed, so
 * `Session_Already_Open` becomes `SessionAlreadyOpen` and `Transaction_Cancelled`
 * keeps the standard's spelling. Vendor responses (0xA000-0xAFFF) come from
 * extension tables.
 */
export const ResponseCode = {
  /** Reserved by the standard; a device returning it is misbehaving. */
  Undefined: 0x2000,
  OK: 0x2001,
  GeneralError: 0x2002,
  SessionNotOpen: 0x2003,
  InvalidTransactionID: 0x2004,
  OperationNotSupported: 0x2005,
  ParameterNotSupported: 0x2006,
  IncompleteTransfer: 0x2007,
  InvalidStorageID: 0x2008,
  InvalidObjectHandle: 0x2009,
  DevicePropNotSupported: 0x200a,
  InvalidObjectFormatCode: 0x200b,
  StoreFull: 0x200c,
  ObjectWriteProtected: 0x200d,
  StoreReadOnly: 0x200e,
  AccessDenied: 0x200f,
  NoThumbnailPresent: 0x2010,
  SelfTestFailed: 0x2011,
  PartialDeletion: 0x2012,
  StoreNotAvailable: 0x2013,
  SpecificationByFormatUnsupported: 0x2014,
  NoValidObjectInfo: 0x2015,
  InvalidCodeFormat: 0x2016,
  UnknownVendorCode: 0x2017,
  CaptureAlreadyTerminated: 0x2018,
  /** The device cannot act now; the operation may succeed if retried later. */
  DeviceBusy: 0x2019,
  InvalidParentObject: 0x201a,
  InvalidDevicePropFormat: 0x201b,
  InvalidDevicePropValue: 0x201c,
  InvalidParameter: 0x201d,
  SessionAlreadyOpen: 0x201e,
  TransactionCancelled: 0x201f,
  SpecificationOfDestinationUnsupported: 0x2020,
  // PTP 1.1 additions
  InvalidEnumHandle: 0x2021,
  NoStreamEnabled: 0x2022,
  InvalidDataset: 0x2023,
} as const;

/** Name of a standard response, e.g. `'DeviceBusy'`. */
export type ResponseCodeName = keyof typeof ResponseCode;
