export { codeLayers, type Extension } from './extension.js';
export { ptpExtension } from './ptp.js';
export { detectExtension, findExtension, fitExtension, listExtensions, registerExtension } from './registry.js';
export { matchVendor, vendorExtensionEntries, type VendorSignature } from './vendor-match.js';
export {
  canonExtension, isCanonEos, CANON_SIGNATURE,
  CanonDevicePropCode, CanonEventCode, CanonObjectFormatCode, CanonOperationCode, CanonResponseCode,
} from './canon/index.js';
export {
  nikonExtension, NIKON_SIGNATURE,
  NikonDevicePropCode, NikonDevicePropCodeEx, NikonEventCode, NikonOperationCode, NikonResponseCode,
} from './nikon/index.js';
export { parrotExtension, PARROT_SIGNATURE, ParrotDevicePropCode, ParrotEventCode, ParrotOperationCode } from './parrot/index.js';
export {
  mtpExtension, isMtpDevice,
  MtpDevicePropCode, MtpEventCode, MtpObjectFormatCode, MtpObjectPropCode, MtpOperationCode, MtpResponseCode,
} from './mtp/index.js';
