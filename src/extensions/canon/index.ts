/**
 * Canon (EOS and PowerShot): code tables and detection. Camera methods,
 * datasets and the virtual camera's Canon behaviour build on these.
 */
import type { DeviceInfo } from '../../core/datasets/device-info.js';
import type { Extension } from '../extension.js';
import { matchVendor, type VendorSignature } from '../vendor-match.js';
import {
  CanonDevicePropCode,
  CanonEventCode,
  CanonObjectFormatCode,
  CanonOperationCode,
  CanonResponseCode,
} from './codes.js';

export {
  CanonDevicePropCode,
  CanonEventCode,
  CanonObjectFormatCode,
  CanonOperationCode,
  CanonResponseCode,
} from './codes.js';

/** What identifies a Canon device: VendorExtensionID 0xB, "canon" in its strings, EOS_GetEvent or CheckEvent. */
export const CANON_SIGNATURE: VendorSignature = {
  vendorExtensionId: 0x0b,
  name: 'canon',
  operations: [CanonOperationCode.EOS_GetEvent, CanonOperationCode.CheckEvent],
};

/** True if the device speaks Canon's EOS protocol (lists EOS_GetEvent), as opposed to a PowerShot-era one. */
export function isCanonEos(info: Pick<DeviceInfo, 'operationsSupported'>): boolean {
  return info.operationsSupported.includes(CanonOperationCode.EOS_GetEvent);
}

/** Canon EOS and PowerShot. */
export const canonExtension: Extension = {
  name: 'canon',
  codes: {
    operation: CanonOperationCode,
    response: CanonResponseCode,
    event: CanonEventCode,
    property: CanonDevicePropCode,
    format: CanonObjectFormatCode,
  },
  match: (info) => matchVendor(info, CANON_SIGNATURE),
};

export {
  canon, EosCaptureDestination, EosEvfOutput, EosShutterButton,
  type CanonApi, type CanonCamera, type PollEventsOptions,
} from './api.js';
export {
  decodeEosEvents, encodeEosEvents, eosEventType, EOS_EVENT_TYPES, EOS_RECORD_HEADER,
  type EosAvailValues, type EosEvent, type EosEventInit, type EosObjectFields, type EosTransferFields,
} from './eos-events.js';
export {
  decodeEosPropSet, encodeEosPropSet, encodeEosPropValue, readEosPropValue,
  EOS_IMAGE_FORMAT_PROPS, EOS_SIGNED_PROPS, EOS_STRING_PROPS,
  type EosImageFormatEntry, type EosPropSet, type EosPropValue,
} from './eos-values.js';
export {
  decodeViewFinderRecords, encodeViewFinderRecords, viewFinderJpeg, EOS_VIEWFINDER_JPEG_TYPES, type EosViewFinderRecord,
} from './live-view.js';
// The virtual camera's Canon behaviour (./responder.ts) is not re-exported here: it needs
// Node's file system, and this module is loaded by detection in browsers too.
