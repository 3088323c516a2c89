/**
 * Standard PTP event codes (ISO 15740). Vendor events (0xC000-0xCFFF) come
 * from extension tables.
 */
export const EventCode = {
  /** Reserved by the standard. */
  Undefined: 0x4000,
  CancelTransaction: 0x4001,
  ObjectAdded: 0x4002,
  ObjectRemoved: 0x4003,
  StoreAdded: 0x4004,
  StoreRemoved: 0x4005,
  DevicePropChanged: 0x4006,
  ObjectInfoChanged: 0x4007,
  DeviceInfoChanged: 0x4008,
  RequestObjectTransfer: 0x4009,
  StoreFull: 0x400a,
  DeviceReset: 0x400b,
  StorageInfoChanged: 0x400c,
  CaptureComplete: 0x400d,
  /** Events were lost; the initiator should re-read whatever state it caches. */
  UnreportedStatus: 0x400e,
} as const;

/** Name of a standard event, e.g. `'ObjectAdded'`. */
export type EventCodeName = keyof typeof EventCode;
