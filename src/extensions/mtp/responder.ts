/**
 * The virtual camera's MTP behaviour: object properties derived from the
 * served folders, GetObjectPropList, references and SendObjectPropList.
 *
 * GetObjectPropList selection (param 1 ObjectHandle, param 5 Depth), as
 * implemented here (MTP 1.1 Appendix D, GetObjectPropList; real devices
 * differ, most support depth 0 and 1 only):
 * - handle 0xFFFFFFFF: every object of every storage, whatever the depth;
 * - handle 0 (the roots): depth 0 or 1 = the root-level objects, depth
 *   0xFFFFFFFF = every object;
 * - any other handle: depth 0 = that object, depth 1 = its children, depth
 *   0xFFFFFFFF = all its descendants (the object itself is not included);
 * - other depths: Specification_By_Depth_Unsupported;
 * - param 3 (ObjectPropCode) 0 asks for a property group:
 *   Specification_By_Group_Unsupported; 0xFFFFFFFF = every supported property;
 * - param 2 (ObjectFormatCode) non-zero keeps only objects of that format.
 */
import { AssociationType, ObjectFormatCode } from '../../core/codes/formats.js';
import { ResponseCode } from '../../core/codes/responses.js';
import { DataType, decodeValue, encodeValue, type PtpValue } from '../../core/codec/datatypes.js';
import type { DeviceInfo } from '../../core/datasets/device-info.js';
import { decodeObjectHandles, encodeObjectHandles } from '../../core/datasets/id-arrays.js';
import { objectInfoFor } from '../../core/datasets/object-info.js';
import { encodeObjectPropDesc, type ObjectPropDesc } from '../../core/datasets/object-prop-desc.js';
import {
  decodeObjectPropList, encodeObjectPropList, type ObjectPropListElement,
} from '../../core/datasets/object-prop-list.js';
import type { PropForm } from '../../core/datasets/prop-form.js';
import { PtpError } from '../../core/errors.js';
import type { IncomingTransaction, TransactionResult } from '../../core/transport.js';
import { isSafeName, ptpDate, ROOT_PARENT, type StoredObject } from '../../responder/object-store.js';
import type {
  VirtualCamera, VirtualCameraBehaviour, VirtualOperation, VirtualOperationContext,
} from '../../responder/virtual-camera.js';
import {
  MtpDevicePropCode, MtpEventCode, MtpObjectFormatCode, MtpObjectPropCode as P, MtpOperationCode as Op,
  MtpObjectPropCode, MtpOperationCode, MtpResponseCode as Rc, MtpResponseCode,
} from './codes.js';
import { param, readLimited } from '../../responder/incoming.js';

const ALL = 0xffffffff;
const MAX_DATASET = 1024 * 1024;

/** The DeviceInfo of the built-in `mtp` personality: a neutral MTP media player. */
export const MTP_DEVICE_INFO: Partial<DeviceInfo> = {
  standardVersion: 100,
  vendorExtensionId: 6,
  vendorExtensionVersion: 100,
  vendorExtensionDesc: 'microsoft.com: 1.0;',
  manufacturer: 'ptpts',
  model: 'Virtual MTP Player',
  deviceVersion: '1.0',
  serialNumber: 'PTPTSMTP00000001',
};

type Dimensions = { readonly width: number; readonly height: number };

interface PropSpec {
  readonly dataType: number;
  readonly getSet: 0 | 1;
  readonly form: PropForm;
}

const NONE: PropForm = { kind: 'none' };
const SPECS: ReadonlyMap<number, PropSpec> = new Map<number, PropSpec>([
  [P.StorageID, { dataType: DataType.UINT32, getSet: 0, form: NONE }],
  [P.ObjectFormat, { dataType: DataType.UINT16, getSet: 0, form: NONE }],
  [P.ProtectionStatus, { dataType: DataType.UINT16, getSet: 0, form: { kind: 'enum', values: [0x0000, 0x0001] } }],
  [P.ObjectSize, { dataType: DataType.UINT64, getSet: 0, form: NONE }],
  [P.ObjectFileName, { dataType: DataType.STR, getSet: 1, form: NONE }],
  [P.DateCreated, { dataType: DataType.STR, getSet: 0, form: { kind: 'dateTime' } }],
  [P.DateModified, { dataType: DataType.STR, getSet: 0, form: { kind: 'dateTime' } }],
  [P.ParentObject, { dataType: DataType.UINT32, getSet: 0, form: NONE }],
  [P.PersistentUniqueObjectIdentifier, { dataType: DataType.UINT128, getSet: 0, form: NONE }],
  [P.Name, { dataType: DataType.STR, getSet: 0, form: NONE }],
  [P.AssociationType, { dataType: DataType.UINT16, getSet: 0, form: { kind: 'enum', values: [0, AssociationType.GenericFolder] } }],
  [P.AssociationDesc, { dataType: DataType.UINT32, getSet: 0, form: NONE }],
  [P.Width, { dataType: DataType.UINT32, getSet: 0, form: { kind: 'range', min: 0, max: 65535, step: 1 } }],
  [P.Height, { dataType: DataType.UINT32, getSet: 0, form: { kind: 'range', min: 0, max: 65535, step: 1 } }],
]);

