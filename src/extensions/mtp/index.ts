/**
 * Microsoft MTP (Media Transfer Protocol): the code tables, detection, and
 * the object-property API (`mtp(camera)`).
 */
import type { DeviceInfo } from '../../core/datasets/device-info.js';
import type { Extension } from '../extension.js';
import {
  MtpDevicePropCode,
  MtpEventCode,
  MtpObjectFormatCode,
  MtpObjectPropCode,
  MtpOperationCode,
  MtpResponseCode,
} from './codes.js';

export {
  MtpDevicePropCode,
  MtpEventCode,
  MtpObjectFormatCode,
  MtpObjectPropCode,
  MtpOperationCode,
  MtpResponseCode,
} from './codes.js';

/**
 * The operations that make a device an MTP device: the object-property
 * operations every MTP responder implements (GetObjectPropsSupported,
 * GetObjectPropDesc, GetObjectPropValue are mandatory in MTP 1.1) plus the
 * fast-listing GetObjectPropList that most of them add.
 */
export const MTP_OPERATIONS: readonly number[] = [
  MtpOperationCode.GetObjectPropsSupported,
  MtpOperationCode.GetObjectPropDesc,
  MtpOperationCode.GetObjectPropValue,
  MtpOperationCode.SetObjectPropValue,
  MtpOperationCode.GetObjectPropList,
  MtpOperationCode.SetObjectPropList,
  MtpOperationCode.GetInterdependentPropDesc,
  MtpOperationCode.SendObjectPropList,
];

/** True if the vendor extension description names Microsoft's MTP extension ("microsoft.com: 1.0", "microsoft.com/WMDRMPD: 10.1", ...). */
export function mentionsMicrosoft(info: Pick<DeviceInfo, 'vendorExtensionDesc'>): boolean {
  return /microsoft\.com/i.test(info.vendorExtensionDesc);
}

/** True if the device lists any of the MTP object-property operations, i.e. speaks MTP whoever made it. */
export function isMtpDevice(info: Pick<DeviceInfo, 'operationsSupported'>): boolean {
  return info.operationsSupported.some((op) => MTP_OPERATIONS.includes(op));
}

/**
 * How well MTP fits a device: 0.5 for a device listing MTP operations (0.6
 * when it also names microsoft.com in its extension description), 0.2 for
 * one that only names microsoft.com, 0 otherwise. Vendor extensions (Canon,
 * Nikon, ...) score above this on their own devices, which are MTP devices
 * too.
 */
function matchMtp(info: DeviceInfo): number {
  const ops = isMtpDevice(info);
  const microsoft = mentionsMicrosoft(info);
  if (ops) return microsoft ? 0.6 : 0.5;
  return microsoft ? 0.2 : 0;
}

/** Microsoft MTP, for MTP devices of any maker without a more specific extension. */
export const mtpExtension: Extension = {
  name: 'mtp',
  codes: {
    operation: MtpOperationCode,
    response: MtpResponseCode,
    event: MtpEventCode,
    property: { ...MtpDevicePropCode, ...MtpObjectPropCode },
    format: MtpObjectFormatCode,
  },
  match: matchMtp,
};

export {
  mtp,
  type ListObjectsOptions, type MtpApi, type MtpCamera, type MtpObjectEntry, type ObjectPropInit, type ObjectPropListQuery,
} from './api.js';
export { OBJECT_PROP_DATATYPES } from './properties.js';
// The virtual camera's MTP behaviour (./responder.ts) is not re-exported here: it needs
// Node's file system, and this module is loaded by detection in browsers too.
