/**
 * Canon (EOS and PowerShot): code tables, detection, descriptor quirks and
 * PTP/IP session steps. Camera methods (`canon(camera)`), datasets and the
 * virtual camera's Canon behaviour build on these.
 */
import type { DeviceInfo } from '../../core/datasets/device-info.js';
import type { Extension } from '../extension.js';
import { matchVendor, type VendorSignature } from '../vendor-match.js';
import { CANON_DEVICE_PROP_DESC_QUIRKS, CANON_PTPIP } from './quirks.js';
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

/**
 * True if the device speaks the PowerShot-era protocol: it polls events with
 * CheckEvent or takes remote control with InitiateReleaseControl, and lists
 * no EOS_GetEvent. Later PowerShots (SX720 HS, G7 X Mark II ...) have EOS
 * firmware and are {@link isCanonEos} instead.
 */
export function isCanonPowerShot(info: Pick<DeviceInfo, 'operationsSupported'>): boolean {
  const ops = info.operationsSupported;
  return !isCanonEos(info) && (ops.includes(CanonOperationCode.CheckEvent) || ops.includes(CanonOperationCode.InitiateReleaseControl));
}

/** True if a PowerShot-era device can be remote-controlled: InitiateReleaseControl and InitiateCaptureInMemory. */
export function canPowerShotCapture(info: Pick<DeviceInfo, 'operationsSupported'>): boolean {
  const ops = info.operationsSupported;
  return ops.includes(CanonOperationCode.InitiateReleaseControl) && ops.includes(CanonOperationCode.InitiateCaptureInMemory);
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
  quirks: { devicePropDesc: CANON_DEVICE_PROP_DESC_QUIRKS },
  ptpip: CANON_PTPIP,
};

export { CANON_DEVICE_PROP_DESC_QUIRKS, CANON_PTPIP, eosRemoteMode, isCanonEosM } from './quirks.js';

export {
  canon, EosCaptureDestination, EosEvfOutput, EosShutterButton,
  type CanonApi, type CanonCamera, type PollEventsOptions,
} from './api.js';
export {
  type CanonCheckEvent, type CanonPowerShotApi, type PowerShotCapture, type PowerShotCaptureOptions, type StartRemoteOptions,
} from './powershot-api.js';
export {
  decodeChangedProperties, decodeCheckEvent, encodeChangedProperties, encodeCheckEvent, type CheckEventData,
} from './powershot.js';
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
