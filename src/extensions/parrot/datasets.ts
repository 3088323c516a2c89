/**
 * Parrot (Sequoia) datasets, as Parrot's "PTP Parrot Extension v1.0" manual
 * defines them. Where PTPy differs, the manual wins: the IMU, angle and GPS
 * readings are AINT32 (signed; PTPy reads them unsigned, so negative values
 * come out wrong there), and the status mask bits follow the manual's table.
 *
 * Readings are converted to floating-point units on decoding (degrees, rad/s,
 * m/s², °C, metres) and back on encoding (rounded to the nearest unit of the
 * wire). A reply with too few elements is a ProtocolError naming the dataset.
 */
import { ByteReader } from '../../core/codec/reader.js';
import { array, int32, int64, struct, uint32, type Infer } from '../../core/codec/schema.js';
import { ByteWriter } from '../../core/codec/writer.js';
import { ProtocolError } from '../../core/errors.js';

const aint32 = array(int32);
const auint32 = array(uint32);

function readArray(bytes: Uint8Array, field: string, signed: boolean, atLeast: number): number[] {
  const values = (signed ? aint32 : auint32).read(new ByteReader(bytes), field);
  if (values.length < atLeast) {
    throw new ProtocolError(`${values.length} value(s), ${atLeast} expected`, { field, offset: 0 });
  }
  return values;
}

function writeArray(values: readonly number[], field: string, signed: boolean): Uint8Array {
  const w = new ByteWriter(4 + values.length * 4);
  (signed ? aint32 : auint32).write(w, [...values], field);
  return w.finish();
}

/** Scales a float to the wire's integer unit (e.g. degrees to microdegrees). */
const toUnits = (value: number, scale: number): number => Math.round(value * scale);

// ---- GetSunshineValues (0x9201): AUINT32 ----

/** Two readings of one band of the sunshine (irradiance) sensor. */
export type SunshinePair = readonly [number, number];

/** GetSunshineValues: one UINT32 per sensor. */
export interface SunshineValues {
  /** Every value, in the device's order. */
  readonly values: readonly number[];
  /**
   * The Sequoia's 8 values grouped per band as PTPy groups them: band i pairs
   * values i and i + 4 (bands Green, Red, RedEdge, NIR); `undefined` when the
   * reply has fewer than 8 values.
   */
  readonly bands: { readonly green: SunshinePair; readonly red: SunshinePair; readonly redEdge: SunshinePair; readonly nir: SunshinePair } | undefined;
}

/** Decodes a GetSunshineValues reply. */
export function decodeSunshineValues(bytes: Uint8Array): SunshineValues {
  const v = readArray(bytes, 'SunshineValues', false, 0);
  const pair = (i: number): SunshinePair => [v[i]!, v[i + 4]!];
  return { values: v, bands: v.length >= 8 ? { green: pair(0), red: pair(1), redEdge: pair(2), nir: pair(3) } : undefined };
}

/** Encodes a GetSunshineValues reply. */
export function encodeSunshineValues(values: readonly number[]): Uint8Array {
  return writeArray(values, 'SunshineValues', false);
}

// ---- GetTemperatureValues (0x9202): AINT32, m°C ----

/** Values below absolute zero (-273.15 °C) mean "cannot be read" (manual §4.2). */
const ABSOLUTE_ZERO_MILLI = -273150;
/** What the encoder sends for a probe that cannot be read. */
const INVALID_TEMPERATURE_MILLI = -274000;

/** GetTemperatureValues: one reading per probe in °C, `undefined` where the probe could not be read. */
export interface TemperatureValues {
  /** Every probe, in the device's order. */
  readonly celsius: readonly (number | undefined)[];
  /** The Sequoia's probes in PTPy's naming (P7, P7MU, DDR, WiFi, IMU, IMUSunshine), when present. */
  readonly p7: number | undefined;
  readonly p7mu: number | undefined;
  readonly ddr: number | undefined;
  readonly wifi: number | undefined;
  readonly imu: number | undefined;
  readonly imuSunshine: number | undefined;
}

