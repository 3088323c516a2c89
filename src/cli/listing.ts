/**
 * Walks a camera's storages into paths like `/store_00010001/DCIM/100CANON/IMG_0001.JPG`
 * (the naming gphoto2 uses, so paths are familiar).
 */
import type { Camera } from '../camera.js';
import { ObjectFormatCode } from '../core/codes/formats.js';
import type { ObjectInfo } from '../core/datasets/object-info.js';

/** One object with its path. */
export interface ListedObject {
  readonly handle: number;
  readonly path: string;
  readonly info: ObjectInfo;
  readonly isFolder: boolean;
}

/** Storage folder name of an ID. */
export function storageDir(storageId: number): string {
  return `store_${storageId.toString(16).padStart(8, '0')}`;
}

/**
 * Lists every object of every storage, depth first, folder by folder (some
 * devices cannot answer "all storages" in one request).
 */
export async function listObjects(camera: Camera): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  for (const storageId of await camera.getStorageIds()) {
    const walk = async (parent: number | 'root', prefix: string, depth: number): Promise<void> => {
      if (depth > 64) return; // a device reporting a cycle must not loop us forever
      for (const handle of await camera.getObjectHandles(storageId, { parent })) {
        const info = await camera.getObjectInfo(handle);
        const isFolder = info.objectFormat === ObjectFormatCode.Association;
        const name = info.filename.length > 0 ? info.filename : `object_${handle.toString(16)}`;
        const path = `${prefix}/${name}`;
        out.push({ handle, path, info, isFolder });
        if (isFolder) await walk(handle, path, depth + 1);
      }
    };
    await walk('root', `/${storageDir(storageId)}`, 0);
  }
  return out;
}
