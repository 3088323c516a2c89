/**
 * MTP operations on a camera: object properties, fast listing with
 * GetObjectPropList, references and SendObjectPropList.
 *
 * @example
 * const device = mtp(camera);
 * await camera.session(async () => {
 *   for (const o of await device.listObjects()) console.log(o.filename, o.size);
 * });
 */
import type { Camera } from '../../portable-camera.js';
import { OperationCode } from '../../core/codes/operations.js';
import { DataType, decodeValue, encodeValue, type PtpValue } from '../../core/codec/datatypes.js';
import { decodeObjectHandles, encodeObjectHandles } from '../../core/datasets/id-arrays.js';
import { decodeObjectInfo } from '../../core/datasets/object-info.js';
import { decodeObjectPropDesc, type ObjectPropDesc } from '../../core/datasets/object-prop-desc.js';
import {
  decodeObjectPropList, encodeObjectPropList, type ObjectPropListElement,
} from '../../core/datasets/object-prop-list.js';
import { PtpResponseError } from '../../core/errors.js';
import { MtpObjectPropCode as P, MtpOperationCode as Op } from './codes.js';
import { OBJECT_PROP_DATATYPES } from './properties.js';

/** What a listing needs of an object, gathered from an ObjectPropList. */
interface ListedProps {
  storage: PtpValue | undefined;
  filename: PtpValue | undefined;
  format: PtpValue | undefined;
  size: PtpValue | undefined;
  parent: PtpValue | undefined;
  modified: PtpValue | undefined;
}

const ALL = 0xffffffff;

/** What the MTP API needs of a camera (any `Camera`, raw or not). */
export type MtpCamera = Pick<Camera, 'transaction' | 'supportsOperation' | 'deviceInfo'>;

/** Selection of {@link MtpApi.getObjectPropList}; see MTP 1.1 GetObjectPropList. */
export interface ObjectPropListQuery {
  /** Only objects of this format; 0 (default) = any. */
  readonly format?: number;
  /** One property; default 0xFFFFFFFF = every property. 0 selects by `group` instead. */
  readonly prop?: number;
  /** Property group, used when `prop` is 0. Default 0. */
  readonly group?: number;
  /** 0 (default) = the object only, 1 = its children, 0xFFFFFFFF = everything below. */
  readonly depth?: number;
}

/** A property to send with {@link MtpApi.sendObjectPropList}. */
export interface ObjectPropInit {
  readonly propertyCode: number;
  readonly value: PtpValue;
  /** Needed for properties whose datatype MTP does not fix. */
  readonly dataType?: number;
}

/** One object of a listing, the same whichever way it was obtained. */
export interface MtpObjectEntry {
  readonly handle: number;
  /** Parent folder handle; 0 at the storage root. */
  readonly parent: number;
  readonly storageId: number;
  readonly format: number;
  readonly filename: string;
  readonly size: bigint;
  /** DateModified / ModificationDate as the device wrote it (see `ptpDateTimeToDate`). */
  readonly modified?: string;
}

/** Options of {@link MtpApi.listObjects}. */
export interface ListObjectsOptions {
  /**
   * `auto` (default): GetObjectPropList when DeviceInfo lists it, falling back
   * to one GetObjectInfo per object if the device refuses; `propList` or
   * `objectInfo` force one way (for comparisons and misbehaving devices).
   */
  readonly via?: 'auto' | 'propList' | 'objectInfo';
}

