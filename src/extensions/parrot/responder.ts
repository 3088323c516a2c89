/**
 * The virtual camera's Parrot behaviour (worn by the `parrot-sequoia`
 * personality): plausible sensor readings (with negative angles and
 * accelerations, so that signed decoding is exercised), the status mask, the
 * magnetometer calibration state machine with its events, storage eject,
 * firmware upload and geotags.
 *
 * Calibration: StartMagnetoCalib moves an IMU through Running, RollPending,
 * PitchPending, YawPending to CalibrationOk, one step every
 * `calibrationStepMs`; StopMagnetoCalib ends a running one as Aborted. Each
 * step sends MagnetoCalibrationStatus (0xC202: IMU, status), and the status
 * mask's calibration bit going on or off sends Status (0xC201: mask).
 *
 * SetGeotag (0x9400) is answered though the recorded Sequoia does not list it
 * (its firmware predates it); {@link sequoiaState} gives what was stored.
 */
import { ResponseCode } from '../../core/codes/responses.js';
import { PtpError } from '../../core/errors.js';
import type { IncomingTransaction, TransactionResult } from '../../core/transport.js';
import type { VirtualCamera, VirtualCameraBehaviour, VirtualOperation } from '../../responder/virtual-camera.js';
import { ParrotDevicePropCode, ParrotEventCode, ParrotOperationCode as Op } from './codes.js';
import {
  decodeGeotag, encodeAccelerometerValues, encodeAngleValues, encodeGpsValues, encodeGyroscopeValues, encodeImuValues,
  encodeMagnetometerValues, encodeStatusMask, encodeSunshineValues, encodeTemperatureValues, encodeUint32,
  GEOTAG_SIZE, MagnetoCalibrationStatus as Calib, ParrotStatusBit,
  type AngleValues, type AxisValues, type Geotag, type GpsValuesInit,
} from './datasets.js';
import { param, readLimited } from '../../responder/incoming.js';

/** The readings of one virtual IMU. */
export interface VirtualImu {
  readonly angle: AngleValues;
  /** rad/s */
  readonly gyroscope: AxisValues;
  /** m/s² */
  readonly accelerometer: AxisValues;
  /** nT */
  readonly magnetometer: AxisValues;
}

/** The readings the virtual Sequoia reports (a body tilted nose down and to the left, at rest, in Paris). */
export const SEQUOIA_READINGS = {
  sunshine: [1520, 1830, 1210, 2950, 12000, 12000, 12000, 12000],
  /** °C: P7, P7MU, DDR, WiFi, IMU, and the sunshine sensor's IMU, which cannot be read (no auxiliary reading). */
  temperatures: [48.5, 51.25, 46, 43.75, 39.5, undefined],
  imu: [
    {
      angle: { yaw: 123.456789, pitch: -12.5, roll: -3.25 },
      gyroscope: { x: -0.0123, y: 0.0045, z: -0.000789 },
      accelerometer: { x: -0.123456, y: 0.5, z: -9.80665 },
      magnetometer: { x: -21000, y: 4500, z: -43000 },
    },
    {
      angle: { yaw: -170.000001, pitch: 2.5, roll: -0.75 },
      gyroscope: { x: 0.001, y: -0.002, z: 0.003 },
      accelerometer: { x: 0.05, y: -0.25, z: -9.79 },
      magnetometer: { x: 19000, y: -3000, z: -41000 },
    },
  ] as readonly VirtualImu[],
  gps: {
    longitude: { degrees: 2, minutes: 17, seconds: 40.123456 },
    latitude: { degrees: 48, minutes: 51, seconds: 29.654321 },
    altitude: 35.12,
  } as GpsValuesInit,
} as const;

/** What the virtual Sequoia holds, for tests and tools. */
export interface SequoiaState {
  /** The status mask (GetStatusMask, Status events). */
  statusMask: number;
  /** Calibration status per IMU. */
  readonly calibration: number[];
  /** The last geotag set with SetGeotag. */
  geotag: Geotag | undefined;
  /** Storages ejected with EjectStorage. */
  readonly ejected: Set<number>;
  /** The last firmware upload: its byte count. */
  firmware: { readonly size: number } | undefined;
}

const states = new WeakMap<VirtualCamera, SequoiaState>();

/** The state of a virtual camera wearing the Parrot behaviour (e.g. `sequoiaState(emu.device)`). */
export function sequoiaState(camera: VirtualCamera): SequoiaState | undefined {
  return states.get(camera);
}

/** Options of {@link parrotBehaviour}. */
export interface ParrotBehaviourOptions {
  /** Time between calibration steps. Default 150 ms. */
  readonly calibrationStepMs?: number;
}

/** The Parrot behaviour of the virtual camera. */
export function parrotBehaviour(options: ParrotBehaviourOptions = {}): VirtualCameraBehaviour {
  return {
    codes: [{ operation: Op, event: ParrotEventCode, property: ParrotDevicePropCode }],
    events: [ParrotEventCode.Status, ParrotEventCode.MagnetoCalibrationStatus],
    operations: (camera) => new ParrotResponder(camera, options).operations(),
  };
}

const IMU_COUNT = SEQUOIA_READINGS.imu.length;
const CALIBRATION_STEPS: readonly number[] = [Calib.Running, Calib.RollPending, Calib.PitchPending, Calib.YawPending, Calib.CalibrationOk];
const CALIB_BITS: readonly number[] = [ParrotStatusBit.MainIMUCalibRunning, ParrotStatusBit.AuxiliaryIMUCalibRunning];
const MAX_GEOTAG = 1024;