const COMMON_PROPS: readonly number[] = [
  P.StorageID, P.ObjectFormat, P.ProtectionStatus, P.ObjectSize, P.ObjectFileName,
  P.DateCreated, P.DateModified, P.ParentObject, P.PersistentUniqueObjectIdentifier, P.Name,
];
const FOLDER_PROPS: readonly number[] = [...COMMON_PROPS, P.AssociationType, P.AssociationDesc];
const IMAGE_PROPS: readonly number[] = [...COMMON_PROPS, P.Width, P.Height];

/** The object properties the virtual MTP device supports for a format. */
export function supportedObjectProps(format: number): readonly number[] {
  if (format === ObjectFormatCode.Association) return FOLDER_PROPS;
  if (format === ObjectFormatCode.ExifJpeg) return IMAGE_PROPS;
  return COMMON_PROPS;
}

const KNOWN_PROPS = new Set<number>(Object.values(MtpObjectPropCode));

function defaultValue(dataType: number): PtpValue {
  if (dataType === DataType.STR) return '';
  if ((dataType & 0x4000) !== 0) return [];
  return (dataType & 0xff) >= DataType.INT64 ? 0n : 0;
}

/** PersistentUniqueObjectIdentifier: unique while the responder runs (handles are never reused). */
function puoid(obj: StoredObject): bigint {
  return (0x70747074n << 96n) | (BigInt(obj.storageId) << 32n) | BigInt(obj.handle);
}

/** The `mtp` behaviour: the MTP operations over the virtual camera's object store. */
export function mtpBehaviour(): VirtualCameraBehaviour {
  return {
    codes: [{
      operation: MtpOperationCode, response: MtpResponseCode, event: MtpEventCode,
      property: { ...MtpDevicePropCode, ...MtpObjectPropCode }, format: MtpObjectFormatCode,
    }],
    events: [MtpEventCode.ObjectPropChanged, MtpEventCode.ObjectReferencesChanged],
    operations: (camera) => new MtpResponder(camera).operations(),
  };
}

class MtpResponder {
  readonly #camera: VirtualCamera;
  readonly #references = new Map<number, number[]>();

  constructor(camera: VirtualCamera) {
    this.#camera = camera;
  }

