/**
 * What Canon bodies get wrong or need: descriptor defects, and the steps an
 * EOS body expects over PTP/IP (Wi-Fi).
 *
 * Sources, read for facts:
 * - libgphoto2 `camlibs/ptp2/library.c` (camera_init): every EOS body is put
 *   under remote control with EOS_SetRemoteMode right after OpenSession, on
 *   any transport; mode 0x15 for the EOS M line and newer PowerShot SX/G
 *   models with EOS firmware (`is_canon_eos_m` in ptp-private.h), 0x11 for the
 *   PowerShot SX600 HS and SX720 HS, 1 for the EOS M6 Mark II and the rest.
 *   On the EOS M line (all of `is_canon_eos_m`) it then reads DeviceInfo
 *   again: "Setting remote mode changes device info on EOS M2".
 * - Rocc (a Swift PTP/IP client) sends EOS_SetRemoteMode, then
 *   EOS_SetEventMode(1), then polls EOS_GetEvent, before anything else.
 * - airnef: most Canon bodies tie their Wi-Fi set-up to the GUID of the
 *   application they were paired with and refuse others (Init Fail).
 * - The EOS 60D's libgphoto2 debug log (test/fixtures/logs): its BatteryLevel
 *   descriptor; libgphoto2 itself fails on it ("Failed to parse value").
 */
import { DataType } from '../../core/codec/datatypes.js';
import { DevicePropCode } from '../../core/codes/properties.js';
import type { DeviceInfo } from '../../core/datasets/device-info.js';
import type { ExtensionPtpIp, SessionStepCamera } from '../extension.js';
import type { DevicePropDescQuirk } from '../prop-desc-quirks.js';
import { CanonOperationCode as Op } from './codes.js';

/** Descriptor defects of Canon bodies. */
export const CANON_DEVICE_PROP_DESC_QUIRKS: readonly DevicePropDescQuirk[] = [
  {
    kind: 'enumValueType',
    property: DevicePropCode.BatteryLevel,
    declared: DataType.UINT8,
    written: DataType.UINT16,
    note:
      'EOS 60D: a UINT8 BatteryLevel whose enumeration (100, 75, 50, 25, 0) is written as UINT16; ' +
      'read as UINT8 it gives 100, 0, 75, 0, 50 and leaves 5 bytes over',
  },
];

/**
 * True for the bodies libgphoto2 treats as the EOS M line (`is_canon_eos_m`):
 * models named "Canon EOS M…", and PowerShot SX/G and Digital IXUS models
 * with EOS firmware (they list EOS_RemoteReleaseOn); all list EOS_SetRemoteMode.
 */
export function isCanonEosM(info: Pick<DeviceInfo, 'model' | 'operationsSupported'>): boolean {
  const { model, operationsSupported: ops } = info;
  if (!ops.includes(Op.EOS_SetRemoteMode)) return false;
  if (model.startsWith('Canon EOS M')) return true;
  const eosFirmwareCompact = ['Canon PowerShot SX', 'Canon PowerShot G', 'Canon Digital IXUS'].some((p) => model.startsWith(p));
  return eosFirmwareCompact && ops.includes(Op.EOS_RemoteReleaseOn);
}

/**
 * The EOS_SetRemoteMode parameter libgphoto2 uses for `info`'s body: 0x15 for
 * the EOS M line and the PowerShot SX/G and Digital IXUS models with EOS
 * firmware, with the exceptions it lists; 1 for the rest.
 */
export function eosRemoteMode(info: Pick<DeviceInfo, 'model' | 'operationsSupported'>): number {
  const { model } = info;
  if (model === 'Canon EOS M6 Mark II') return 0x1;
  if (model === 'Canon PowerShot SX720 HS' || model === 'Canon PowerShot SX600 HS') return 0x11;
  if (model.startsWith('Canon EOS M')) return 0x15;
  const eosFirmwareCompact = ['Canon PowerShot SX', 'Canon PowerShot G', 'Canon Digital IXUS'].some((p) => model.startsWith(p));
  if (eosFirmwareCompact && info.operationsSupported.includes(Op.EOS_RemoteReleaseOn)) return 0x15;
  return 0x1;
}

/**
 * Remote mode, then event mode, where the body lists them (an EOS body does;
 * a PowerShot-era one does not). An EOS M changes its DeviceInfo with the
 * remote mode, so it is read again in between (as libgphoto2 does), and the
 * event mode is decided on what the body lists then.
 */
async function eosSessionStep(camera: SessionStepCamera): Promise<void> {
  if (camera.supportsOperation(Op.EOS_SetRemoteMode)) {
    await camera.transaction(Op.EOS_SetRemoteMode, [eosRemoteMode(camera.deviceInfo)]);
    if (isCanonEosM(camera.deviceInfo)) await camera.refreshDeviceInfo();
  }
  if (camera.supportsOperation(Op.EOS_SetEventMode)) await camera.transaction(Op.EOS_SetEventMode, [1]);
}

/**
 * Canon over PTP/IP: the session step. Nothing at connection time (and so no
 * `recognize`): Canon bodies need no connection quirk, only the right GUID,
 * which is theirs to pair.
 */
export const CANON_PTPIP: ExtensionPtpIp = {
  afterOpenSession: eosSessionStep,
};
