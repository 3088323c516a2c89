import { array, ptpString, struct, uint16, uint32, type Infer } from '../codec/schema.js';

/** DeviceInfo dataset (ISO 15740 §5.5.1): who the device is and what it supports. */
export const DeviceInfoCodec = struct(
  'DeviceInfo',
  {
    standardVersion: uint16,
    vendorExtensionId: uint32,
    vendorExtensionVersion: uint16,
    vendorExtensionDesc: ptpString,
    functionalMode: uint16,
    operationsSupported: array(uint16),
    eventsSupported: array(uint16),
    devicePropertiesSupported: array(uint16),
    captureFormats: array(uint16),
    playbackFormats: array(uint16),
    manufacturer: ptpString,
    model: ptpString,
    deviceVersion: ptpString,
    serialNumber: ptpString,
  },
  // Some devices stop after the format lists or after the model.
  { optionalTail: { manufacturer: '', model: '', deviceVersion: '', serialNumber: '' } },
);

/** Decoded DeviceInfo. */
export type DeviceInfo = Infer<typeof DeviceInfoCodec>;

/** Decodes a DeviceInfo dataset (the data phase of GetDeviceInfo). */
export const decodeDeviceInfo = (bytes: Uint8Array): DeviceInfo => DeviceInfoCodec.decode(bytes);
/** Encodes a DeviceInfo dataset. */
export const encodeDeviceInfo = (info: DeviceInfo): Uint8Array => DeviceInfoCodec.encode(info);
