/**
 * Nikon: code tables, detection, datasets (GetEvent list, vendor property
 * codes, live view frames), PTP/IP quirks and the camera methods (`nikon(camera)`).
 */
import type { Extension } from '../extension.js';
import { matchVendor, type VendorSignature } from '../vendor-match.js';
import { NikonDevicePropCode, NikonEventCode, NikonOperationCode, NikonResponseCode } from './codes.js';
import { NIKON_PTPIP } from './quirks.js';

export { NikonDevicePropCode, NikonDevicePropCodeEx, NikonEventCode, NikonOperationCode, NikonResponseCode } from './codes.js';

/** What identifies a Nikon device: VendorExtensionID 0xA, "nikon" in its strings, GetEvent/DeviceReady/GetVendorPropCodes. */
export const NIKON_SIGNATURE: VendorSignature = {
  vendorExtensionId: 0x0a,
  name: 'nikon',
  operations: [NikonOperationCode.GetEvent, NikonOperationCode.DeviceReady, NikonOperationCode.GetVendorPropCodes],
};

/** Nikon DSLRs, mirrorless bodies and Coolpix. */
export const nikonExtension: Extension = {
  name: 'nikon',
  codes: {
    operation: NikonOperationCode,
    response: NikonResponseCode,
    event: NikonEventCode,
    property: NikonDevicePropCode,
  },
  match: (info) => matchVendor(info, NIKON_SIGNATURE),
  ptpip: NIKON_PTPIP,
};

export { NIKON_PTPIP, NIKON_WIFI_GUID } from './quirks.js';

export {
  decodeNikonEvents, decodeVendorPropCodes, encodeNikonEvents, encodeVendorPropCodes, splitLiveViewImage,
  NikonEventEntryCodec, NikonEventListCodec,
  type NikonEventEntry, type NikonLiveViewFrame,
} from './datasets.js';
export {
  nikon, NIKON_SDRAM_HANDLE,
  type NikonDeviceReadyOptions, type NikonApi, type NikonCamera, type NikonEvent, type NikonPollEventsOptions,
} from './api.js';
// The virtual camera's Nikon behaviour (./responder.ts) is not re-exported here: it
// belongs to the Node-only responder side.
