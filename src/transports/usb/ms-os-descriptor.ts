/**
 * Microsoft OS 1.0 descriptors: how Windows (and libmtp) recognise an MTP
 * function on a vendor-specific interface that has no "MTP" interface string.
 * String descriptor 0xEE holds "MSFT100" and a vendor request code; that
 * vendor request with wIndex 4 answers the Extended Compat ID descriptor,
 * whose function sections give each interface a compatible ID such as "MTP".
 *
 * Some devices misbehave on requests they do not know, so this is only asked
 * of a device the rules in `ms-os-probe.ts` allow (libmtp's).
 */

/** String descriptor index of the Microsoft OS string descriptor. */
export const MS_OS_STRING_INDEX = 0xee;
/** wIndex of the Extended Compat ID feature descriptor request. */
export const EXTENDED_COMPAT_ID = 0x0004;

const GET_DESCRIPTOR = 0x06;
const STRING_DESCRIPTOR = 0x03;
const SIGNATURE = 'MSFT100';
const HEADER_SIZE = 16;
const FUNCTION_SIZE = 24;

/** One function section of the Extended Compat ID descriptor. */
export interface CompatIdFunction {
  /** bFirstInterfaceNumber: the (first) interface of the function the IDs are for. */
  readonly firstInterface: number;
  /** compatibleID, e.g. "MTP", "PTP", "WINUSB" (ASCII, trailing NULs removed). */
  readonly compatibleId: string;
  /** subCompatibleID, refining the compatible ID; usually empty (ASCII, trailing NULs removed). */
  readonly subCompatibleId: string;
}

/**
 * The vendor code from a Microsoft OS string descriptor: bLength, bDescriptorType 3,
 * "MSFT100" in UTF-16LE (14 bytes), bMS_VendorCode, bPad. Undefined when it is not one.
 */
export function decodeMsOsStringDescriptor(data: DataView | undefined): number | undefined {
  if (data === undefined || data.byteLength < 17 || data.getUint8(1) !== STRING_DESCRIPTOR) return undefined;
  for (let i = 0; i < SIGNATURE.length; i++) {
    if (data.getUint16(2 + 2 * i, true) !== SIGNATURE.charCodeAt(i)) return undefined;
  }
  return data.getUint8(16);
}

/**
 * The function sections of an Extended Compat ID descriptor: a 16-byte header
 * (dwLength u32, bcdVersion u16, wIndex u16 = 4, bCount u8, 7 reserved) then
 * bCount sections of 24 bytes (bFirstInterfaceNumber, reserved, compatibleID[8],
 * subCompatibleID[8], 6 reserved). Sections cut short by the data are left out.
 */
export function decodeExtendedCompatId(data: DataView | undefined): CompatIdFunction[] | undefined {
  if (data === undefined || data.byteLength < HEADER_SIZE || data.getUint16(6, true) !== EXTENDED_COMPAT_ID) return undefined;
  const count = data.getUint8(8);
  const end = Math.min(data.byteLength, data.getUint32(0, true));
  const out: CompatIdFunction[] = [];
  for (let i = 0, at = HEADER_SIZE; i < count && at + FUNCTION_SIZE <= end; i++, at += FUNCTION_SIZE) {
    out.push({ firstInterface: data.getUint8(at), compatibleId: ascii(data, at + 2, 8), subCompatibleId: ascii(data, at + 10, 8) });
  }
  return out;
}

/**
 * Asks an open device for its Extended Compat IDs. Undefined when it has no
 * Microsoft OS descriptor (stalls the 0xEE string, or answers something else).
 */
export async function readCompatIds(device: USBDevice): Promise<CompatIdFunction[] | undefined> {
  const str = await device.controlTransferIn(
    { requestType: 'standard', recipient: 'device', request: GET_DESCRIPTOR, value: (STRING_DESCRIPTOR << 8) | MS_OS_STRING_INDEX, index: 0 },
    18,
  );
  const vendorCode = str.status === 'ok' ? decodeMsOsStringDescriptor(str.data) : undefined;
  if (vendorCode === undefined) return undefined;
  const request = (length: number): Promise<USBInTransferResult> =>
    device.controlTransferIn({ requestType: 'vendor', recipient: 'device', request: vendorCode, value: 0, index: EXTENDED_COMPAT_ID }, length);
  // The header first for the whole length, then all of it (as Windows asks).
  const head = await request(HEADER_SIZE);
  if (head.status !== 'ok' || head.data === undefined || head.data.byteLength < HEADER_SIZE) return undefined;
  const length = Math.min(head.data.getUint32(0, true), 4096);
  if (length <= HEADER_SIZE) return decodeExtendedCompatId(head.data);
  const all = await request(length);
  return all.status === 'ok' ? decodeExtendedCompatId(all.data) : undefined;
}

/** The interface whose compatible ID is "MTP", from an open device's Microsoft OS descriptors. */
export async function msOsMtpInterface(device: USBDevice): Promise<number | undefined> {
  const ids = await readCompatIds(device);
  return ids?.find((f) => f.compatibleId === 'MTP')?.firstInterface;
}

function ascii(data: DataView, at: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const c = data.getUint8(at + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}
