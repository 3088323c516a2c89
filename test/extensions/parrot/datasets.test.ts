/**
 * Parrot datasets: golden byte layouts from Parrot's "PTP Parrot Extension
 * v1.0" manual (AINT32 readings, status bits of Table 4, calibration codes of
 * Table 5) and PTPy's 60-byte geotag, both ways, and malformed input.
 */
import { expect } from 'chai';
import {
  decodeAccelerometerValues, decodeAngleValues, decodeGeotag, decodeGpsValues, decodeGyroscopeValues, decodeImuValues,
  decodeMagnetometerValues, decodeStatusMask, decodeSunshineValues, decodeTemperatureValues,
  encodeAccelerometerValues, encodeAngleValues, encodeGeotag, encodeGpsValues, encodeImuValues, encodeStatusMask,
  encodeSunshineValues, encodeTemperatureValues, magnetoCalibrationStatusName, maskFromStatus,
  MagnetoCalibrationStatus, ParrotStatusBit, statusFromMask, type Geotag,
} from '../../../src/extensions/parrot/index.js';
import { protocolError } from '../../support/assertions.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
/** Little-endian 32-bit, signed or not (two's complement). */
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le64 = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn));
/** A PTP array of 32-bit values: UINT32 count, then the values. */
const a32 = (...values: number[]): Uint8Array => bytes(...le32(values.length), ...values.flatMap(le32));

describe('Parrot angle values (GetAngleValues 0x9203: AINT32 microdegrees)', () => {
  const golden = bytes(0x03, 0, 0, 0, 0x15, 0xcd, 0x5b, 0x07, 0xe0, 0x43, 0x41, 0xff, 0xb0, 0x68, 0xce, 0xff);
  it('decodes negative angles as negative (PTPy reads them unsigned)', () => {
    expect(a32(123456789, -12500000, -3250000)).to.deep.equal(golden);
    expect(decodeAngleValues(golden)).to.deep.equal({ yaw: 123.456789, pitch: -12.5, roll: -3.25 });
  });
  it('encodes to the golden bytes', () => {
    expect(encodeAngleValues({ yaw: 123.456789, pitch: -12.5, roll: -3.25 })).to.deep.equal(golden);
  });
  it('rejects fewer than 3 values and a count beyond the data', () => {
    protocolError(() => decodeAngleValues(a32(1, 2)), { field: /AngleValues/ });
    protocolError(() => decodeAngleValues(bytes(...le32(3), ...le32(1))), { field: /AngleValues/ });
    protocolError(() => decodeAngleValues(bytes(0, 0)), { field: /AngleValues/ });
  });
});

describe('Parrot gyroscope, accelerometer, magnetometer and IMU values (AINT32)', () => {
  it('scale µrad/s, µm/s² and nT, keeping signs', () => {
    expect(decodeGyroscopeValues(a32(-12300, 4500, -789))).to.deep.equal({ x: -0.0123, y: 0.0045, z: -0.000789 });
    expect(decodeAccelerometerValues(a32(-123456, 500000, -9806650))).to.deep.equal({ x: -0.123456, y: 0.5, z: -9.80665 });
    expect(decodeMagnetometerValues(a32(-21000, 4500, -43000))).to.deep.equal({ x: -21000, y: 4500, z: -43000 });
    expect(encodeAccelerometerValues({ x: -0.123456, y: 0.5, z: -9.80665 })).to.deep.equal(a32(-123456, 500000, -9806650));
  });
  it('GetImuValues holds gyroscope, accelerometer, magnetometer, angles in this order', () => {
    const wire = a32(1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12);
    const imu = decodeImuValues(wire);
    expect(imu).to.deep.equal({
      gyroscope: { x: 1e-6, y: -2e-6, z: 3e-6 },
      accelerometer: { x: -4e-6, y: 5e-6, z: -6e-6 },
      magnetometer: { x: 7, y: -8, z: 9 },
      angle: { yaw: -10e-6, pitch: 11e-6, roll: -12e-6 },
    });
    expect(encodeImuValues(imu)).to.deep.equal(wire);
    protocolError(() => decodeImuValues(a32(1, 2, 3)), { field: /ImuValues/ });
  });
});

