/**
 * Parrot (Sequoia) operations on a camera: the sunshine, temperature, IMU and
 * GPS readings, the status mask, storage eject, magnetometer calibration,
 * firmware upload and geotags.
 *
 * IMU operations take an IMU ID (Sequoia: 0 = main body, 1 = auxiliary
 * sunshine sensor; 0 is the default).
 *
 * @example
 * const sequoia = parrot(camera);
 * await camera.session(async () => {
 *   const { yaw, pitch, roll } = await sequoia.getAngleValues();
 * });
 */
import type { Camera } from '../../portable-camera.js';
import type { DataSource } from '../../core/transport.js';
import { ParrotOperationCode as Op } from './codes.js';
import {
  decodeAccelerometerValues, decodeAngleValues, decodeGpsValues, decodeGyroscopeValues, decodeImuValues,
  decodeMagnetometerValues, decodeStatusMask, decodeSunshineValues, decodeTemperatureValues, decodeUint32, encodeGeotag,
  type AngleValues, type AxisValues, type Geotag, type GpsValues, type ImuValues, type ParrotStatus,
  type SunshineValues, type TemperatureValues,
} from './datasets.js';

/** What the Parrot API needs of a camera. */
export type ParrotCamera = Pick<Camera, 'transaction'>;

/** Options of {@link ParrotApi.sendFirmwareUpdate}. */
export interface ParrotFirmwareUpdateOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (sent: bigint, total: bigint | undefined) => void;
}

/** The Parrot API bound to one camera; see {@link parrot}. */
export interface ParrotApi {
  /** GetSunshineValues (0x9201). */
  getSunshineValues(): Promise<SunshineValues>;
  /** GetTemperatureValues (0x9202): °C, `undefined` for probes that could not be read. */
  getTemperatureValues(): Promise<TemperatureValues>;
  /** GetAngleValues (0x9203): yaw, pitch, roll in degrees. */
  getAngleValues(imuId?: number): Promise<AngleValues>;
  /** GetGpsValues (0x9204). */
  getGpsValues(): Promise<GpsValues>;
  /** GetGyroscopeValues (0x9205): rad/s. */
  getGyroscopeValues(imuId?: number): Promise<AxisValues>;
  /** GetAccelerometerValues (0x9206): m/s². */
  getAccelerometerValues(imuId?: number): Promise<AxisValues>;
  /** GetMagnetometerValues (0x9207): nT. */
  getMagnetometerValues(imuId?: number): Promise<AxisValues>;
  /** GetImuValues (0x9208): the four readings at once. */
  getImuValues(imuId?: number): Promise<ImuValues>;
  /** GetStatusMask (0x9209), decoded. */
  getStatus(): Promise<ParrotStatus>;
  /** EjectStorage (0x920A): unmounts a storage before it is unplugged. */
  ejectStorage(storageId: number): Promise<void>;
  /** StartMagnetoCalib (0x9210); MagnetoCalibrationStatus events (0xC202) follow. */
  startMagnetoCalib(imuId?: number): Promise<void>;
  /** StopMagnetoCalib (0x9211). */
  stopMagnetoCalib(imuId?: number): Promise<void>;
  /** MagnetoCalibStatus (0x9212): a {@link MagnetoCalibrationStatus} value. */
  getMagnetoCalibStatus(imuId?: number): Promise<number>;
  /**
   * SendFirmwareUpdate (0x9213): streams the firmware file to the device,
   * with its size as the parameter (0xFFFFFFFF when it is 4 GiB or more, as
   * the manual allows).
   */
  sendFirmwareUpdate(firmware: DataSource, options?: ParrotFirmwareUpdateOptions): Promise<void>;
  /** SetGeotag (0x9400, known from PTPy only: the manual does not list it). */
  setGeotag(geotag: Geotag): Promise<void>;
}

/** The Parrot operations of `camera`. */
export function parrot(camera: ParrotCamera): ParrotApi {
  const receive = async (code: number, params: readonly number[] = []): Promise<Uint8Array> =>
    (await camera.transaction(code, params, { receive: true })).data ?? new Uint8Array(0);

  return {
    getSunshineValues: async () => decodeSunshineValues(await receive(Op.GetSunshineValues)),
    getTemperatureValues: async () => decodeTemperatureValues(await receive(Op.GetTemperatureValues)),
    getAngleValues: async (imuId = 0) => decodeAngleValues(await receive(Op.GetAngleValues, [imuId])),
    getGpsValues: async () => decodeGpsValues(await receive(Op.GetGpsValues)),
    getGyroscopeValues: async (imuId = 0) => decodeGyroscopeValues(await receive(Op.GetGyroscopeValues, [imuId])),
    getAccelerometerValues: async (imuId = 0) => decodeAccelerometerValues(await receive(Op.GetAccelerometerValues, [imuId])),
    getMagnetometerValues: async (imuId = 0) => decodeMagnetometerValues(await receive(Op.GetMagnetometerValues, [imuId])),
    getImuValues: async (imuId = 0) => decodeImuValues(await receive(Op.GetImuValues, [imuId])),
    getStatus: async () => decodeStatusMask(await receive(Op.GetStatusMask)),
    async ejectStorage(storageId) {
      await camera.transaction(Op.EjectStorage, [storageId]);
    },
    async startMagnetoCalib(imuId = 0) {
      await camera.transaction(Op.StartMagnetoCalib, [imuId]);
    },
    async stopMagnetoCalib(imuId = 0) {
      await camera.transaction(Op.StopMagnetoCalib, [imuId]);
    },
    getMagnetoCalibStatus: async (imuId = 0) => decodeUint32(await receive(Op.MagnetoCalibStatus, [imuId]), 'MagnetoCalibStatus'),
    async sendFirmwareUpdate(firmware, options = {}) {
      const length = BigInt(firmware instanceof Uint8Array ? firmware.length : firmware.length);
      const size = length >= 0xffffffffn ? 0xffffffff : Number(length);
      await camera.transaction(Op.SendFirmwareUpdate, [size], {
        data: firmware,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      });
    },
    async setGeotag(geotag) {
      await camera.transaction(Op.SetGeotag, [], { data: encodeGeotag(geotag) });
    },
  };
}
