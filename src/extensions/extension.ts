/**
 * What a vendor extension is: its code tables (which plug into the core's
 * names), how well it fits a device, and (as the extensions issue lands) its
 * datasets, camera methods, connection quirks and responder personality.
 */
import type { CodeTableSet } from '../core/codes/names.js';
import type { DeviceInfo } from '../core/datasets/device-info.js';

/** A vendor extension. Write your own against this interface and pass it to `Camera.open({ extension })`. */
export interface Extension {
  /** Short stable name: `ptp`, `mtp`, `canon`, `nikon`, `parrot`, or your own. */
  readonly name: string;
  /**
   * Vendor code tables: operations, responses, events, properties, formats.
   * Several layers, lowest first, when the vendor sits on MTP: `[mtpCodes,
   * canonCodes]` names both, and Canon wins where they collide.
   */
  readonly codes: CodeTableSet | readonly CodeTableSet[];
  /**
   * How well this extension fits a device, from 0 (not at all) upwards; the
   * highest score wins detection. Look beyond VendorExtensionID: many Canon and
   * Nikon bodies report 6 (Microsoft).
   */
  match(info: DeviceInfo): number;
}

/** The code layers of an extension, lowest first. */
export function codeLayers(extension: Extension): readonly CodeTableSet[] {
  return Array.isArray(extension.codes) ? extension.codes : [extension.codes as CodeTableSet];
}