  operations(): ReadonlyMap<number, VirtualOperation> {
    return new Map<number, VirtualOperation>([
      [Op.GetObjectPropsSupported, (t) => this.#propsSupported(t)],
      [Op.GetObjectPropDesc, (t) => this.#propDesc(t)],
      [Op.GetObjectPropValue, (t) => this.#propValue(t)],
      [Op.SetObjectPropValue, (t) => this.#setPropValue(t)],
      [Op.GetObjectPropList, (t) => this.#propList(t)],
      [Op.SendObjectPropList, (t, c) => this.#sendPropList(t, c)],
      [Op.GetObjectReferences, (t) => this.#getReferences(t)],
      [Op.SetObjectReferences, (t) => this.#setReferences(t)],
    ]);
  }

  get #store() {
    return this.#camera.store;
  }

  #formatKnown(format: number): boolean {
    const info = this.#camera.deviceInfo;
    return format === ObjectFormatCode.Association || info.playbackFormats.includes(format) || info.captureFormats.includes(format);
  }

  #formatOf(obj: StoredObject): number {
    return this.#store.formatOf(obj);
  }

  async #propsSupported(t: IncomingTransaction): Promise<TransactionResult> {
    const format = param(t, 0);
    if (!this.#formatKnown(format)) return { code: ResponseCode.InvalidObjectFormatCode };
    return { code: ResponseCode.OK, data: encodeValue(DataType.AUINT16, [...supportedObjectProps(format)]) };
  }

  async #propDesc(t: IncomingTransaction): Promise<TransactionResult> {
    const [prop, format] = [param(t, 0), param(t, 1)];
    if (!this.#formatKnown(format)) return { code: ResponseCode.InvalidObjectFormatCode };
    const spec = SPECS.get(prop);
    if (spec === undefined || !supportedObjectProps(format).includes(prop)) return { code: Rc.Invalid_ObjectPropCode };
    const desc: ObjectPropDesc = {
      propertyCode: prop,
      dataType: spec.dataType,
      getSet: spec.getSet,
      factoryDefaultValue: defaultValue(spec.dataType),
      groupCode: 0,
      form: spec.form,
    };
    return { code: ResponseCode.OK, data: encodeObjectPropDesc(desc) };
  }

  /**
   * The value of `prop` for `obj`, whose format and (for JPEGs) pixel size the
   * caller looked up once. Synchronous: a listing asks this for every
   * property of thousands of objects.
   */
  #value(obj: StoredObject, format: number, dims: Dimensions | undefined, prop: number): PtpValue {
    switch (prop) {
      case P.StorageID: return obj.storageId;
      case P.ObjectFormat: return format;
      case P.ProtectionStatus: return obj.protection;
      case P.ObjectSize: return obj.size;
      case P.ObjectFileName: return obj.name;
      case P.DateCreated: return ptpDate(obj.created);
      case P.DateModified: return ptpDate(obj.modified);
      case P.ParentObject: return obj.parent;
      case P.PersistentUniqueObjectIdentifier: return puoid(obj);
      case P.Name: return obj.isFolder || obj.name.lastIndexOf('.') <= 0 ? obj.name : obj.name.slice(0, obj.name.lastIndexOf('.'));
      case P.AssociationType: return obj.isFolder ? AssociationType.GenericFolder : 0;
      case P.AssociationDesc: return 0;
      // As GetObjectInfo gives them: read from a JPEG's header, 0 when unknown.
      case P.Width: return dims?.width ?? 0;
      case P.Height: return dims?.height ?? 0;
      default: throw new Error(`no value for object property ${prop}`);
    }
  }

  /** Pixel size, when `props` asks for it. */
  #dims(obj: StoredObject, props: readonly number[]): Dimensions | undefined | Promise<Dimensions | undefined> {
    if (!props.includes(P.Width) && !props.includes(P.Height)) return undefined;
    return this.#camera.imageDimensions(obj);
  }

  async #propValue(t: IncomingTransaction): Promise<TransactionResult> {
    const [handle, prop] = [param(t, 0), param(t, 1)];
    const obj = this.#store.get(handle);
    if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
    const spec = SPECS.get(prop);
    if (spec === undefined || !supportedObjectProps(this.#formatOf(obj)).includes(prop)) return { code: Rc.Invalid_ObjectPropCode };
    const dims = await this.#dims(obj, [prop]);
    return { code: ResponseCode.OK, data: encodeValue(spec.dataType, this.#value(obj, this.#store.formatOf(obj), dims, prop)) };
  }

  /** Only ObjectFileName is writable: a rename on disk, inside the same folder. */
  async #setPropValue(t: IncomingTransaction): Promise<TransactionResult> {
    const [handle, prop] = [param(t, 0), param(t, 1)];
    const bytes = await readLimited(t.data, MAX_DATASET);
    const obj = this.#store.get(handle);
    if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
    const spec = SPECS.get(prop);
    if (spec === undefined || !supportedObjectProps(this.#formatOf(obj)).includes(prop)) return { code: Rc.Invalid_ObjectPropCode };
    if (spec.getSet === 0) return { code: ResponseCode.AccessDenied };
    if (bytes === undefined) return { code: Rc.Invalid_ObjectProp_Format };
    let name: PtpValue;
    try {
      name = decodeValue(spec.dataType, bytes);
    } catch (err) {
      if (err instanceof PtpError) return { code: Rc.Invalid_ObjectProp_Format };
      throw err;
    }
    if (typeof name !== 'string' || !isSafeName(name)) return { code: Rc.Invalid_ObjectProp_Value };
    if (this.#store.isReadOnly(obj.storageId)) return { code: ResponseCode.StoreReadOnly };
    if (obj.protection !== 0) return { code: ResponseCode.ObjectWriteProtected };
    if (name === obj.name) return { code: ResponseCode.OK };
    if (await this.#store.exists(obj.storageId, obj.parent, name)) return { code: Rc.Invalid_ObjectProp_Value };
    await this.#store.move(obj.handle, obj.storageId, obj.parent, name);
    setImmediate(() => this.#camera.emit({ code: MtpEventCode.ObjectPropChanged, params: [handle, prop] }));
    return { code: ResponseCode.OK };
  }

  async #select(handle: number, depth: number): Promise<StoredObject[] | number> {
    const store = this.#store;
    if (handle === ALL) return store.list(ALL, 0);
    if (handle === 0) return store.list(ALL, depth === ALL ? 0 : ROOT_PARENT);
    const obj = store.get(handle);
    if (obj === undefined) return ResponseCode.InvalidObjectHandle;
    if (depth === 0) return [obj];
    if (!obj.isFolder) return [];
    if (depth === 1) return store.list(obj.storageId, obj.handle);
    const out: StoredObject[] = [];
    const walk = async (folder: StoredObject): Promise<void> => {
      for (const child of await store.list(folder.storageId, folder.handle)) {
        out.push(child);
        if (child.isFolder) await walk(child);
      }
    };
    await walk(obj);
    return out;
  }

  async #propList(t: IncomingTransaction): Promise<TransactionResult> {
    const [handle, format, prop, , depth] = [param(t, 0), param(t, 1), param(t, 2), param(t, 3), param(t, 4)];
    if (prop === 0) return { code: Rc.Specification_By_Group_Unsupported };
    if (depth !== 0 && depth !== 1 && depth !== ALL) return { code: Rc.Specification_By_Depth_Unsupported };
    if (prop !== ALL) {
      if (!KNOWN_PROPS.has(prop)) return { code: Rc.Invalid_ObjectPropCode };
      if (!SPECS.has(prop)) return { code: Rc.ObjectProp_Not_Supported };
    }
    if (format !== 0 && !this.#formatKnown(format)) return { code: ResponseCode.InvalidObjectFormatCode };
    const selected = await this.#select(handle, depth);
    if (typeof selected === 'number') return { code: selected };
    const elements: ObjectPropListElement[] = [];
    const one = [prop];
    for (const obj of selected) {
      const objectFormat = this.#store.formatOf(obj);
      if (format !== 0 && objectFormat !== format) continue;
      const supported = supportedObjectProps(objectFormat);
      const props = prop === ALL ? supported : supported.includes(prop) ? one : [];
      if (props.length === 0) continue;
      // Cached after the first listing: no await per object then.
      let dims = this.#dims(obj, props);
      if (dims instanceof Promise) dims = await dims;
      for (const code of props) {
        elements.push({ objectHandle: obj.handle, propertyCode: code, dataType: SPECS.get(code)!.dataType, value: this.#value(obj, objectFormat, dims, code) });
      }
    }
    return { code: ResponseCode.OK, data: encodeObjectPropList(elements) };
  }

  /**
   * SendObjectPropList(storage, parent, format, size high, size low) with an
   * ObjectPropList (handles 0) naming at least ObjectFileName; SendObject follows.
   */
  async #sendPropList(
    t: IncomingTransaction,
    context: VirtualOperationContext,
  ): Promise<TransactionResult> {
    const [storageId, parent, format, sizeHigh, sizeLow] = [param(t, 0), param(t, 1), param(t, 2), param(t, 3), param(t, 4)];
    const bytes = await readLimited(t.data, MAX_DATASET);
    if (bytes === undefined) return { code: Rc.Invalid_Dataset };
    if (!this.#formatKnown(format)) return { code: ResponseCode.InvalidObjectFormatCode };
    let list: ObjectPropListElement[];
    try {
      list = decodeObjectPropList(bytes);
    } catch (err) {
      if (err instanceof PtpError) return { code: Rc.Invalid_Dataset };
      throw err;
    }
    const supported = supportedObjectProps(format);
    let filename: string | undefined;
    for (const [index, e] of list.entries()) {
      if (!supported.includes(e.propertyCode) || SPECS.get(e.propertyCode)?.dataType !== e.dataType) {
        return { code: Rc.ObjectProp_Not_Supported, params: [0, 0, 0, index] };
      }
      if (e.propertyCode === P.ObjectFileName) filename = e.value as string;
    }
    if (filename === undefined) return { code: Rc.Invalid_Dataset };
    const size = (BigInt(sizeHigh) << 32n) | BigInt(sizeLow);
    const result = await context.prepareObject(storageId, parent, objectInfoFor({ filename, size, objectFormat: format }));
    if (result.code === ResponseCode.InvalidDataset) return { code: Rc.Invalid_ObjectProp_Value };
    return result;
  }

  async #getReferences(t: IncomingTransaction): Promise<TransactionResult> {
    const obj = this.#store.get(param(t, 0));
    if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
    const refs = (this.#references.get(obj.handle) ?? []).filter((h) => this.#store.get(h) !== undefined);
    return { code: ResponseCode.OK, data: encodeObjectHandles(refs) };
  }

  async #setReferences(t: IncomingTransaction): Promise<TransactionResult> {
    const bytes = await readLimited(t.data, MAX_DATASET);
    const obj = this.#store.get(param(t, 0));
    if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
    if (bytes === undefined) return { code: Rc.Invalid_Dataset };
    let refs: number[];
    try {
      refs = decodeObjectHandles(bytes);
    } catch (err) {
      if (err instanceof PtpError) return { code: Rc.Invalid_Dataset };
      throw err;
    }
    if (refs.some((h) => this.#store.get(h) === undefined)) return { code: Rc.Invalid_ObjectReference };
    this.#references.set(obj.handle, refs);
    setImmediate(() => this.#camera.emit({ code: MtpEventCode.ObjectReferencesChanged, params: [obj.handle] }));
    return { code: ResponseCode.OK };
  }
}