/** Decodes a GetTemperatureValues reply (INT32 millidegrees Celsius). */
export function decodeTemperatureValues(bytes: Uint8Array): TemperatureValues {
  const celsius = readArray(bytes, 'TemperatureValues', true, 0).map((m) => (m < ABSOLUTE_ZERO_MILLI ? undefined : m / 1000));
  return { celsius, p7: celsius[0], p7mu: celsius[1], ddr: celsius[2], wifi: celsius[3], imu: celsius[4], imuSunshine: celsius[5] };
}

/** Encodes a GetTemperatureValues reply from °C; `undefined` is sent as an invalid (below absolute zero) reading. */
export function encodeTemperatureValues(celsius: readonly (number | undefined)[]): Uint8Array {
  return writeArray(celsius.map((c) => (c === undefined ? INVALID_TEMPERATURE_MILLI : toUnits(c, 1000))), 'TemperatureValues', true);
}

// ---- IMU readings: AINT32 ----

/** GetAngleValues: the orientation in degrees (microdegrees on the wire). */
export interface AngleValues {
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

/** Three axes: gyroscope in rad/s (µrad/s on the wire), accelerometer in m/s² (µm/s²), magnetometer in nT (nT). */
export interface AxisValues {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** GetImuValues: all four readings at once. */
export interface ImuValues {
  readonly gyroscope: AxisValues;
  readonly accelerometer: AxisValues;
  readonly magnetometer: AxisValues;
  readonly angle: AngleValues;
}

const MICRO = 1e6;
const axes = (v: readonly number[], at: number, scale: number): AxisValues => ({ x: v[at]! / scale, y: v[at + 1]! / scale, z: v[at + 2]! / scale });
const axesOut = (a: AxisValues, scale: number): number[] => [toUnits(a.x, scale), toUnits(a.y, scale), toUnits(a.z, scale)];
const angles = (v: readonly number[], at: number): AngleValues => ({ yaw: v[at]! / MICRO, pitch: v[at + 1]! / MICRO, roll: v[at + 2]! / MICRO });
const anglesOut = (a: AngleValues): number[] => [toUnits(a.yaw, MICRO), toUnits(a.pitch, MICRO), toUnits(a.roll, MICRO)];

/** Decodes a GetAngleValues reply: AINT32 [yaw, pitch, roll] in microdegrees. */
export const decodeAngleValues = (bytes: Uint8Array): AngleValues => angles(readArray(bytes, 'AngleValues', true, 3), 0);
/** Encodes a GetAngleValues reply. */
export const encodeAngleValues = (a: AngleValues): Uint8Array => writeArray(anglesOut(a), 'AngleValues', true);

/** Decodes a GetGyroscopeValues reply: AINT32 [X, Y, Z] in µrad/s, to rad/s. */
export const decodeGyroscopeValues = (bytes: Uint8Array): AxisValues => axes(readArray(bytes, 'GyroscopeValues', true, 3), 0, MICRO);
/** Encodes a GetGyroscopeValues reply from rad/s. */
export const encodeGyroscopeValues = (a: AxisValues): Uint8Array => writeArray(axesOut(a, MICRO), 'GyroscopeValues', true);

/** Decodes a GetAccelerometerValues reply: AINT32 [X, Y, Z] in µm/s², to m/s². */
export const decodeAccelerometerValues = (bytes: Uint8Array): AxisValues => axes(readArray(bytes, 'AccelerometerValues', true, 3), 0, MICRO);
/** Encodes a GetAccelerometerValues reply from m/s². */
export const encodeAccelerometerValues = (a: AxisValues): Uint8Array => writeArray(axesOut(a, MICRO), 'AccelerometerValues', true);

/** Decodes a GetMagnetometerValues reply: AINT32 [X, Y, Z] in nanotesla. */
export const decodeMagnetometerValues = (bytes: Uint8Array): AxisValues => axes(readArray(bytes, 'MagnetometerValues', true, 3), 0, 1);
/** Encodes a GetMagnetometerValues reply (nT). */
export const encodeMagnetometerValues = (a: AxisValues): Uint8Array => writeArray(axesOut(a, 1), 'MagnetometerValues', true);

/** Decodes a GetImuValues reply: AINT32 of 12, gyroscope, accelerometer, magnetometer, angles, in this order. */
export function decodeImuValues(bytes: Uint8Array): ImuValues {
  const v = readArray(bytes, 'ImuValues', true, 12);
  return { gyroscope: axes(v, 0, MICRO), accelerometer: axes(v, 3, MICRO), magnetometer: axes(v, 6, 1), angle: angles(v, 9) };
}

/** Encodes a GetImuValues reply. */
export function encodeImuValues(imu: ImuValues): Uint8Array {
  return writeArray(
    [...axesOut(imu.gyroscope, MICRO), ...axesOut(imu.accelerometer, MICRO), ...axesOut(imu.magnetometer, 1), ...anglesOut(imu.angle)],
    'ImuValues', true,
  );
}

// ---- GetGpsValues (0x9204): AINT32 ----

/** An angle as degrees, minutes and seconds (microseconds of arc on the wire). */
export interface GpsAngle {
  readonly degrees: number;
  readonly minutes: number;
  readonly seconds: number;
  /** The same angle in decimal degrees (negative if any part is). */
  readonly decimal: number;
}

/** GetGpsValues: position and altitude in metres (centimetres on the wire). */
export interface GpsValues {
  readonly longitude: GpsAngle;
  readonly latitude: GpsAngle;
  readonly altitude: number;
}

function gpsAngle(degrees: number, minutes: number, microseconds: number): GpsAngle {
  const seconds = microseconds / MICRO;
  const sign = degrees < 0 || minutes < 0 || seconds < 0 ? -1 : 1;
  return { degrees, minutes, seconds, decimal: sign * (Math.abs(degrees) + Math.abs(minutes) / 60 + Math.abs(seconds) / 3600) };
}

/** Decodes a GetGpsValues reply: AINT32 [lon deg, lon min, lon µs, lat deg, lat min, lat µs, altitude cm]. */
export function decodeGpsValues(bytes: Uint8Array): GpsValues {
  const v = readArray(bytes, 'GpsValues', true, 7);
  return { longitude: gpsAngle(v[0]!, v[1]!, v[2]!), latitude: gpsAngle(v[3]!, v[4]!, v[5]!), altitude: v[6]! / 100 };
}

/** What {@link encodeGpsValues} takes: angles as degrees/minutes/seconds, altitude in metres. */
export interface GpsValuesInit {
  readonly longitude: Omit<GpsAngle, 'decimal'>;
  readonly latitude: Omit<GpsAngle, 'decimal'>;
  readonly altitude: number;
}

/** Encodes a GetGpsValues reply. */
export function encodeGpsValues(gps: GpsValuesInit): Uint8Array {
  const parts = (a: Omit<GpsAngle, 'decimal'>): number[] => [a.degrees, a.minutes, toUnits(a.seconds, MICRO)];
  return writeArray([...parts(gps.longitude), ...parts(gps.latitude), toUnits(gps.altitude, 100)], 'GpsValues', true);
}

// ---- GetStatusMask (0x9209) and the Status event (0xC201): UINT32 ----

/** Status mask bits, in the manual's order (Table 4). PTPy's order differs and is wrong. */
export const ParrotStatusBit = {
  CameraRunning: 0x00000001,
  MainIMUCalibRunning: 0x00000002,
  AuxiliaryIMUCalibRunning: 0x00000004,
  AuxiliaryConnected: 0x00000008,
  GPSRunning: 0x00000010,
  RemoteGPSRunning: 0x00000020,
  /** Camera number n (1..16) in error is bit 5 + n: 0x40 for camera 1 (Sequoia RGB) ... 0x200000 for camera 16. */
  CamNumber01Error: 0x00000040,
} as const;

/** Camera numbers of the Sequoia, for {@link ParrotStatus.cameraErrors} (manual Table 4). */
export const SequoiaCamera = { RGB: 1, Green: 2, Red: 3, RedEdge: 4, NIR: 5 } as const;

/** The status mask, decoded. */
export interface ParrotStatus {
  /** The raw mask (bits above 21 are reserved for future use and only kept here). */
  readonly mask: number;
  readonly cameraRunning: boolean;
  readonly mainImuCalibRunning: boolean;
  readonly auxiliaryImuCalibRunning: boolean;
  readonly auxiliaryConnected: boolean;
  readonly gpsRunning: boolean;
  readonly remoteGpsRunning: boolean;
  /** Numbers (1..16) of the cameras in an error state. */
  readonly cameraErrors: readonly number[];
}

/** Decodes a status mask (a GetStatusMask reply's value, or a Status event's parameter). */
export function statusFromMask(mask: number): ParrotStatus {
  const cameraErrors: number[] = [];
  for (let n = 1; n <= 16; n++) if ((mask & (ParrotStatusBit.CamNumber01Error << (n - 1))) !== 0) cameraErrors.push(n);
  return {
    mask: mask >>> 0,
    cameraRunning: (mask & ParrotStatusBit.CameraRunning) !== 0,
    mainImuCalibRunning: (mask & ParrotStatusBit.MainIMUCalibRunning) !== 0,
    auxiliaryImuCalibRunning: (mask & ParrotStatusBit.AuxiliaryIMUCalibRunning) !== 0,
    auxiliaryConnected: (mask & ParrotStatusBit.AuxiliaryConnected) !== 0,
    gpsRunning: (mask & ParrotStatusBit.GPSRunning) !== 0,
    remoteGpsRunning: (mask & ParrotStatusBit.RemoteGPSRunning) !== 0,
    cameraErrors,
  };
}

/** Builds a status mask from flags. */
export function maskFromStatus(status: Partial<Omit<ParrotStatus, 'mask'>>): number {
  let mask = 0;
  if (status.cameraRunning === true) mask |= ParrotStatusBit.CameraRunning;
  if (status.mainImuCalibRunning === true) mask |= ParrotStatusBit.MainIMUCalibRunning;
  if (status.auxiliaryImuCalibRunning === true) mask |= ParrotStatusBit.AuxiliaryIMUCalibRunning;
  if (status.auxiliaryConnected === true) mask |= ParrotStatusBit.AuxiliaryConnected;
  if (status.gpsRunning === true) mask |= ParrotStatusBit.GPSRunning;
  if (status.remoteGpsRunning === true) mask |= ParrotStatusBit.RemoteGPSRunning;
  for (const n of status.cameraErrors ?? []) {
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new RangeError(`camera number ${n} is not 1..16`);
    mask |= ParrotStatusBit.CamNumber01Error << (n - 1);
  }
  return mask >>> 0;
}

/** A single UINT32 (the GetStatusMask and MagnetoCalibStatus replies). */
export function decodeUint32(bytes: Uint8Array, field: string): number {
  return new ByteReader(bytes).u32(field);
}

/** Encodes a single UINT32. */
export function encodeUint32(value: number, field: string): Uint8Array {
  return new ByteWriter(4).u32(value, field).finish();
}

/** Decodes a GetStatusMask reply. */
export const decodeStatusMask = (bytes: Uint8Array): ParrotStatus => statusFromMask(decodeUint32(bytes, 'StatusMask'));
/** Encodes a GetStatusMask reply. */
export const encodeStatusMask = (mask: number): Uint8Array => encodeUint32(mask, 'StatusMask');

// ---- MagnetoCalibStatus (0x9212) and the MagnetoCalibrationStatus event (0xC202) ----

/** Magnetometer calibration status (manual Table 5; PTPy lacks None). */
export const MagnetoCalibrationStatus = {
  None: 0,
  CalibrationOk: 1,
  Running: 2,
  RollPending: 3,
  PitchPending: 4,
  YawPending: 5,
  Failed: 6,
  Aborted: 7,
} as const;
export type MagnetoCalibrationStatus = (typeof MagnetoCalibrationStatus)[keyof typeof MagnetoCalibrationStatus];

/** Name of a calibration status, `undefined` for values a later extension may add. */
export function magnetoCalibrationStatusName(status: number): keyof typeof MagnetoCalibrationStatus | undefined {
  const entry = Object.entries(MagnetoCalibrationStatus).find(([, v]) => v === status);
  return entry?.[0] as keyof typeof MagnetoCalibrationStatus | undefined;
}

// ---- SetGeotag (0x9400): 60 bytes ----

/** The geotag dataset as it is on the wire (integers, scaled). */
export const GeotagCodec = struct('ParrotGeotag', {
  validityMask: uint32,
  timestamp: int64,
  /** Degrees × 10^7. */
  latitude: int32,
  /** Degrees × 10^7. */
  longitude: int32,
  /** Metres × 1000. */
  altitude: int32,
  satellites: uint32,
  /** Metres × 1000. */
  accuracyXY: uint32,
  /** Metres × 1000. */
  accuracyZ: uint32,
  /** × 1000 (m/s). */
  northSpeed: int32,
  eastSpeed: int32,
  upSpeed: int32,
  /** × 1000 (degrees). */
  roll: int32,
  pitch: int32,
  yaw: int32,
});
type GeotagWire = Infer<typeof GeotagCodec>;

/**
 * A geotag for SetGeotag (PTPy's layout: Parrot's manual does not describe
 * this operation). Floats in natural units; the wire scales them.
 */
export interface Geotag {
  /** Which fields are valid (bit meanings are not documented). */
  readonly validityMask: number;
  /** Signed 64-bit timestamp, as the device takes it. */
  readonly timestamp: bigint;
  /** Decimal degrees (10^-7 degree on the wire). */
  readonly latitude: number;
  readonly longitude: number;
  /** Metres (mm on the wire). */
  readonly altitude: number;
  readonly satellites: number;
  /** Metres (mm on the wire). */
  readonly accuracyXY: number;
  readonly accuracyZ: number;
  /** Thousandths on the wire. */
  readonly northSpeed: number;
  readonly eastSpeed: number;
  readonly upSpeed: number;
  readonly roll: number;
  readonly pitch: number;
  readonly yaw: number;
}

const GEOTAG_SCALES: Readonly<Partial<Record<keyof Geotag, number>>> = {
  latitude: 1e7, longitude: 1e7, altitude: 1000, accuracyXY: 1000, accuracyZ: 1000,
  northSpeed: 1000, eastSpeed: 1000, upSpeed: 1000, roll: 1000, pitch: 1000, yaw: 1000,
};

/** Size of the SetGeotag dataset. */
export const GEOTAG_SIZE = 60;

/** Encodes a geotag (60 bytes), scaling the floats to the nearest wire unit. */
export function encodeGeotag(geotag: Geotag): Uint8Array {
  const wire: Record<string, number | bigint> = {};
  for (const [key, value] of Object.entries(geotag) as Array<[keyof Geotag, number | bigint]>) {
    const scale = GEOTAG_SCALES[key];
    wire[key] = scale === undefined || typeof value === 'bigint' ? value : toUnits(value, scale);
  }
  return GeotagCodec.encode(wire as GeotagWire);
}

/** Decodes a geotag (60 bytes; fewer is a ProtocolError). */
export function decodeGeotag(bytes: Uint8Array): Geotag {
  if (bytes.length < GEOTAG_SIZE) {
    throw new ProtocolError(`${bytes.length} byte(s), ${GEOTAG_SIZE} expected`, { field: 'ParrotGeotag', offset: 0 });
  }
  const w = GeotagCodec.decode(bytes);
  const scaled = (key: keyof Geotag & keyof GeotagWire): number => (w[key] as number) / GEOTAG_SCALES[key]!;
  return {
    validityMask: w.validityMask,
    timestamp: w.timestamp,
    latitude: scaled('latitude'),
    longitude: scaled('longitude'),
    altitude: scaled('altitude'),
    satellites: w.satellites,
    accuracyXY: scaled('accuracyXY'),
    accuracyZ: scaled('accuracyZ'),
    northSpeed: scaled('northSpeed'),
    eastSpeed: scaled('eastSpeed'),
    upSpeed: scaled('upSpeed'),
    roll: scaled('roll'),
    pitch: scaled('pitch'),
    yaw: scaled('yaw'),
  };
}
