/**
 * Personalities: whom the virtual camera pretends to be. `ptp` is the neutral
 * default; every real device in `real-cameras.json` (178 DeviceInfos recorded
 * from real cameras and players) can be worn by its file name, so detection
 * and DeviceInfo handling are exercised against what real devices report.
 * Vendor behaviour comes with the vendor extensions as a
 * `VirtualCameraBehaviour` (extra operations): `mtp` is a generic MTP media
 * player with object properties; recorded Canon EOS bodies wear the EOS
 * behaviour, recorded PowerShots with remote capture the PowerShot one, the
 * D750 Nikon's and the Sequoia Parrot's; any other recorded device answers
 * with plain PTP behaviour.
 */
import { readFile } from 'node:fs/promises';
import type { DeviceInfo } from '../../core/datasets/device-info.js';
import { MTP_DEVICE_INFO, mtpBehaviour } from '../../extensions/mtp/responder.js';
import { nikonBehaviour } from '../../extensions/nikon/responder.js';
import { parrotBehaviour } from '../../extensions/parrot/responder.js';
import type { VirtualCameraBehaviour } from '../virtual-camera.js';
import realCameras from './real-cameras.json' with { type: 'json' };

/** A DeviceInfo as recorded in real-cameras.json (fields some devices left out are null). */
interface RecordedDeviceInfo {
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly deviceVersion: string | null;
  readonly vendorExtensionId: number | null;
  readonly vendorExtensionVersion: number | null;
  readonly vendorExtensionDesc: string | null;
  readonly standardVersion: number | null;
  readonly functionalMode: number | null;
  readonly operationsSupported: readonly number[];
  readonly eventsSupported: readonly number[];
  readonly devicePropertiesSupported: readonly number[];
  readonly source: string;
}

/** A resolved personality. */
export interface Personality {
  readonly name: string;
  /** DeviceInfo fields to present; what is absent is filled in by the virtual camera. */
  readonly deviceInfo: Partial<DeviceInfo>;
  /** Vendor behaviour (extra operations) that comes with it. */
  readonly behaviour?: VirtualCameraBehaviour;
}

/** Names the issue promises that differ from the fixture file names. */
const ALIASES: Readonly<Record<string, string>> = {
  'canon-eos-60d': 'canon-eos60d',
  // A PowerShot of the pre-EOS protocol with remote capture, viewfinder and GetChanges.
  'canon-powershot': 'canon-powershot-a520',
};

const recorded = realCameras as readonly RecordedDeviceInfo[];

function nameOf(r: RecordedDeviceInfo): string {
  return r.source.replace(/\.[a-z]+$/i, '');
}

/** Names of every built-in personality: `ptp`, `mtp` (a generic MTP media player) and one per recorded device (aliases such as `canon-powershot` resolve too). */
export function personalityNames(): string[] {
  return ['ptp', 'mtp', ...recorded.map(nameOf)];
}

/** The DeviceInfo of a recorded device, as a personality. */
function fromRecorded(r: RecordedDeviceInfo): Personality {
  return {
    name: nameOf(r),
    deviceInfo: {
      standardVersion: r.standardVersion ?? 100,
      vendorExtensionId: r.vendorExtensionId ?? 0,
      vendorExtensionVersion: r.vendorExtensionVersion ?? 0,
      vendorExtensionDesc: r.vendorExtensionDesc ?? '',
      functionalMode: r.functionalMode ?? 0,
      operationsSupported: [...r.operationsSupported],
      eventsSupported: [...r.eventsSupported],
      devicePropertiesSupported: [...r.devicePropertiesSupported],
      manufacturer: r.manufacturer ?? '',
      model: r.model ?? '',
      deviceVersion: r.deviceVersion ?? '',
    },
  };
}

/**
 * Resolves a personality by name (`ptp`, `sony-a6000`, `canon-eos-60d`, ...) or
 * from a JSON file holding a DeviceInfo (the fields of `DeviceInfo`, or the
 * recorded form with nulls). Unknown names are a RangeError listing a few.
 */
export async function resolvePersonality(spec: string): Promise<Personality> {
  if (spec === 'ptp') return { name: 'ptp', deviceInfo: {} };
  if (spec === 'mtp') return { name: 'mtp', deviceInfo: MTP_DEVICE_INFO, behaviour: mtpBehaviour() };
  if (spec.endsWith('.json')) {
    const parsed = JSON.parse(await readFile(spec, 'utf8')) as RecordedDeviceInfo | Partial<DeviceInfo>;
    return 'source' in parsed
      ? fromRecorded(parsed)
      : { name: spec, deviceInfo: parsed };
  }
  const wanted = (ALIASES[spec] ?? spec).toLowerCase();
  const found = recorded.find((r) => nameOf(r).toLowerCase() === wanted);
  if (found === undefined) {
    const stem = spec.split('-')[0] ?? spec;
    const close = /[a-z]{3}/i.test(stem) ? personalityNames().filter((n) => n.includes(stem.toLowerCase())).slice(0, 8) : [];
    throw new RangeError(
      `unknown personality "${spec}"` +
        (close.length > 0 ? `; similar: ${close.join(', ')}` : `; e.g. ptp, sony-a6000, canon-eos-60d, nikon-d750 (${personalityNames().length} in all)`),
    );
  }
  if (/canon/i.test(found.manufacturer ?? '')) {
    const ops = found.operationsSupported;
    if (ops.includes(0x9116 /* EOS_GetEvent */)) {
      const eos = await import('../../extensions/canon/responder.js');
      // The 60D's BatteryLevel descriptor goes out with its recorded defect.
      return { ...fromRecorded(found), behaviour: eos.canonEosBehaviour(nameOf(found) === 'canon-eos60d' ? eos.EOS_60D_OPTIONS : {}) };
    }
    if (ops.includes(0x9008 /* InitiateReleaseControl */) && ops.includes(0x9013 /* CheckEvent */)) {
      return { ...fromRecorded(found), behaviour: (await import('../../extensions/canon/powershot-responder.js')).canonPowerShotBehaviour() };
    }
  }
  if (nameOf(found) === 'nikon-d750') return { ...fromRecorded(found), behaviour: nikonBehaviour() };
  if (nameOf(found) === 'parrot-sequoia') return { ...fromRecorded(found), behaviour: parrotBehaviour() };
  return fromRecorded(found);
}
