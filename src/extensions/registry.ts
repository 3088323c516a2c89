/**
 * The known extensions and detection from DeviceInfo.
 *
 * Built in: `ptp` (plain ISO 15740, the fallback), `mtp` (MTP devices of any
 * maker), `canon`, `nikon` and `parrot`. Users can add their own with
 * `registerExtension`.
 */
import type { DeviceInfo } from '../core/datasets/device-info.js';
import { canonExtension } from './canon/index.js';
import { codeLayers, type Extension } from './extension.js';
import { isMtpDevice, mtpExtension } from './mtp/index.js';
import { nikonExtension } from './nikon/index.js';
import { parrotExtension } from './parrot/index.js';
import { ptpExtension } from './ptp.js';

const registry = new Map<string, Extension>(
  [ptpExtension, mtpExtension, canonExtension, nikonExtension, parrotExtension].map((e) => [e.name, e]),
);

/**
 * Adds (or replaces) an extension available to detection and to
 * `extension: 'name'`. Returns a function that undoes it: the extension is
 * removed again, or the one it replaced under the same name comes back. It
 * does nothing while a later registration of the same name is in place, and
 * nothing once it has done its work.
 * @example
 * const unregister = registerExtension(acme);
 * try { ... } finally { unregister(); }
 */
export function registerExtension(extension: Extension): () => void {
  const replaced = registry.get(extension.name);
  registry.set(extension.name, extension);
  let done = false;
  return () => {
    if (done || registry.get(extension.name) !== extension) return;
    done = true;
    if (replaced === undefined) registry.delete(extension.name);
    else registry.set(extension.name, replaced);
  };
}

/** Every registered extension. */
export function listExtensions(): Extension[] {
  return [...registry.values()];
}

/** The registered extension called `name`, or `undefined`. */
export function findExtension(name: string): Extension | undefined {
  return registry.get(name);
}

/** Each extension with the MTP layer beneath it, made once so that detection returns the same object every time. */
const onMtp = new WeakMap<Extension, Extension>();

/**
 * `extension` as it applies to the device `info`: a vendor extension on a
 * device that also speaks MTP (many Canon and Nikon bodies do) gets MTP's code
 * tables beneath its own, so both vendors' codes are named and the vendor's
 * win where they collide (0x9101 is EOS_GetStorageIDs on a Canon, not MTP's
 * GetSecureTimeChallenge). `ptp`, `mtp`, and any extension on a non-MTP
 * device are returned unchanged. The result keeps the extension's name and
 * `match`.
 */
export function fitExtension(extension: Extension, info: DeviceInfo): Extension {
  if (extension === ptpExtension || extension === mtpExtension || !isMtpDevice(info)) return extension;
  let layered = onMtp.get(extension);
  if (layered === undefined) {
    layered = { ...extension, codes: [...codeLayers(mtpExtension), ...codeLayers(extension)] };
    onMtp.set(extension, layered);
  }
  return layered;
}

/**
 * The extension that fits `info` best (the highest `match` score; the earlier
 * registered one on a tie), fitted to the device with {@link fitExtension};
 * `ptp` when none does better.
 */
export function detectExtension(info: DeviceInfo): Extension {
  return fitExtension(bestExtension(info), info);
}

/** The registered extension that fits `info` best, before {@link fitExtension} (for callers that fit it again later). */
export function bestExtension(info: DeviceInfo): Extension {
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
