/** Plain-text and JSON rendering of command results. */
import type { CodeNames } from '../core/codes/names.js';
import type { DeviceInfo } from '../core/datasets/device-info.js';

/** JSON with bigint as decimal strings and byte arrays as hex. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
    2,
  );
}

/** Human size: 1.5 MB. */
export function humanSize(bytes: bigint | number): string {
  const n = Number(bytes);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]!}`;
}

/** DeviceInfo as readable lines. */
export function deviceInfoLines(info: DeviceInfo, names: CodeNames): string[] {
  const list = (kind: Parameters<CodeNames['describe']>[0], codes: readonly number[]): string =>
    codes.map((c) => names.describe(kind, c)).join(', ') || '(none)';
  return [
    `Manufacturer:       ${info.manufacturer}`,
    `Model:              ${info.model}`,
    `Version:            ${info.deviceVersion}`,
    `Serial number:      ${info.serialNumber}`,
    `Standard version:   ${(info.standardVersion / 100).toFixed(2)}`,
    `Vendor extension:   0x${info.vendorExtensionId.toString(16)} v${info.vendorExtensionVersion} "${info.vendorExtensionDesc}"`,
    `Functional mode:    ${info.functionalMode}`,
    `Operations:         ${list('operation', info.operationsSupported)}`,
    `Events:             ${list('event', info.eventsSupported)}`,
    `Properties:         ${list('property', info.devicePropertiesSupported)}`,
    `Capture formats:    ${list('format', info.captureFormats)}`,
    `Playback formats:   ${list('format', info.playbackFormats)}`,
  ];
}
