/**
 * The known extensions and detection from DeviceInfo. Vendor extensions
 * (mtp, canon, nikon, parrot) register here as they land.
 */
import type { DeviceInfo } from '../core/datasets/device-info.js';
import type { Extension } from './extension.js';
import { ptpExtension } from './ptp.js';

const registry = new Map<string, Extension>([[ptpExtension.name, ptpExtension]]);

/** Adds (or replaces) an extension available to detection and to `extension: 'name'`. */
export function registerExtension(extension: Extension): void {
  registry.set(extension.name, extension);
}

/** Every registered extension. */
export function listExtensions(): Extension[] {
  return [...registry.values()];
}

/** The registered extension called `name`, or `undefined`. */
export function findExtension(name: string): Extension | undefined {
  return registry.get(name);
}

/** The extension that fits `info` best; `ptp` when none does better. */
export function detectExtension(info: DeviceInfo): Extension {
  let best = ptpExtension;
  let bestScore = ptpExtension.match(info);
  for (const ext of registry.values()) {
    const score = ext.match(info);
    if (score > bestScore) {
      best = ext;
      bestScore = score;
    }
  }
  return best;
}