/** The MTP API bound to one camera; see {@link mtp}. */
export interface MtpApi {
  /** GetObjectPropsSupported: the object property codes a format has. */
  getObjectPropsSupported(format: number): Promise<number[]>;
  /** GetObjectPropDesc (cached per property and format: descs do not change within a session). */
  getObjectPropDesc(prop: number, format: number): Promise<ObjectPropDesc>;
  /**
   * GetObjectPropValue. The datatype comes from the property's desc when it was
   * fetched for `options.format`, else from MTP's fixed datatypes, else from
   * the desc for the object's format (two more transactions, then cached).
   */
  getObjectPropValue(handle: number, prop: number, options?: { readonly format?: number }): Promise<PtpValue>;
  /** SetObjectPropValue; datatype resolved as for {@link getObjectPropValue} unless given. */
  setObjectPropValue(
    handle: number, prop: number, value: PtpValue, options?: { readonly format?: number; readonly dataType?: number },
  ): Promise<void>;
  /** GetObjectPropList: properties of one object, a folder's children or everything (handle 0xFFFFFFFF). */
  getObjectPropList(handle: number, query?: ObjectPropListQuery): Promise<ObjectPropListElement[]>;
  /**
   * SendObjectPropList: announces an object by its properties (ObjectFileName
   * at least); send its data next with `camera.sendObject`. Returns the handle.
   */
  sendObjectPropList(
    storageId: number, parent: number, format: number, size: number | bigint, props: readonly ObjectPropInit[],
  ): Promise<number>;
  /** GetObjectReferences (e.g. the tracks of a playlist). */
  getObjectReferences(handle: number): Promise<number[]>;
  /** SetObjectReferences. */
  setObjectReferences(handle: number, handles: readonly number[]): Promise<void>;
  /**
   * Every object of a storage (0xFFFFFFFF = all storages): with
   * GetObjectPropList in one transaction when the device has it, else one
   * GetObjectInfo per object.
   */
  listObjects(storageId?: number, options?: ListObjectsOptions): Promise<MtpObjectEntry[]>;
}

