/**
 * The virtual camera's storage: each served folder is one PTP storage; files
 * and sub-folders are objects with handles that stay stable while the
 * responder runs. Every path is checked to stay inside its folder.
 */
import { createReadStream } from 'node:fs';
import { cp, lstat, mkdir, open, readdir, realpath, rename, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  AccessCapability, AssociationType, FilesystemType, formatForFilename, ObjectFormatCode, StorageType,
} from '../core/codes/formats.js';
import { formatPtpDateTime } from '../core/codec/datetime.js';
import type { ObjectInfo } from '../core/datasets/object-info.js';
import type { StorageInfo } from '../core/datasets/storage-info.js';

/** One served folder. */
export interface StorageOptions {
  /** Folder to serve. */
  readonly root: string;
  /** Refuse writes and deletes (StoreReadOnly). */
  readonly readOnly?: boolean;
  /** StorageDescription; default `Virtual storage N`. */
  readonly description?: string;
  /** VolumeLabel; default the folder's name. */
  readonly label?: string;
}

/** An object the store knows. */
export interface StoredObject {
  readonly handle: number;
  readonly storageId: number;
  /** Handle of the parent folder, 0 at the storage root. */
  readonly parent: number;
  readonly name: string;
  /** Absolute path on this machine (always inside the storage root). */
  readonly path: string;
  readonly isFolder: boolean;
  size: bigint;
  modified: Date;
  created: Date;
  protection: number;
}

interface Storage {
  readonly id: number;
  readonly root: string;
  readonly readOnly: boolean;
  readonly description: string;
  readonly label: string;
}

/**
 * PTP DateTime of a file time. A file's Date objects are replaced when it
 * changes, so they key a cache: formatting was a tenth of listing 10,000
 * objects' properties.
 */
const dateStrings = new WeakMap<Date, string>();
export function ptpDate(date: Date): string {
  let text = dateStrings.get(date);
  if (text === undefined) dateStrings.set(date, (text = formatPtpDateTime(date)));
  return text;
}

let tempCounter = 0;

/**
 * Writes all `length` bytes: a write may take only part of them (a disk
 * filling up can do that without an error), which would leave a short file
 * behind an upload reported OK.
 */
async function writeAll(fh: FileHandle, buffer: Uint8Array, length: number): Promise<void> {
  for (let at = 0; at < length; ) {
    const { bytesWritten } = await fh.write(buffer, at, length - at);
    if (bytesWritten <= 0) throw new Error('the file system took no bytes (disk full?)');
    at += bytesWritten;
  }
}

/** Parent filter value meaning "root level only" (GetObjectHandles parameter 3). */
export const ROOT_PARENT = 0xffffffff;
const ALL = 0xffffffff;

/** The object format for a file name (Undefined when unknown). */
export const formatForName = formatForFilename;

/**
 * True if `name` is a plain file name: no separators, no `..`, no NUL, not
 * absolute. Names from initiators (SendObjectInfo) must pass this.
 */
export function isSafeName(name: string): boolean {
  return (
    name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' &&
    !/[/\\\0]/.test(name) && !path.isAbsolute(name) && !/^[a-zA-Z]:/.test(name)
  );
}

/** Files and folders of one or more directories, as PTP objects. */
export class ObjectStore {
  readonly #storages: Storage[] = [];
  readonly #objects = new Map<number, StoredObject>();
  readonly #byPath = new Map<string, number>();
  readonly #reserved = new Map<number, { storageId: number; parent: number; name: string }>();
  /** Entries of each folder as last read, keyed by path, with the folder's mtime then. */
  readonly #folders = new Map<string, { storageId: number; version: bigint; children: number[] }>();
  #nextHandle = 1;

  private constructor() {}

