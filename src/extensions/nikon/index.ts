/**
 * Nikon: code tables and detection. Camera methods, datasets and the virtual
 * camera's Nikon behaviour build on these.
 */
import type { Extension } from '../extension.js';
import { matchVendor, type VendorSignature } from '../vendor-match.js';
import { NikonDevicePropCode, NikonEventCode, NikonOperationCode, NikonResponseCode } from './codes.js';

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
};
