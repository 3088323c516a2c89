/**
 * The still-image class requests on the control pipe (USB Still Image Capture
 * Device Definition §5.2): Cancel, Get Extended Event Data, Device Reset, Get
 * Device Status.
 */

/** bRequest codes. */
export const ClassRequest = {
  Cancel: 0x64,
  GetExtendedEventData: 0x65,
  DeviceReset: 0x66,
  GetDeviceStatus: 0x67,
} as const;

/** CancellationCode in the Cancel request's data (the PTP CancelTransaction event code). */
export const CANCELLATION_CODE = 0x4001;

/** Setup of a class request addressed to the PTP interface. */
export function classSetup(request: number, interfaceNumber: number): USBControlTransferParameters {
  return { requestType: 'class', recipient: 'interface', request, value: 0, index: interfaceNumber };
}

/** The 6 bytes of a Cancel request: CancellationCode u16 LE, TransactionID u32 LE. */
export function cancelRequestData(transactionId: number): Uint8Array {
  const bytes = new Uint8Array(6);
  const v = new DataView(bytes.buffer);
  v.setUint16(0, CANCELLATION_CODE, true);
  v.setUint32(2, transactionId >>> 0, true);
  return bytes;
}

/** A decoded Get Device Status answer. */
export interface DeviceStatus {
  /** PTP response code: 0x2001 OK, 0x2019 DeviceBusy, 0x201F TransactionCancelled, ... */
  readonly code: number;
  /** Endpoint addresses the device reports as stalled (bit 7 set for IN). */
  readonly stalledEndpoints: readonly number[];
}

/** Decodes Get Device Status data: wLength u16, Code u16, then u32 parameters. Undefined if too short. */
export function decodeDeviceStatus(data: DataView | undefined): DeviceStatus | undefined {
  if (data === undefined || data.byteLength < 4) return undefined;
  const length = Math.min(data.getUint16(0, true), data.byteLength);
  const code = data.getUint16(2, true);
  const stalledEndpoints: number[] = [];
  for (let at = 4; at + 4 <= length; at += 4) stalledEndpoints.push(data.getUint32(at, true));
  return { code, stalledEndpoints };
}

/** A decoded Get Extended Event Data answer: an event whose parameters did not fit the interrupt container. */
export interface ExtendedEventData {
  readonly code: number;
  readonly transactionId: number;
  /** Each parameter's bytes as sent (little-endian; sizes vary). */
  readonly params: readonly Uint8Array[];
}

/**
 * Decodes Get Extended Event Data (0x65) data: EventCode u16, TransactionID u32,
 * NumParams u16, then per parameter its size u16 and that many bytes. A
 * parameter cut short by the data ends the list. Undefined if too short.
 */
export function decodeExtendedEventData(data: DataView | undefined): ExtendedEventData | undefined {
  if (data === undefined || data.byteLength < 8) return undefined;
  const count = data.getUint16(6, true);
  const params: Uint8Array[] = [];
  let at = 8;
  for (let i = 0; i < count && at + 2 <= data.byteLength; i++) {
    const size = data.getUint16(at, true);
    if (at + 2 + size > data.byteLength) break;
    params.push(new Uint8Array(data.buffer, data.byteOffset + at + 2, size).slice());
    at += 2 + size;
  }
  return { code: data.getUint16(0, true), transactionId: data.getUint32(2, true), params };
}