describe('Parrot temperature values (GetTemperatureValues 0x9202: AINT32 m°C)', () => {
  const golden = bytes(0x02, 0, 0, 0, 0x74, 0xbd, 0, 0, 0xb0, 0xd1, 0xfb, 0xff);
  it('decodes m°C to °C, and readings below absolute zero to undefined', () => {
    expect(a32(48500, -274000)).to.deep.equal(golden);
    const t = decodeTemperatureValues(golden);
    expect(t.celsius).to.deep.equal([48.5, undefined]);
    expect(t.p7).to.equal(48.5);
    expect(t.p7mu).to.equal(undefined);
  });
  it('keeps cold but real readings, down to absolute zero', () => {
    expect(decodeTemperatureValues(a32(-20000, -273150, -273151)).celsius).to.deep.equal([-20, -273.15, undefined]);
  });
  it('encodes undefined as an invalid reading', () => {
    expect(encodeTemperatureValues([48.5, undefined])).to.deep.equal(golden);
  });
});

describe('Parrot sunshine values (GetSunshineValues 0x9201: AUINT32)', () => {
  it('pairs value i with value i + 4 per band', () => {
    const wire = a32(10, 20, 30, 40, 11, 21, 31, 41);
    const s = decodeSunshineValues(wire);
    expect(s.values).to.deep.equal([10, 20, 30, 40, 11, 21, 31, 41]);
    expect(s.bands).to.deep.equal({ green: [10, 11], red: [20, 21], redEdge: [30, 31], nir: [40, 41] });
    expect(encodeSunshineValues(s.values)).to.deep.equal(wire);
  });
  it('reads values above 2^31 as unsigned, and has no bands with fewer than 8 values', () => {
    const s = decodeSunshineValues(a32(0xfffffffe));
    expect(s.values).to.deep.equal([0xfffffffe]);
    expect(s.bands).to.equal(undefined);
  });
});

describe('Parrot GPS values (GetGpsValues 0x9204)', () => {
  const golden = bytes(
    0x07, 0, 0, 0,
    0x02, 0, 0, 0, 0x11, 0, 0, 0, 0x40, 0x3c, 0x64, 0x02, // lon 2° 17' 40.123456"
    0x30, 0, 0, 0, 0x33, 0, 0, 0, 0x31, 0x7d, 0xc4, 0x01, // lat 48° 51' 29.654321"
    0xb8, 0x0d, 0, 0, // 3512 cm
  );
  it('decodes degrees, minutes, microseconds of arc and centimetres', () => {
    const gps = decodeGpsValues(golden);
    expect(gps.longitude).to.include({ degrees: 2, minutes: 17, seconds: 40.123456 });
    expect(gps.latitude).to.include({ degrees: 48, minutes: 51, seconds: 29.654321 });
    expect(gps.longitude.decimal).to.be.closeTo(2 + 17 / 60 + 40.123456 / 3600, 1e-12);
    expect(gps.altitude).to.equal(35.12);
  });
  it('encodes to the golden bytes', () => {
    expect(encodeGpsValues({
      longitude: { degrees: 2, minutes: 17, seconds: 40.123456 },
      latitude: { degrees: 48, minutes: 51, seconds: 29.654321 },
      altitude: 35.12,
    })).to.deep.equal(golden);
  });
  it('is negative west and south', () => {
    expect(decodeGpsValues(a32(-122, 25, 9840000, -33, 52, 0, -500)).longitude.decimal).to.be.closeTo(-(122 + 25 / 60 + 9.84 / 3600), 1e-12);
    expect(decodeGpsValues(a32(-122, 25, 9840000, -33, 52, 0, -500)).altitude).to.equal(-5);
  });
  it('rejects a short reply', () => {
    protocolError(() => decodeGpsValues(a32(1, 2, 3, 4, 5, 6)), { field: /GpsValues/ });
  });
});

