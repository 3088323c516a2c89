/**
 * Parrot (the Sequoia multispectral camera): code tables, detection, the
 * sensor datasets and the camera methods (`parrot(camera)`).
 */
import type { Extension } from '../extension.js';
import { matchVendor, type VendorSignature } from '../vendor-match.js';
import { ParrotDevicePropCode, ParrotEventCode, ParrotOperationCode } from './codes.js';

export { ParrotDevicePropCode, ParrotEventCode, ParrotOperationCode } from './codes.js';

/**
 * What identifies a Parrot device: VendorExtensionID 0x1B (which Parrot's
 * manual requires), "parrot" in its strings or its description
 * ("parrot.com: 1.0;"). Its operation codes (0x92xx) are shared with Nikon,
 * Sony and MTP, so they are no hint.
 */
export const PARROT_SIGNATURE: VendorSignature = {
  vendorExtensionId: 0x1b,
  name: 'parrot',
};

/** Parrot Sequoia. */
export const parrotExtension: Extension = {
  name: 'parrot',
  codes: {
    operation: ParrotOperationCode,
    event: ParrotEventCode,
    property: ParrotDevicePropCode,
  },
  match: (info) => matchVendor(info, PARROT_SIGNATURE),
};

export {
  decodeAccelerometerValues, decodeAngleValues, decodeGeotag, decodeGpsValues, decodeGyroscopeValues, decodeImuValues,
  decodeMagnetometerValues, decodeStatusMask, decodeSunshineValues, decodeTemperatureValues,
  encodeAccelerometerValues, encodeAngleValues, encodeGeotag, encodeGpsValues, encodeGyroscopeValues, encodeImuValues,
  encodeMagnetometerValues, encodeStatusMask, encodeSunshineValues, encodeTemperatureValues,
  magnetoCalibrationStatusName, maskFromStatus, statusFromMask,
  GEOTAG_SIZE, GeotagCodec, MagnetoCalibrationStatus, ParrotStatusBit, SequoiaCamera,
  type AngleValues, type AxisValues, type Geotag, type GpsAngle, type GpsValues, type GpsValuesInit, type ImuValues,
  type ParrotStatus, type SunshinePair, type SunshineValues, type TemperatureValues,
} from './datasets.js';
export { parrot, type ParrotFirmwareUpdateOptions, type ParrotApi, type ParrotCamera } from './api.js';
// The virtual camera's Parrot behaviour (./responder.ts) is not re-exported here: it
// belongs to the Node-only responder side.
