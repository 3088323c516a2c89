/** The `info`, `ls` and `get` commands. */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Camera } from '../camera.js';
import { AccessCapability, StorageType } from '../core/codes/formats.js';
import { deviceInfoLines, humanSize, toJson } from './format.js';
import { listObjects, storageDir, type ListedObject } from './listing.js';
import { UsageError } from './target.js';

/** Where command output goes (a seam for tests). */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** `ptpts info`: DeviceInfo and storages. */
export async function infoCommand(camera: Camera, json: boolean, io: Output): Promise<void> {
  await camera.session(async () => {
    const info = await camera.getDeviceInfo();
    const storages = [];
    for (const id of await camera.getStorageIds()) storages.push({ storageId: id, ...(await camera.getStorageInfo(id)) });
    if (json) {
      io.out(toJson({ deviceInfo: info, extension: camera.extension.name, storages }));
      return;
    }
    for (const line of deviceInfoLines(info, camera.codeNames)) io.out(line);
    io.out(`Extension:          ${camera.extension.name}`);
    for (const s of storages) {
      const type = Object.entries(StorageType).find(([, v]) => v === s.storageType)?.[0] ?? s.storageType;
      const access = Object.entries(AccessCapability).find(([, v]) => v === s.accessCapability)?.[0] ?? s.accessCapability;
      io.out(
        `Storage /${storageDir(s.storageId)}: ${s.storageDescription || s.volumeLabel} (${type}, ${access}), ` +
          `${humanSize(s.freeSpaceInBytes)} free of ${humanSize(s.maxCapacity)}`,
      );
    }
  });
}

/** `ptpts ls`: every object with its path. */
export async function lsCommand(camera: Camera, json: boolean, io: Output): Promise<void> {
  const objects = await camera.session(() => listObjects(camera));
  if (json) {
    io.out(toJson(objects.map((o) => ({ handle: o.handle, path: o.path, folder: o.isFolder, info: o.info }))));
    return;
  }
  for (const o of objects) {
    const size = o.isFolder ? '-' : humanSize(o.info.objectCompressedSize);
    io.out(`${o.handle.toString().padStart(6)}  ${size.padStart(9)}  ${o.info.modificationDate.padEnd(15)}  ${o.path}${o.isFolder ? '/' : ''}`);
  }
}

/** Options of `ptpts get`. */
export interface GetOptions {
  readonly all?: boolean;
  readonly output?: string;
  readonly json?: boolean;
}

/** `ptpts get <handle|path...> | --all [-o dir]`: downloads, streamed to files. */
export async function getCommand(camera: Camera, targets: readonly string[], o: GetOptions, io: Output): Promise<void> {
  if ((o.all === true) === (targets.length > 0)) throw new UsageError('give object handles or paths, or --all');
  const outDir = path.resolve(o.output ?? '.');
  await mkdir(outDir, { recursive: true });
  const results: Array<{ handle: number; path: string; file: string; bytes: string }> = [];
  await camera.session(async () => {
    const objects = await listObjects(camera);
    const chosen: ListedObject[] = o.all === true ? objects.filter((x) => !x.isFolder) : targets.map((t) => pick(objects, t));
    for (const obj of chosen) {
      if (obj.isFolder) throw new UsageError(`${obj.path} is a folder`);
      // Keep the device's folders under the output dir; names are checked so a device cannot write elsewhere.
      const rel = obj.path.split('/').filter((p) => p.length > 0).map(safeSegment);
      const file = path.join(outDir, ...(o.all === true ? rel : [rel[rel.length - 1]!]));
      await mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.part`;
      const stream = createWriteStream(temp);
      try {
        const bytes = await camera.getObject(obj.handle, { to: stream });
        stream.end();
        await finished(stream);
        await rename(temp, file);
        results.push({ handle: obj.handle, path: obj.path, file, bytes: bytes.toString() });
        if (o.json !== true) io.out(`${obj.path} -> ${file} (${humanSize(bytes)})`);
      } catch (err) {
        stream.destroy();
        await rm(temp, { force: true });
        throw err;
      }
    }
  });
  if (o.json === true) io.out(toJson(results));
}

function pick(objects: readonly ListedObject[], target: string): ListedObject {
  const byHandle = /^(0x[0-9a-f]+|\d+)$/i.test(target) ? Number(target) : undefined;
  const found = objects.find((x) => (byHandle !== undefined ? x.handle === byHandle : x.path === target || x.path === `/${target}`));
  if (found === undefined) throw new UsageError(`no object ${target} (see: ptpts ls)`);
  return found;
}

function safeSegment(s: string): string {
  const cleaned = s.replace(/[/\\\0]/g, '_');
  return cleaned === '.' || cleaned === '..' || cleaned === '' ? '_' : cleaned;
}
