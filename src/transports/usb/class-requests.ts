/**
 * The still-image class requests on the control pipe (USB Still Image Capture
 * Device Definition §5.2): Cancel, Device Reset, Get Device Status.
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
