/**
 * What a vendor extension is: its code tables (which plug into the core's
 * names), how well it fits a device, the defects of its devices' datasets,
 * and what its devices need over PTP/IP. Camera methods (`canon(camera)` ...)
 * and virtual-camera personalities live next to it in the vendor's folder.
 */
import type { CodeTableSet } from '../core/codes/names.js';
import type { DeviceInfo } from '../core/datasets/device-info.js';
import type { PtpIpQuirks, PtpIpResponderIdentity } from '../transports/ptpip/transport.js';
import type { DevicePropDescQuirk } from './prop-desc-quirks.js';

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
  /** Known defects of the vendor's datasets, decoded leniently instead of wrongly. */
  readonly quirks?: ExtensionQuirks;
  /** What the vendor's devices need over PTP/IP (Wi-Fi). */
  readonly ptpip?: ExtensionPtpIp;
}

/** Dataset defects of a vendor's devices, written down as data. */
export interface ExtensionQuirks {
  /** DevicePropDesc datasets some of the vendor's bodies write off the standard. */
  readonly devicePropDesc?: readonly DevicePropDescQuirk[];
}

/**
 * What a camera needs over PTP/IP. The connection quirks are chosen by
 * `Camera.open` before DeviceInfo can be read: from the imposed extension, or,
 * when none is imposed, from an extension whose {@link recognize} accepts the
 * responder's Init Command Ack. The session step belongs to the camera's
 * extension (imposed or detected from DeviceInfo).
 */
export interface ExtensionPtpIp {
  /**
   * True if the name and GUID in an Init Command Ack are this vendor's, so
   * that its `connection` quirks apply without imposing the extension. Only
   * for vendors whose bodies say who they are there: the name is free text,
   * which adapters and firmware fill as they like (the built-in extensions
   * rely on none).
   */
  recognize?(responder: PtpIpResponderIdentity): boolean;
  /**
   * Initiator GUID (32 hex digits) to present when this extension is imposed
   * and the caller gave none: the GUID of the vendor's own app, which cameras
   * paired with that app accept without pairing again.
   */
  readonly guid?: string;
  /** Connection-time quirks handed to the PTP/IP transport. */
  readonly connection?: PtpIpQuirks;
  /**
   * Runs over PTP/IP right after OpenSession, before anything else is sent in
   * the session (e.g. putting an EOS body under remote control). If it
   * throws, the session is closed again and the session call fails with a
   * SessionError whose `cause` is what it threw.
   */
  afterOpenSession?(camera: SessionStepCamera): Promise<void>;
}

/** What a session step may use of the camera (any `Camera` qualifies). */
export interface SessionStepCamera {
  readonly deviceInfo: DeviceInfo;
  supportsOperation(code: number): boolean;
  transaction(
    code: number,
    params?: readonly number[],
    options?: { readonly accept?: readonly number[] },
  ): Promise<{ readonly code: number; readonly params: readonly number[] }>;
  /** Reads DeviceInfo again, for a step that changes what the body lists (see `Camera.refreshDeviceInfo`). */
  refreshDeviceInfo(): Promise<DeviceInfo>;
}

/** The code layers of an extension, lowest first. */
export function codeLayers(extension: Extension): readonly CodeTableSet[] {
  return Array.isArray(extension.codes) ? extension.codes : [extension.codes as CodeTableSet];
}
