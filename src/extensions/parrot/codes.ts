/**
 * Parrot code tables (the Sequoia multispectral camera). Codes from Parrot's
 * Sequoia PTP manual as summarised for PTPy and libgphoto2's ptp.h; a few
 * codes only PTPy knows are marked. Parrot adds no response or object format
 * codes.
 */

/** Parrot (Sequoia) operation codes. */
export const ParrotOperationCode = {
  GetSunshineValues: 0x9201,
  GetTemperatureValues: 0x9202,
  GetAngleValues: 0x9203,
  GetGpsValues: 0x9204,
  GetGyroscopeValues: 0x9205,
  GetAccelerometerValues: 0x9206,
  GetMagnetometerValues: 0x9207,
  GetImuValues: 0x9208,
  GetStatusMask: 0x9209,
  EjectStorage: 0x920a,
  StartMagnetoCalib: 0x9210,
  StopMagnetoCalib: 0x9211,
  MagnetoCalibStatus: 0x9212,
  SendFirmwareUpdate: 0x9213,
  // Not in the Sequoia PTP manual nor in libgphoto2; PTPy sends it (60-byte geotag dataset).
  SetGeotag: 0x9400,
} as const;
export type ParrotOperationCode = (typeof ParrotOperationCode)[keyof typeof ParrotOperationCode];

/** Parrot event codes. */
export const ParrotEventCode = {
  Status: 0xc201,
  MagnetoCalibrationStatus: 0xc202,
} as const;
export type ParrotEventCode = (typeof ParrotEventCode)[keyof typeof ParrotEventCode];

/** Parrot (Sequoia) device property codes. */
export const ParrotDevicePropCode = {
  PhotoSensorEnableMask: 0xd201,
  PhotoSensorsKeepOn: 0xd202,
  MultispectralImageSize: 0xd203,
  MainBitDepth: 0xd204,
  MultispectralBitDepth: 0xd205,
  HeatingEnable: 0xd206,
  WifiStatus: 0xd207,
  WifiSSID: 0xd208,
  WifiEncryptionType: 0xd209,
  WifiPassphrase: 0xd20a,
  WifiChannel: 0xd20b,
  Localization: 0xd20c,
  WifiMode: 0xd20d,
  AntiFlickeringFrequency: 0xd210,
  DisplayOverlayMask: 0xd211,
  GPSInterval: 0xd212,
  MultisensorsExposureMeteringMode: 0xd213,
  MultisensorsExposureTime: 0xd214,
  MultisensorsExposureProgramMode: 0xd215,
  MultisensorsExposureIndex: 0xd216,
  MultisensorsIrradianceGain: 0xd217,
  MultisensorsIrradianceIntegrationTime: 0xd218,
  OverlapRate: 0xd219,
  // 0xD220-0xD224 come from PTPy only (not in the Sequoia manual nor libgphoto2).
  LEDsEnableMask: 0xd220,
  GPSEnable: 0xd221,
  SelectedStorage: 0xd222,
  MediaFolderName: 0xd223,
  XMPTag: 0xd224,
} as const;
export type ParrotDevicePropCode = (typeof ParrotDevicePropCode)[keyof typeof ParrotDevicePropCode];