/** The MTP operations of `camera`. */
export function mtp(camera: MtpCamera): MtpApi {
  const descs = new Map<string, ObjectPropDesc>();

  const receive = async (code: number, params: readonly number[]): Promise<Uint8Array> =>
    (await camera.transaction(code, params, { receive: true })).data ?? new Uint8Array(0);

  const getObjectPropDesc = async (prop: number, format: number): Promise<ObjectPropDesc> => {
    const key = `${format}:${prop}`;
    let desc = descs.get(key);
    if (desc === undefined) {
      desc = decodeObjectPropDesc(await receive(Op.GetObjectPropDesc, [prop, format]));
      descs.set(key, desc);
    }
    return desc;
  };

  const getObjectPropValue = async (handle: number, prop: number, options: { readonly format?: number } = {}): Promise<PtpValue> => {
    const dataType = await dataTypeOf(handle, prop, options.format);
    return decodeValue(dataType, await receive(Op.GetObjectPropValue, [handle, prop]));
  };

  const dataTypeOf = async (handle: number, prop: number, format: number | undefined): Promise<number> => {
    const cached = format === undefined ? undefined : descs.get(`${format}:${prop}`);
    if (cached !== undefined) return cached.dataType;
    const fixed = OBJECT_PROP_DATATYPES.get(prop);
    if (fixed !== undefined) return fixed;
    const objectFormat = format ?? (await getObjectPropValue(handle, P.ObjectFormat)) as number;
    return (await getObjectPropDesc(prop, objectFormat)).dataType;
  };

  const getObjectPropList = async (handle: number, query: ObjectPropListQuery = {}): Promise<ObjectPropListElement[]> =>
    decodeObjectPropList(await receive(Op.GetObjectPropList, [
      handle, query.format ?? 0, query.prop ?? ALL, query.group ?? 0, query.depth ?? 0,
    ]));

  const viaPropList = async (storageId: number): Promise<MtpObjectEntry[]> => {
    const elements = await getObjectPropList(ALL, { depth: ALL });
    // One fixed-shape record per object (objects keyed by property code
    // numbers would be slow sparse dictionaries, for 100,000 elements).
    const byHandle = new Map<number, ListedProps>();
    for (const e of elements) {
      let props = byHandle.get(e.objectHandle);
      if (props === undefined) byHandle.set(e.objectHandle, (props = { storage: undefined, filename: undefined, format: undefined, size: undefined, parent: undefined, modified: undefined }));
      switch (e.propertyCode) {
        case P.StorageID: props.storage = e.value; break;
        case P.ObjectFileName: props.filename = e.value; break;
        case P.ObjectFormat: props.format = e.value; break;
        case P.ObjectSize: props.size = e.value; break;
        case P.ParentObject: props.parent = e.value; break;
        case P.DateModified: props.modified = e.value; break;
      }
    }
    const out: MtpObjectEntry[] = [];
    for (const [handle, { storage, filename, format, size, parent, modified }] of byHandle) {
      if (typeof storage !== 'number' || typeof filename !== 'string' || typeof format !== 'number' ||
          (typeof size !== 'bigint' && typeof size !== 'number') || typeof parent !== 'number') {
        // Some devices leave properties out of the full list: ask for that object the PTP way.
        const entry = await viaObjectInfo(handle);
        if (storageId === ALL || entry.storageId === storageId) out.push(entry);
        continue;
      }
      if (storageId !== ALL && storage !== storageId) continue;
      out.push({
        handle, parent, storageId: storage, format, filename, size: BigInt(size),
        ...(typeof modified === 'string' && modified !== '' ? { modified } : {}),
      });
    }
    return out;
  };

  const viaObjectInfo = async (handle: number): Promise<MtpObjectEntry> => {
    const info = decodeObjectInfo(await receive(OperationCode.GetObjectInfo, [handle]));
    // 0xFFFFFFFF means 4 GiB or more: MTP's ObjectSize has the real size.
    const size = info.objectCompressedSize === ALL && camera.supportsOperation(Op.GetObjectPropValue)
      ? BigInt(await getObjectPropValue(handle, P.ObjectSize) as bigint)
      : BigInt(info.objectCompressedSize);
    return {
      handle, parent: info.parentObject, storageId: info.storageId, format: info.objectFormat, filename: info.filename,
      size,
      ...(info.modificationDate !== '' ? { modified: info.modificationDate } : {}),
    };
  };

  const listViaObjectInfo = async (storageId: number): Promise<MtpObjectEntry[]> => {
    const handles = decodeObjectHandles(await receive(OperationCode.GetObjectHandles, [storageId, 0, 0]));
    const out: MtpObjectEntry[] = [];
    for (const handle of handles) out.push(await viaObjectInfo(handle));
    return out;
  };

  return {
    getObjectPropsSupported: async (format) => decodeValue(DataType.AUINT16, await receive(Op.GetObjectPropsSupported, [format])) as number[],
    getObjectPropDesc,
    getObjectPropValue,
    async setObjectPropValue(handle, prop, value, options = {}) {
      const dataType = options.dataType ?? (await dataTypeOf(handle, prop, options.format));
      await camera.transaction(Op.SetObjectPropValue, [handle, prop], { data: encodeValue(dataType, value) });
    },
    getObjectPropList,
    async sendObjectPropList(storageId, parent, format, size, props) {
      const big = BigInt(size);
      const list: ObjectPropListElement[] = props.map((p) => {
        const dataType = p.dataType ?? OBJECT_PROP_DATATYPES.get(p.propertyCode);
        if (dataType === undefined) throw new TypeError(`sendObjectPropList: give the dataType of property 0x${p.propertyCode.toString(16)}`);
        return { objectHandle: 0, propertyCode: p.propertyCode, dataType, value: p.value };
      });
      const reply = await camera.transaction(
        Op.SendObjectPropList,
        [storageId, parent, format, Number(big >> 32n), Number(big & 0xffffffffn)],
        { data: encodeObjectPropList(list) },
      );
      return reply.params[2] ?? 0;
    },
    getObjectReferences: async (handle) => decodeObjectHandles(await receive(Op.GetObjectReferences, [handle])),
    async setObjectReferences(handle, handles) {
      await camera.transaction(Op.SetObjectReferences, [handle], { data: encodeObjectHandles(handles) });
    },
    async listObjects(storageId = ALL, options = {}) {
      const via = options.via ?? 'auto';
      if (via === 'objectInfo' || (via === 'auto' && !camera.supportsOperation(Op.GetObjectPropList))) {
        return listViaObjectInfo(storageId);
      }
      try {
        return await viaPropList(storageId);
      } catch (err) {
        if (via === 'auto' && err instanceof PtpResponseError && err.operationCode === Op.GetObjectPropList) {
          return listViaObjectInfo(storageId);
        }
        throw err;
      }
    },
  };
}