class ParrotResponder {
  readonly #camera: VirtualCamera;
  readonly #stepMs: number;
  readonly #state: SequoiaState = {
    statusMask: ParrotStatusBit.AuxiliaryConnected | ParrotStatusBit.GPSRunning,
    calibration: SEQUOIA_READINGS.imu.map(() => Calib.None),
    geotag: undefined,
    ejected: new Set(),
    firmware: undefined,
  };
  readonly #timers: Array<ReturnType<typeof setTimeout> | undefined> = [];

  constructor(camera: VirtualCamera, options: ParrotBehaviourOptions) {
    this.#camera = camera;
    this.#stepMs = options.calibrationStepMs ?? 150;
    states.set(camera, this.#state);
  }

  operations(): ReadonlyMap<number, VirtualOperation> {
    const ok = (data: Uint8Array): TransactionResult => ({ code: ResponseCode.OK, data });
    const withImu = (reply: (imu: VirtualImu) => Uint8Array): VirtualOperation => async (t) => {
      const imu = SEQUOIA_READINGS.imu[param(t, 0)];
      return imu === undefined ? { code: ResponseCode.InvalidParameter } : ok(reply(imu));
    };
    return new Map<number, VirtualOperation>([
      [Op.GetSunshineValues, async () => ok(encodeSunshineValues(SEQUOIA_READINGS.sunshine))],
      [Op.GetTemperatureValues, async () => ok(encodeTemperatureValues(SEQUOIA_READINGS.temperatures))],
      [Op.GetAngleValues, withImu((imu) => encodeAngleValues(imu.angle))],
      [Op.GetGpsValues, async () => ok(encodeGpsValues(SEQUOIA_READINGS.gps))],
      [Op.GetGyroscopeValues, withImu((imu) => encodeGyroscopeValues(imu.gyroscope))],
      [Op.GetAccelerometerValues, withImu((imu) => encodeAccelerometerValues(imu.accelerometer))],
      [Op.GetMagnetometerValues, withImu((imu) => encodeMagnetometerValues(imu.magnetometer))],
      [Op.GetImuValues, withImu((imu) => encodeImuValues(imu))],
      [Op.GetStatusMask, async () => ok(encodeStatusMask(this.#state.statusMask))],
      [Op.EjectStorage, async (t) => this.#eject(param(t, 0))],
      [Op.StartMagnetoCalib, async (t) => this.#startCalibration(param(t, 0))],
      [Op.StopMagnetoCalib, async (t) => this.#stopCalibration(param(t, 0))],
      [Op.MagnetoCalibStatus, async (t) => {
        const status = this.#state.calibration[param(t, 0)];
        return status === undefined ? { code: ResponseCode.InvalidParameter } : ok(encodeUint32(status, 'MagnetoCalibStatus'));
      }],
      [Op.SendFirmwareUpdate, async (t) => this.#firmware(t)],
      [Op.SetGeotag, async (t) => this.#setGeotag(t)],
    ]);
  }

  #eject(storageId: number): TransactionResult {
    if (!this.#camera.store.hasStorage(storageId)) return { code: ResponseCode.InvalidStorageID };
    this.#state.ejected.add(storageId);
    return { code: ResponseCode.OK };
  }

  #setStatusMask(mask: number): void {
    if (mask === this.#state.statusMask) return;
    this.#state.statusMask = mask >>> 0;
    const sent = this.#state.statusMask;
    setImmediate(() => this.#camera.emit({ code: ParrotEventCode.Status, params: [sent] }));
  }

  #setCalibration(imu: number, status: number): void {
    this.#state.calibration[imu] = status;
    const bit = CALIB_BITS[imu]!;
    const running = status !== Calib.CalibrationOk && status !== Calib.Failed && status !== Calib.Aborted && status !== Calib.None;
    this.#setStatusMask(running ? this.#state.statusMask | bit : this.#state.statusMask & ~bit);
    setImmediate(() => this.#camera.emit({ code: ParrotEventCode.MagnetoCalibrationStatus, params: [imu, status] }));
  }

  #startCalibration(imu: number): TransactionResult {
    if (imu >= IMU_COUNT) return { code: ResponseCode.InvalidParameter };
    clearTimeout(this.#timers[imu]);
    let step = 0;
    const advance = (): void => {
      this.#setCalibration(imu, CALIBRATION_STEPS[step]!);
      step++;
      this.#timers[imu] = step < CALIBRATION_STEPS.length ? setTimeout(advance, this.#stepMs).unref() : undefined;
    };
    advance();
    return { code: ResponseCode.OK };
  }

  #stopCalibration(imu: number): TransactionResult {
    if (imu >= IMU_COUNT) return { code: ResponseCode.InvalidParameter };
    if (this.#timers[imu] !== undefined) {
      clearTimeout(this.#timers[imu]);
      this.#timers[imu] = undefined;
      this.#setCalibration(imu, Calib.Aborted);
    }
    return { code: ResponseCode.OK };
  }

  /** Counts the upload through (never buffers it); a size other than announced is Invalid_Dataset. */
  async #firmware(t: IncomingTransaction): Promise<TransactionResult> {
    const announced = param(t, 0);
    let size = 0;
    for await (const chunk of t.data ?? []) size += chunk.length;
    if (size === 0 || (announced !== 0xffffffff && announced !== size)) return { code: ResponseCode.InvalidDataset };
    this.#state.firmware = { size };
    return { code: ResponseCode.OK };
  }

  async #setGeotag(t: IncomingTransaction): Promise<TransactionResult> {
    const bytes = await readLimited(t.data, MAX_GEOTAG);
    if (bytes === undefined || bytes.length !== GEOTAG_SIZE) return { code: ResponseCode.InvalidDataset };
    try {
      this.#state.geotag = decodeGeotag(bytes);
    } catch (err) {
      if (err instanceof PtpError) return { code: ResponseCode.InvalidDataset };
      throw err;
    }
    return { code: ResponseCode.OK };
  }
}


