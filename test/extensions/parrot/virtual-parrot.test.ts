/**
 * The Parrot API against the virtual camera's `parrot-sequoia` personality,
 * end to end over the in-process pair and over PTP/IP on loopback.
 */
import { expect } from 'chai';
import { Camera, type CameraEvent } from '../../../src/camera.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import {
  MagnetoCalibrationStatus as Calib, parrot, ParrotEventCode, ParrotStatusBit, statusFromMask, type Geotag,
} from '../../../src/extensions/parrot/index.js';
import { parrotBehaviour, SEQUOIA_READINGS, sequoiaState } from '../../../src/extensions/parrot/responder.js';
import { expectResponseCode } from '../../support/assertions.js';
import { forEachWire, openOnWire, tempFolder } from '../../support/virtual-wires.js';


/** Collects events until `done` says so (or 5 s pass). */
async function eventsUntil(camera: Camera, done: (seen: readonly CameraEvent[]) => boolean): Promise<CameraEvent[]> {
  const seen: CameraEvent[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  for await (const e of camera.events({ signal: controller.signal })) {
    seen.push(e);
    if (done(seen)) break;
  }
  clearTimeout(timer);
  return seen;
}

forEachWire('Parrot Sequoia personality', (wire) => {
  const rig = openOnWire(wire, { folder: () => tempFolder('ptpts-parrot-'), start: { personality: 'parrot-sequoia' } });

  it('is detected as parrot', () => {
    expect(rig.camera.extension.name).to.equal('parrot');
    expect(rig.camera.deviceInfo.model).to.equal('Sequoia');
    expect(rig.camera.codeNames.name('operation', 0x9203)).to.equal('GetAngleValues');
  });

  it('decodes negative angles and accelerations as negative', async () => {
    await rig.camera.session(async () => {
      const sequoia = parrot(rig.camera);
      const angles = await sequoia.getAngleValues();
      expect(angles).to.deep.equal({ yaw: 123.456789, pitch: -12.5, roll: -3.25 });
      expect((await sequoia.getAngleValues(1)).yaw).to.equal(-170.000001);
      const accel = await sequoia.getAccelerometerValues();
      expect(accel.z).to.equal(-9.80665);
      expect(accel.x).to.be.lessThan(0);
      expect(await sequoia.getGyroscopeValues()).to.deep.equal(SEQUOIA_READINGS.imu[0]!.gyroscope);
      expect(await sequoia.getMagnetometerValues(1)).to.deep.equal(SEQUOIA_READINGS.imu[1]!.magnetometer);
      expect(await sequoia.getImuValues()).to.deep.equal(SEQUOIA_READINGS.imu[0]);
      await expectResponseCode(sequoia.getAngleValues(2), ResponseCode.InvalidParameter);
    });
  });

  it('reads temperatures, with the unreadable probe as undefined', async () => {
    await rig.camera.session(async () => {
      const t = await parrot(rig.camera).getTemperatureValues();
      expect(t.celsius).to.deep.equal([48.5, 51.25, 46, 43.75, 39.5, undefined]);
      expect(t.ddr).to.equal(46);
      expect(t.imuSunshine).to.equal(undefined);
    });
  });

  it('reads sunshine and GPS values', async () => {
    await rig.camera.session(async () => {
      const sequoia = parrot(rig.camera);
      const sun = await sequoia.getSunshineValues();
      expect(sun.bands?.nir).to.deep.equal([2950, 12000]);
      const gps = await sequoia.getGpsValues();
      expect(gps.latitude.decimal).to.be.closeTo(48.8582, 1e-4);
      expect(gps.altitude).to.equal(35.12);
    });
  });

  it('reports its status mask', async () => {
    await rig.camera.session(async () => {
      const status = await parrot(rig.camera).getStatus();
      expect(status).to.include({ auxiliaryConnected: true, gpsRunning: true, cameraRunning: false, mainImuCalibRunning: false });
      expect(status.cameraErrors).to.deep.equal([]);
    });
  });

  it('calibrates: Running, the three axes, then CalibrationOk, with events', async () => {
    await rig.camera.session(async () => {
      const sequoia = parrot(rig.camera);
      expect(await sequoia.getMagnetoCalibStatus()).to.equal(Calib.None);
      const collecting = eventsUntil(rig.camera, (seen) => seen.some((e) => e.code === ParrotEventCode.MagnetoCalibrationStatus && e.params[1] === Calib.CalibrationOk));
      await sequoia.startMagnetoCalib(0);
      const events = await collecting;
      const steps = events.filter((e) => e.code === ParrotEventCode.MagnetoCalibrationStatus);
      expect(steps.map((e) => e.params[1])).to.deep.equal([Calib.Running, Calib.RollPending, Calib.PitchPending, Calib.YawPending, Calib.CalibrationOk]);
      expect(steps.every((e) => e.params[0] === 0)).to.equal(true);
      expect(steps[0]!.name).to.equal('MagnetoCalibrationStatus');
      // Status events: the main IMU's calibration bit went on, then off.
      const masks = events.filter((e) => e.code === ParrotEventCode.Status).map((e) => e.params[0]!);
      expect(masks.map((m) => statusFromMask(m).mainImuCalibRunning)).to.deep.equal([true, false]);
      expect(await sequoia.getMagnetoCalibStatus(0)).to.equal(Calib.CalibrationOk);
      expect((await sequoia.getStatus()).mainImuCalibRunning).to.equal(false);
    });
  });

  it('stop aborts a running calibration', async () => {
    // A calibration that would take a minute per step: the stop surely comes first.
    await rig.restart({ behaviour: parrotBehaviour({ calibrationStepMs: 60_000 }) });
    await rig.camera.session(async () => {
      const sequoia = parrot(rig.camera);
      await sequoia.startMagnetoCalib(1);
      expect((await sequoia.getStatus()).auxiliaryImuCalibRunning).to.equal(true);
      const collecting = eventsUntil(rig.camera, (seen) => seen.some((e) => e.params[1] === Calib.Aborted));
      await sequoia.stopMagnetoCalib(1);
      const events = await collecting;
      expect(events.some((e) => e.code === ParrotEventCode.MagnetoCalibrationStatus && e.params[0] === 1)).to.equal(true);
      expect(await sequoia.getMagnetoCalibStatus(1)).to.equal(Calib.Aborted);
      expect(sequoiaState(rig.emu.device)!.statusMask & ParrotStatusBit.AuxiliaryIMUCalibRunning).to.equal(0);
    });
  });

  it('stores a geotag, readable back from the virtual camera', async () => {
    const geotag: Geotag = {
      validityMask: 0x1f, timestamp: -5n, latitude: -33.8567844, longitude: 151.2152967, altitude: -12.5,
      satellites: 11, accuracyXY: 0.75, accuracyZ: 1.5, northSpeed: -3.5, eastSpeed: 0.25, upSpeed: 0,
      roll: -1.5, pitch: 0.5, yaw: 359.999,
    };
    await rig.camera.session(async () => {
      await parrot(rig.camera).setGeotag(geotag);
    });
    expect(sequoiaState(rig.emu.device)!.geotag).to.deep.equal(geotag);
  });

  it('ejects a storage, refusing an unknown one', async () => {
    await rig.camera.session(async () => {
      const [storageId] = await rig.camera.getStorageIds();
      await parrot(rig.camera).ejectStorage(storageId!);
      expect(sequoiaState(rig.emu.device)!.ejected.has(storageId!)).to.equal(true);
      await expectResponseCode(parrot(rig.camera).ejectStorage(0x12345), ResponseCode.InvalidStorageID);
    });
  });

  it('streams a firmware upload with its size as the parameter', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x5a);
    const total = chunk.length * 20;
    await rig.camera.session(async () => {
      await parrot(rig.camera).sendFirmwareUpdate({ length: total, chunks: Array.from({ length: 20 }, () => chunk) });
      expect(sequoiaState(rig.emu.device)!.firmware).to.deep.equal({ size: total });
      // A size that differs from the data is refused (the manual's Invalid_Dataset).
      await expectResponseCode(
        rig.camera.transaction(0x9213, [total + 1], { data: { length: total, chunks: Array.from({ length: 20 }, () => chunk) } }),
        ResponseCode.InvalidDataset,
      );
    });
  });
});
