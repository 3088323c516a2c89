export { codeLayers, type Extension } from './extension.js';
export { ptpExtension } from './ptp.js';
export { detectExtension, findExtension, fitExtension, listExtensions, registerExtension } from './registry.js';
export { matchVendor, vendorExtensionEntries, type VendorSignature } from './vendor-match.js';
export {
  canonExtension, isCanonEos, CANON_SIGNATURE,
  CanonDevicePropCode, CanonEventCode, CanonObjectFormatCode, CanonOperationCode, CanonResponseCode,
  canon, EosCaptureDestination, EosEvfOutput, EosShutterButton,
  decodeEosEvents, encodeEosEvents, eosEventType, EOS_EVENT_TYPES,
  decodeEosPropSet, encodeEosPropSet, readEosPropValue,
  decodeViewFinderRecords, encodeViewFinderRecords, viewFinderJpeg,
  type CanonApi, type CanonCamera, type PollEventsOptions,
  type EosAvailValues, type EosEvent, type EosEventInit, type EosImageFormatEntry, type EosObjectFields,
  type EosPropSet, type EosPropValue, type EosTransferFields, type EosViewFinderRecord,
} from './canon/index.js';
export {
  nikonExtension, NIKON_SIGNATURE,
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
