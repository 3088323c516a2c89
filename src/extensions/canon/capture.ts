/**
 * Where the virtual Canon bodies put what they shoot: a JPEG in
 * DCIM/100CANON of the first storage, named IMG_nnnn.JPG like a real card.
 */
import { ResponseCode } from '../../core/codes/responses.js';
import { sampleJpeg } from '../../responder/jpeg.js';
import { ROOT_PARENT, type StoredObject } from '../../responder/object-store.js';
import type { VirtualCamera } from '../../responder/virtual-camera.js';

const CAPTURE_FOLDERS = ['DCIM', '100CANON'] as const;

/** A capture written to the card: the folders it had to create (outermost first) and the file. */
export interface CanonCapture {
  readonly folders: readonly StoredObject[];
  readonly file: StoredObject;
  /** The number in its name. */
  readonly number: number;
}

/**
 * Writes a `width` x `height` JPEG as the next IMG_nnnn.JPG after
 * `lastNumber`, or returns the response code that prevents it.
 */
export async function writeCanonCapture(
  camera: VirtualCamera,
  lastNumber: number,
  size: { readonly width: number; readonly height: number },
): Promise<CanonCapture | number> {
  const store = camera.store;
  const storageId = store.storageIds()[0];
  if (storageId === undefined) return ResponseCode.StoreNotAvailable;
  if (store.isReadOnly(storageId)) return ResponseCode.StoreReadOnly;
  const folders: StoredObject[] = [];
  let parent = 0;
  for (const name of CAPTURE_FOLDERS) {
    const existing = (await store.list(storageId, parent === 0 ? ROOT_PARENT : parent)).find((o) => o.name === name);
    const folder = existing ?? (await store.createFolder(storageId, parent, name));
    if (existing === undefined) folders.push(folder);
    parent = folder.handle;
  }
  for (let n = lastNumber + 1; ; n++) {
    const name = `IMG_${String(n % 10000).padStart(4, '0')}.JPG`;
    if (await store.exists(storageId, parent, name)) continue;
    const image = sampleJpeg(size.width, size.height, n);
    const file = await store.writeFile(storageId, parent, name, (async function* () {
      yield image;
    })());
    return { folders, file, number: n };
  }
}