  /** Opens the folders (they must exist). Storage IDs are 0x00010001, 0x00020001, ... */
  static async open(storages: readonly StorageOptions[]): Promise<ObjectStore> {
    const store = new ObjectStore();
    let n = 1;
    for (const s of storages) {
      const root = await realpath(s.root);
      if (!(await stat(root)).isDirectory()) throw new Error(`${s.root} is not a directory`);
      store.#storages.push({
        id: (n << 16) | 1,
        root,
        readOnly: s.readOnly ?? false,
        description: s.description ?? `Virtual storage ${n}`,
        label: s.label ?? path.basename(root),
      });
      n++;
    }
    return store;
  }

  storageIds(): number[] {
    return this.#storages.map((s) => s.id);
  }

  hasStorage(id: number): boolean {
    return this.#storages.some((s) => s.id === id);
  }

  isReadOnly(storageId: number): boolean {
    return this.#storage(storageId)?.readOnly ?? true;
  }

  #storage(id: number): Storage | undefined {
    return this.#storages.find((s) => s.id === id);
  }

  /** StorageInfo from the file system's real capacity. */
  async storageInfo(id: number): Promise<StorageInfo> {
    const s = this.#storage(id);
    if (s === undefined) throw new Error(`no storage ${id}`);
    const fs = await statfs(s.root, { bigint: true });
    return {
      storageType: StorageType.FixedRAM,
      filesystemType: FilesystemType.GenericHierarchical,
      accessCapability: s.readOnly ? AccessCapability.ReadOnlyWithoutDeletion : AccessCapability.ReadWrite,
      maxCapacity: fs.blocks * fs.bsize,
      freeSpaceInBytes: fs.bavail * fs.bsize,
      freeSpaceInImages: 0xffffffff,
      storageDescription: s.description,
      volumeLabel: s.label,
    };
  }

  /** Free bytes of a storage. */
  async freeBytes(id: number): Promise<bigint> {
    return (await this.storageInfo(id)).freeSpaceInBytes;
  }

  get(handle: number): StoredObject | undefined {
    return this.#objects.get(handle);
  }

  /**
   * Objects in `storageId` (or all storages), filtered by parent: 0 = every
   * object, {@link ROOT_PARENT} = the root level, else the folder's children.
   * Re-reads the folders involved, so files added on disk appear.
   */
  async list(storageId: number, parent: number): Promise<StoredObject[]> {
    const storages = storageId === ALL ? this.#storages : this.#storages.filter((s) => s.id === storageId);
    const out: StoredObject[] = [];
    for (const s of storages) {
      if (parent === 0) {
        await this.#scan(s, s.root, 0, true, out);
      } else if (parent === ROOT_PARENT) {
        await this.#scan(s, s.root, 0, false, out);
      } else {
        const folder = this.#objects.get(parent);
        if (folder?.storageId === s.id && folder.isFolder) await this.#scan(s, folder.path, folder.handle, false, out);
      }
    }
    return out;
  }

  async #scan(s: Storage, dir: string, parent: number, recursive: boolean, out: StoredObject[]): Promise<void> {
    // A folder whose modification time has not changed has the same entries: list them from
    // memory instead of stat-ing every file again (10,000 stats cost ~0.3 s per listing).
    // Sizes of files rewritten in place are refreshed before GetObject streams them.
    let version: bigint;
    try {
      version = (await stat(dir, { bigint: true })).mtimeNs;
    } catch {
      return;
    }
    const known = this.#folders.get(dir);
    if (known?.version === version && known.storageId === s.id) {
      const children = known.children.map((h) => this.#objects.get(h)).filter((o) => o !== undefined);
      if (children.length === known.children.length) {
        for (const obj of children) {
          out.push(obj);
          if (recursive && obj.isFolder) await this.#scan(s, obj.path, obj.handle, true, out);
        }
        return;
      }
    }
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    entries = entries.filter((e) => !e.name.startsWith('.ptpts-')); // our own temp files
    // Stat in parallel batches (one at a time made a 10,000-file listing take seconds), in order.
    const stats: Array<Awaited<ReturnType<typeof stat>> | undefined> = [];
    for (let i = 0; i < entries.length; i += 64) {
      stats.push(...(await Promise.all(entries.slice(i, i + 64).map(async (e) => {
        const full = path.join(dir, e.name);
        try {
          // Symlinks are followed only when they resolve inside the storage.
          return e.isSymbolicLink() ? await this.#statInside(s, full) : await lstat(full);
        } catch {
          return undefined;
        }
      }))));
    }
    const seen = new Set<number>();
    for (const [i, e] of entries.entries()) {
      const full = path.join(dir, e.name);
      const st = stats[i];
      if (st === undefined || !(st.isFile() || st.isDirectory())) continue;
      const size = st.isDirectory() ? 0n : BigInt(st.size); // folders carry no data
      const obj = this.#remember(s, full, parent, e.name, st.isDirectory(), size, st.mtime, st.birthtime);
      seen.add(obj.handle);
      out.push(obj);
      if (recursive && obj.isFolder) await this.#scan(s, full, obj.handle, true, out);
    }
    // Whatever vanished from this folder is gone (with its descendants).
    for (const obj of [...this.#objects.values()]) {
      if (obj.storageId === s.id && obj.parent === parent && !seen.has(obj.handle)) this.#forget(obj.handle);
    }
    this.#folders.set(dir, { storageId: s.id, version, children: [...seen] });
  }

  /** Re-reads one object's size and dates (before GetObject streams it: a file may have changed in place). */
  async refresh(handle: number): Promise<StoredObject | undefined> {
    const obj = this.#objects.get(handle);
    if (obj === undefined || obj.isFolder) return obj;
    try {
      const st = await stat(obj.path);
      obj.size = BigInt(st.size);
      obj.modified = st.mtime;
    } catch {
      this.#forget(handle); // gone from disk
      return undefined;
    }
    return obj;
  }

  async #statInside(s: Storage, full: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
    const target = await realpath(full);
    return isInside(s.root, target) ? stat(target) : undefined;
  }

  #remember(
    s: Storage, full: string, parent: number, name: string, isFolder: boolean, size: bigint, modified: Date, created: Date,
    handle?: number,
  ): StoredObject {
    const key = `${s.id}:${full}`;
    const known = this.#byPath.get(key);
    if (known !== undefined) {
      const obj = this.#objects.get(known)!;
      if (obj.isFolder === isFolder) {
        obj.size = size;
        obj.modified = modified;
        return obj;
      }
      this.#forget(known);
    }
    const obj: StoredObject = {
      handle: handle ?? this.#nextHandle++, storageId: s.id, parent, name, path: full, isFolder, size, modified, created,
      protection: s.readOnly ? 1 : 0,
    };
    this.#objects.set(obj.handle, obj);
    this.#byPath.set(key, obj.handle);
    return obj;
  }

  #forget(handle: number): void {
    const obj = this.#objects.get(handle);
    if (obj === undefined) return;
    this.#objects.delete(handle);
    this.#byPath.delete(`${obj.storageId}:${obj.path}`);
    for (const child of [...this.#objects.values()]) if (child.parent === handle) this.#forget(child.handle);
  }

  /** The object format of an object (from its file name; Association for folders). */
  formatOf(obj: StoredObject): number {
    return obj.isFolder ? ObjectFormatCode.Association : formatForName(obj.name);
  }

  /** The ObjectInfo dataset of an object. */
  objectInfo(obj: StoredObject, extra: { width?: number; height?: number; thumbSize?: number } = {}): ObjectInfo {
    const format = this.formatOf(obj);
    const hasThumb = extra.thumbSize !== undefined && extra.thumbSize > 0;
    return {
      storageId: obj.storageId,
      objectFormat: format,
      protectionStatus: obj.protection,
      objectCompressedSize: obj.size >= 0xffffffffn ? 0xffffffff : Number(obj.size),
      // libgphoto2 skips downloading non-MTP objects of Undefined format whose ThumbFormat
      // is 0 or Undefined ("unsupported"); an image-class thumb format with size 0 lets it.
      thumbFormat: hasThumb
        ? ObjectFormatCode.ExifJpeg
        : format === ObjectFormatCode.Undefined ? ObjectFormatCode.UndefinedImage : 0,
      thumbCompressedSize: hasThumb ? extra.thumbSize! : 0,
      thumbPixWidth: hasThumb ? 160 : 0,
      thumbPixHeight: hasThumb ? 120 : 0,
      imagePixWidth: extra.width ?? 0,
      imagePixHeight: extra.height ?? 0,
      imageBitDepth: extra.width !== undefined ? 24 : 0,
      parentObject: obj.parent,
      associationType: obj.isFolder ? AssociationType.GenericFolder : 0,
      associationDesc: 0,
      sequenceNumber: 0,
      filename: obj.name,
      captureDate: ptpDate(obj.created),
      modificationDate: ptpDate(obj.modified),
      keywords: '',
    };
  }

  /** Streams `length` bytes of a file from `offset` (whole file by default), in 4 MiB chunks. */
  read(obj: StoredObject, offset = 0n, length?: bigint): AsyncIterable<Uint8Array> {
    const end = length === undefined ? undefined : Number(offset + length) - 1;
    if (end !== undefined && end < Number(offset)) return (async function* () {})();
    return createReadStream(obj.path, {
      start: Number(offset),
      ...(end !== undefined ? { end } : {}),
      // Two reads of readahead keep the socket busy while the thread pool fetches the next.
      highWaterMark: 4 * 1024 * 1024,
    }) as AsyncIterable<Uint8Array>;
  }

  /** Reads the first `max` bytes of a file (for headers such as JPEG dimensions). */
  async head(obj: StoredObject, max: number): Promise<Uint8Array> {
    const fh = await open(obj.path, 'r');
    try {
      const buf = new Uint8Array(max);
      const { bytesRead } = await fh.read(buf, 0, max, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  /** The folder path an object may be created in (storage root for parent 0). */
  folderPath(storageId: number, parent: number): string | undefined {
    const s = this.#storage(storageId);
    if (s === undefined) return undefined;
    if (parent === 0 || parent === ROOT_PARENT) return s.root;
    const folder = this.#objects.get(parent);
    return folder?.storageId === storageId && folder.isFolder ? folder.path : undefined;
  }

  /** Creates a folder; returns the new object. `name` must pass {@link isSafeName}. */
  async createFolder(storageId: number, parent: number, name: string): Promise<StoredObject> {
    const dir = this.#checkedTarget(storageId, parent, name);
    await mkdir(dir);
    const st = await stat(dir);
    return this.#remember(this.#storage(storageId)!, dir, parentHandle(parent), name, true, 0n, st.mtime, st.birthtime);
  }

  /**
   * Writes a file atomically (temporary file, then rename) from streamed
   * chunks, and returns the new object. Fails without leaving anything behind.
   */
  async writeFile(
    storageId: number, parent: number, name: string, chunks: AsyncIterable<Uint8Array>, handle?: number,
  ): Promise<StoredObject> {
    const target = this.#checkedTarget(storageId, parent, name);
    // Not named after the file: a long (valid) name would make the temporary name too long.
    const temp = path.join(path.dirname(target), `.ptpts-${process.pid}-${Date.now()}-${++tempCounter}.part`);
    const fh = await open(temp, 'wx');
    try {
      // Gather socket-sized chunks into 1 MiB writes: one thread-pool hop per MiB, not per
      // 64 KiB. Copied, since a source may reuse a chunk's memory once it asks for the next.
      // Two buffers: one fills from the network while the other is written, so the
      // upload does not stop while the disk works (memory stays at 2 MiB).
      let buffer = new Uint8Array(1024 * 1024);
      let spare = new Uint8Array(1024 * 1024);
      let writing: Promise<unknown> | undefined;
      let filled = 0;
      const flush = async (): Promise<void> => {
        await writing;
        writing = writeAll(fh, buffer, filled);
        // Handled now (it may fail while we wait for the network); awaited at the next flush.
        writing.catch(() => undefined);
        [buffer, spare] = [spare, buffer];
        filled = 0;
      };
      try {
        for await (const chunk of chunks) {
          for (let at = 0; at < chunk.length; ) {
            const n = Math.min(buffer.length - filled, chunk.length - at);
            buffer.set(chunk.subarray(at, at + n), filled);
            filled += n;
            at += n;
            if (filled === buffer.length) await flush();
          }
        }
        if (filled > 0) await flush();
      } finally {
        // Never leave a write running on a handle about to be closed.
        await writing?.catch(() => undefined);
      }
      await writing;
      await fh.close();
      await rename(temp, target);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw err;
    }
    const st = await stat(target);
    const s = this.#storage(storageId)!;
    return this.#remember(s, target, parentHandle(parent), name, false, BigInt(st.size), st.mtime, st.birthtime, handle);
  }

  #checkedTarget(storageId: number, parent: number, name: string): string {
    const dir = this.folderPath(storageId, parent);
    if (dir === undefined || !isSafeName(name)) throw new Error('invalid target');
    const target = path.join(dir, name);
    if (!isInside(this.#storage(storageId)!.root, target)) throw new Error('path escapes the storage');
    return target;
  }

  /**
   * Reserves a handle for a file that SendObject will write (SendObjectInfo
   * must answer with the handle before the data exists). A new reservation in
   * the same folder replaces nothing on disk until it is filled.
   */
  reserve(storageId: number, parent: number, name: string): { handle: number } {
    this.#checkedTarget(storageId, parent, name);
    const handle = this.#nextHandle++;
    this.#reserved.set(handle, { storageId, parent, name });
    return { handle };
  }

  /** Writes the data of a reserved handle (atomically) and makes it a real object. */
  async fillReserved(handle: number, chunks: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const r = this.#reserved.get(handle);
    if (r === undefined) throw new Error(`handle ${handle} is not reserved`);
    this.#reserved.delete(handle);
    return this.writeFile(r.storageId, r.parent, r.name, chunks, handle);
  }

  /**
   * Moves an object (a folder with its contents) to another folder or storage,
   * keeping its handle, as MoveObject requires. `name` must pass {@link isSafeName}.
   */
  async move(handle: number, storageId: number, parent: number, name: string): Promise<StoredObject> {
    const obj = this.#objects.get(handle);
    if (obj === undefined) throw new Error(`no object ${handle}`);
    const target = this.#checkedTarget(storageId, parent, name);
    if (obj.isFolder && isInside(obj.path, target)) throw new Error('a folder cannot move into itself');
    if (obj.storageId === storageId) await rename(obj.path, target);
    else {
      await cp(obj.path, target, { recursive: true, errorOnExist: true, force: false });
      await rm(obj.path, { recursive: true, force: true });
    }
    // Re-key the object and everything below it under the new path; handles stay.
    const oldPath = obj.path;
    for (const o of [...this.#objects.values()]) {
      if (o.handle !== handle && !isInside(oldPath, o.path)) continue;
      this.#byPath.delete(`${o.storageId}:${o.path}`);
      const moved = o as { -readonly [K in keyof StoredObject]: StoredObject[K] };
      moved.path = o.handle === handle ? target : path.join(target, path.relative(oldPath, o.path));
      moved.storageId = storageId;
      if (o.handle === handle) {
        moved.parent = parentHandle(parent);
        moved.name = name;
      }
      this.#byPath.set(`${moved.storageId}:${moved.path}`, moved.handle);
    }
    return obj;
  }

  /** Copies a file or folder into another folder; returns the new object (its contents get handles when listed). */
  async copy(handle: number, storageId: number, parent: number, name: string): Promise<StoredObject> {
    const obj = this.#objects.get(handle);
    if (obj === undefined) throw new Error(`no object ${handle}`);
    const target = this.#checkedTarget(storageId, parent, name);
    if (obj.isFolder && isInside(obj.path, target)) throw new Error('a folder cannot be copied into itself');
    await cp(obj.path, target, { recursive: true, errorOnExist: true, force: false });
    const st = await stat(target);
    return this.#remember(this.#storage(storageId)!, target, parentHandle(parent), name, obj.isFolder, obj.isFolder ? 0n : BigInt(st.size), st.mtime, st.birthtime);
  }

  /** Deletes an object (folders recursively). */
  async delete(handle: number): Promise<void> {
    const obj = this.#objects.get(handle);
    if (obj === undefined) return;
    await rm(obj.path, { recursive: true, force: true });
    this.#forget(handle);
  }

  /** True if a file or folder of that name exists in the folder. */
  async exists(storageId: number, parent: number, name: string): Promise<boolean> {
    const dir = this.folderPath(storageId, parent);
    if (dir === undefined) return false;
    return lstat(path.join(dir, name)).then(() => true, () => false);
  }
}

function parentHandle(parent: number): number {
  return parent === ROOT_PARENT ? 0 : parent;
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