describe('Parrot status mask (GetStatusMask 0x9209, Status event 0xC201)', () => {
  it('follows the manual\'s bit order', () => {
    expect(ParrotStatusBit).to.include({
      CameraRunning: 0x01, MainIMUCalibRunning: 0x02, AuxiliaryIMUCalibRunning: 0x04, AuxiliaryConnected: 0x08,
      GPSRunning: 0x10, RemoteGPSRunning: 0x20, CamNumber01Error: 0x40,
    });
    // CameraRunning, AuxiliaryConnected, GPSRunning, camera 1 (RGB) and camera 16 in error.
    const golden = bytes(0x59, 0x00, 0x20, 0x00);
    const status = decodeStatusMask(golden);
    expect(status).to.deep.equal({
      mask: 0x200059, cameraRunning: true, mainImuCalibRunning: false, auxiliaryImuCalibRunning: false,
      auxiliaryConnected: true, gpsRunning: true, remoteGpsRunning: false, cameraErrors: [1, 16],
    });
    expect(encodeStatusMask(maskFromStatus(status))).to.deep.equal(golden);
  });
  it('decodes each bit alone', () => {
    expect(statusFromMask(0x02).mainImuCalibRunning).to.equal(true);
    expect(statusFromMask(0x04).auxiliaryImuCalibRunning).to.equal(true);
    expect(statusFromMask(0x20).remoteGpsRunning).to.equal(true);
    expect(statusFromMask(0x400).cameraErrors).to.deep.equal([5]); // NIR
    expect(statusFromMask(0x80000000).mask).to.equal(0x80000000);
  });
  it('rejects a reply shorter than a UINT32', () => {
    protocolError(() => decodeStatusMask(bytes(1, 2, 3)), { field: /StatusMask/ });
  });
});

describe('Parrot magnetometer calibration status (Table 5)', () => {
  it('has None at 0 and the manual\'s codes', () => {
    expect(MagnetoCalibrationStatus).to.deep.equal({
      None: 0, CalibrationOk: 1, Running: 2, RollPending: 3, PitchPending: 4, YawPending: 5, Failed: 6, Aborted: 7,
    });
    expect(magnetoCalibrationStatusName(7)).to.equal('Aborted');
    expect(magnetoCalibrationStatusName(8)).to.equal(undefined);
  });
});

describe('Parrot geotag (SetGeotag 0x9400: 60 bytes)', () => {
  const geotag: Geotag = {
    validityMask: 0x3f, timestamp: 1700000000123n, latitude: 48.856614, longitude: 2.3522219, altitude: 35.12,
    satellites: 9, accuracyXY: 1.5, accuracyZ: 2.25, northSpeed: -1.25, eastSpeed: 0.5, upSpeed: -0.01,
    roll: -3.25, pitch: 12.5, yaw: -170,
  };
  const golden = bytes(
    ...le32(0x3f), ...le64(1700000000123n),
    ...le32(488566140), ...le32(23522219), ...le32(35120), // degrees × 10^7, metres × 1000
    ...le32(9), ...le32(1500), ...le32(2250), // satellites, accuracies × 1000
    ...le32(-1250), ...le32(500), ...le32(-10), // speeds × 1000
    ...le32(-3250), ...le32(12500), ...le32(-170000), // roll, pitch, yaw × 1000
  );

  it('encodes floats, scaled, into 60 bytes', () => {
    expect(golden.length).to.equal(60);
    expect(encodeGeotag(geotag)).to.deep.equal(golden);
  });
  it('decodes back to floats', () => {
    expect(decodeGeotag(golden)).to.deep.equal(geotag);
  });
  it('rounds to the nearest wire unit (no float truncation)', () => {
    // 0.1 × 10^7 is 999999.9999999999 in floating point; truncation would lose a unit.
    const tag = decodeGeotag(encodeGeotag({ ...geotag, latitude: 0.1, altitude: 0.001 }));
    expect(tag.latitude).to.equal(0.1);
    expect(tag.altitude).to.equal(0.001);
  });
  it('rejects a short dataset', () => {
    protocolError(() => decodeGeotag(golden.subarray(0, 59)), { field: /Geotag/ });
  });
});
