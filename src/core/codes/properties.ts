/**
 * Standard PTP device property codes (ISO 15740; PTP 1.0 plus the PTP 1.1
 * streaming properties 0x5020-0x502C). Vendor properties (0xD000-0xDFFF) come
 * from extension tables.
 */
export const DevicePropCode = {
  /** Reserved by the standard. */
  Undefined: 0x5000,
  BatteryLevel: 0x5001,
  FunctionalMode: 0x5002,
  ImageSize: 0x5003,
  CompressionSetting: 0x5004,
  WhiteBalance: 0x5005,
  RGBGain: 0x5006,
  FNumber: 0x5007,
  FocalLength: 0x5008,
  FocusDistance: 0x5009,
  FocusMode: 0x500a,
  ExposureMeteringMode: 0x500b,
  FlashMode: 0x500c,
  ExposureTime: 0x500d,
  ExposureProgramMode: 0x500e,
  ExposureIndex: 0x500f,
  ExposureBiasCompensation: 0x5010,
  DateTime: 0x5011,
  CaptureDelay: 0x5012,
  StillCaptureMode: 0x5013,
  Contrast: 0x5014,
  Sharpness: 0x5015,
  DigitalZoom: 0x5016,
  EffectMode: 0x5017,
  BurstNumber: 0x5018,
  BurstInterval: 0x5019,
  TimelapseNumber: 0x501a,
  TimelapseInterval: 0x501b,
  FocusMeteringMode: 0x501c,
  UploadURL: 0x501d,
  Artist: 0x501e,
  CopyrightInfo: 0x501f,
  // PTP 1.1 additions (streaming)
  SupportedStreams: 0x5020,
  EnabledStreams: 0x5021,
  VideoFormat: 0x5022,
  VideoResolution: 0x5023,
  VideoQuality: 0x5024,
  VideoFrameRate: 0x5025,
  VideoContrast: 0x5026,
  VideoBrightness: 0x5027,
  AudioFormat: 0x5028,
  AudioBitrate: 0x5029,
  AudioSamplingRate: 0x502a,
  AudioBitPerSample: 0x502b,
  AudioVolume: 0x502c,
} as const;

/** Name of a standard device property, e.g. `'BatteryLevel'`. */
export type DevicePropCodeName = keyof typeof DevicePropCode;
