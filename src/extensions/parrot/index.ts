/**
 * Parrot (the Sequoia multispectral camera): code tables and detection.
 * The sensor datasets and methods build on these.
 */
import type { Extension } from '../extension.js';
import { matchVendor, type VendorSignature } from '../vendor-match.js';
import { ParrotDevicePropCode, ParrotEventCode, ParrotOperationCode } from './codes.js';

export { ParrotDevicePropCode, ParrotEventCode, ParrotOperationCode } from './codes.js';

/**
 * What identifies a Parrot device: VendorExtensionID 0x1B (which Parrot's
 * manual requires), "parrot" in its strings or its description
 * ("parrot.com: 1.0;"). Its operation codes (0x92xx) are shared with Nikon,
 * Sony and MTP, so they are no hint.
 */
export const PARROT_SIGNATURE: VendorSignature = {
  vendorExtensionId: 0x1b,
  name: 'parrot',
};

/** Parrot Sequoia. */
export const parrotExtension: Extension = {
  name: 'parrot',
  codes: {
    operation: ParrotOperationCode,
    event: ParrotEventCode,
    property: ParrotDevicePropCode,
  },
  match: (info) => matchVendor(info, PARROT_SIGNATURE),
};
