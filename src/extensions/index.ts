export { codeLayers, type Extension, type ExtensionPtpIp, type ExtensionQuirks, type SessionStepCamera } from './extension.js';
export {
  decodeDevicePropDescWithQuirks, encodeDevicePropDescWithQuirk, LenientDevicePropDesc,
  type DecodedDevicePropDesc, type DevicePropDescQuirk, type EnumValueTypeQuirk,
} from './prop-desc-quirks.js';
export { ptpExtension } from './ptp.js';
export { detectExtension, findExtension, fitExtension, listExtensions, registerExtension } from './registry.js';
export { matchVendor, vendorExtensionEntries, type VendorSignature } from './vendor-match.js';
export {
  canonExtension, isCanonEos, isCanonPowerShot, canPowerShotCapture, CANON_SIGNATURE,
  CANON_DEVICE_PROP_DESC_QUIRKS, CANON_PTPIP, eosRemoteMode, isCanonEosM,
  decodeCheckEvent, encodeCheckEvent, decodeChangedProperties, encodeChangedProperties,
  CanonDevicePropCode, CanonEventCode, CanonObjectFormatCode, CanonOperationCode, CanonResponseCode,
  canon, EosCaptureDestination, EosEvfOutput, EosShutterButton,
  decodeEosEvents, encodeEosEvents, eosEventType, EOS_EVENT_TYPES,
  decodeEosPropSet, encodeEosPropSet, readEosPropValue,
  decodeViewFinderRecords, encodeViewFinderRecords, viewFinderJpeg,
  type CanonApi, type CanonCamera, type CanonCheckEvent, type CanonPowerShotApi, type CheckEventData, type PollEventsOptions,
  type PowerShotCapture, type PowerShotCaptureOptions, type StartRemoteOptions,
  type EosAvailValues, type EosEvent, type EosEventInit, type EosImageFormatEntry, type EosObjectFields,
  type EosPropSet, type EosPropValue, type EosTransferFields, type EosViewFinderRecord,
} from './canon/index.js';
export {
  nikonExtension, NIKON_SIGNATURE, NIKON_PTPIP, NIKON_WIFI_GUID,
  NikonDevicePropCode, NikonDevicePropCodeEx, NikonEventCode, NikonOperationCode, NikonResponseCode,
  nikon, NIKON_SDRAM_HANDLE, decodeNikonEvents, encodeNikonEvents, decodeVendorPropCodes, encodeVendorPropCodes,
  splitLiveViewImage, NikonEventEntryCodec, NikonEventListCodec,
  type NikonApi, type NikonCamera, type NikonDeviceReadyOptions, type NikonEvent, type NikonEventEntry,
  type NikonLiveViewFrame, type NikonPollEventsOptions,
} from './nikon/index.js';
export * from './parrot/index.js';
export {
  mtpExtension, isMtpDevice,
  MtpDevicePropCode, MtpEventCode, MtpObjectFormatCode, MtpObjectPropCode, MtpOperationCode, MtpResponseCode,
} from './mtp/index.js';
