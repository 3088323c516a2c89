/**
 * How a vendor extension recognises its maker's devices from DeviceInfo.
 *
 * VendorExtensionID alone is not enough: many Canon and Nikon bodies report 6
 * (Microsoft) because they also speak MTP, some report 0, and a few
 * manufacturer strings read "(null)". So several independent signals are
 * added up, each worth one point, and the vendor's own operations give a small
 * hint on top. A single strong signal (1.0 or more) beats MTP (about 0.5),
 * which fits every MTP device whoever made it.
 */
import type { DeviceInfo } from '../core/datasets/device-info.js';

/** What identifies one vendor in a DeviceInfo. */
export interface VendorSignature {
  /** The VendorExtensionID the vendor was assigned (0xB Canon, 0xA Nikon, 0x1B Parrot). */
  readonly vendorExtensionId: number;
  /**
   * The vendor's name in lower case, looked for in the manufacturer and model
   * strings and in the vendor extension description ("canon" matches
   * "Canon Inc.", "Canon.Inc", "canon.com: 1.0").
   */
  readonly name: string;
  /**
   * Operations only this vendor defines. Worth a hint (0.25) on their own, so
   * that they tip a device with no other signal but cannot outweigh MTP: other
   * makers reuse vendor codes (a Samsung phone lists 0x9116, Canon's EOS_GetEvent).
   */
  readonly operations?: readonly number[];
}

/** Score of one strong signal (ID, manufacturer/model, description). */
export const STRONG_SIGNAL = 1;
/** Score of the operations hint. */
export const OPERATIONS_HINT = 0.25;

/**
 * The entries of a vendor extension description, which may list several:
 * `"microsoft.com: 1.0; nikon.com: 1.0"` gives `["microsoft.com: 1.0",
 * "nikon.com: 1.0"]`. Free text such as `"Nikon PTP Extensions"` is one entry.
 */
export function vendorExtensionEntries(desc: string): string[] {
  return desc
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** True if `text` mentions `name` (case-insensitive). */
function mentions(text: string, name: string): boolean {
  return text.toLowerCase().includes(name);
}

/**
 * How well `info` fits the vendor described by `signature`: one point each
 * for the VendorExtensionID, the manufacturer or model string, and the vendor
 * extension description, plus {@link OPERATIONS_HINT} if it lists one of the
 * vendor's own operations. 0 when nothing points to the vendor.
 */
export function matchVendor(info: DeviceInfo, signature: VendorSignature): number {
  let score = 0;
  if (info.vendorExtensionId === signature.vendorExtensionId) score += STRONG_SIGNAL;
  if (mentions(info.manufacturer, signature.name) || mentions(info.model, signature.name)) score += STRONG_SIGNAL;
  if (vendorExtensionEntries(info.vendorExtensionDesc).some((entry) => mentions(entry, signature.name))) score += STRONG_SIGNAL;
  const ops = signature.operations ?? [];
  if (ops.some((op) => info.operationsSupported.includes(op))) score += OPERATIONS_HINT;
  return score;
}
