/**
 * A small scripted PTP camera for the browser test: a TransactionHandler
 * (served behind a FakeUsbDevice by usbResponderLink) with one storage, two
 * objects and BatteryLevel. Browser-safe (core only: the virtual camera needs
 * Node's file system), and imported by the Node side too, for what the page
 * must report.
 */
import { OperationCode } from '../../src/core/codes/operations.js';
import { DevicePropCode } from '../../src/core/codes/properties.js';
import { ResponseCode } from '../../src/core/codes/responses.js';
import { ObjectFormatCode } from '../../src/core/codes/formats.js';
import { DataType, encodeValue } from '../../src/core/codec/datatypes.js';
import { encodeDeviceInfo } from '../../src/core/datasets/device-info.js';
import { encodeDevicePropDesc } from '../../src/core/datasets/device-prop-desc.js';
import { encodeObjectHandles, encodeStorageIds } from '../../src/core/datasets/id-arrays.js';
import { encodeObjectInfo, objectInfoFor } from '../../src/core/datasets/object-info.js';
import { encodeStorageInfo } from '../../src/core/datasets/storage-info.js';
import type { TransactionHandler, TransactionResult } from '../../src/core/transport.js';
import { prng } from '../support/random.js';

/** One object on the scripted card. */
export interface ScriptedObject {
  readonly handle: number;
  readonly filename: string;
  readonly size: number;
  /** Seed of its bytes (see {@link objectBytes}). */
  readonly seed: number;
}

/** What the scripted camera is and holds. */
export const SCRIPTED = {
  manufacturer: 'ptpts',
  model: 'Scripted USB Camera',
  serialNumber: 'BROWSER-0001',
  storageId: 0x00010001,
  storageDescription: 'Scripted card',
  objects: [
    // Spans three 512 KiB transfers and ends mid-packet.
    { handle: 1, filename: 'IMG_0001.JPG', size: 1_234_567, seed: 1 },
    // Header + payload fill the last 512-byte packet exactly: the device sends a zero-length packet after it.
    { handle: 2, filename: 'ALIGNED.BIN', size: 1024 * 1024 - 12, seed: 2 },
  ] satisfies ScriptedObject[],
  batteryLevel: 87,
} as const;

/** An object's bytes: the same on every run and on both sides (page and Node). */
export function objectBytes(o: ScriptedObject): Uint8Array {
  const next = prng(o.seed);
  const bytes = new Uint8Array(o.size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

/** The camera's answers, one operation at a time. */
export function scriptedCameraHandler(): TransactionHandler {
  const contents = new Map(SCRIPTED.objects.map((o) => [o.handle, objectBytes(o)] as const));
  const ok = (data?: Uint8Array, params: readonly number[] = []): TransactionResult => ({ code: ResponseCode.OK, params, ...(data !== undefined ? { data } : {}) });
  return async ({ request }) => {
    const [p1 = 0] = request.params;
    switch (request.code) {
      case OperationCode.GetDeviceInfo:
        return ok(encodeDeviceInfo({
          standardVersion: 100,
          vendorExtensionId: 0,
          vendorExtensionVersion: 0,
          vendorExtensionDesc: '',
          functionalMode: 0,
          operationsSupported: [
            OperationCode.GetDeviceInfo, OperationCode.OpenSession, OperationCode.CloseSession, OperationCode.GetStorageIDs,
            OperationCode.GetStorageInfo, OperationCode.GetObjectHandles, OperationCode.GetObjectInfo, OperationCode.GetObject,
            OperationCode.GetDevicePropDesc, OperationCode.GetDevicePropValue,
          ],
          eventsSupported: [0x4002],
          devicePropertiesSupported: [DevicePropCode.BatteryLevel],
          captureFormats: [],
          playbackFormats: [ObjectFormatCode.ExifJpeg, ObjectFormatCode.Undefined],
          manufacturer: SCRIPTED.manufacturer,
          model: SCRIPTED.model,
          deviceVersion: '1.0',
          serialNumber: SCRIPTED.serialNumber,
        }));
      case OperationCode.OpenSession:
      case OperationCode.CloseSession:
        return ok();
      case OperationCode.GetStorageIDs:
        return ok(encodeStorageIds([SCRIPTED.storageId]));
      case OperationCode.GetStorageInfo:
        if (p1 !== SCRIPTED.storageId) return { code: ResponseCode.InvalidStorageID };
        return ok(encodeStorageInfo({
          storageType: 0x0004, filesystemType: 0x0002, accessCapability: 0,
          maxCapacity: 8n << 30n, freeSpaceInBytes: 4n << 30n, freeSpaceInImages: 0xffffffff,
          storageDescription: SCRIPTED.storageDescription, volumeLabel: '',
        }));
      case OperationCode.GetObjectHandles:
        return ok(encodeObjectHandles(SCRIPTED.objects.map((o) => o.handle)));
      case OperationCode.GetObjectInfo: {
        const o = SCRIPTED.objects.find((x) => x.handle === p1);
        if (o === undefined) return { code: ResponseCode.InvalidObjectHandle };
        return ok(encodeObjectInfo(objectInfoFor({ filename: o.filename, size: o.size, storageId: SCRIPTED.storageId })));
      }
      case OperationCode.GetObject: {
        const bytes = contents.get(p1);
        return bytes === undefined ? { code: ResponseCode.InvalidObjectHandle } : ok(bytes);
      }
      case OperationCode.GetDevicePropDesc:
        if (p1 !== DevicePropCode.BatteryLevel) return { code: ResponseCode.DevicePropNotSupported };
        return ok(encodeDevicePropDesc({
          propertyCode: DevicePropCode.BatteryLevel, dataType: DataType.UINT8, getSet: 0,
          factoryDefaultValue: 100, currentValue: SCRIPTED.batteryLevel, form: { kind: 'range', min: 0, max: 100, step: 1 },
        }));
      case OperationCode.GetDevicePropValue:
        if (p1 !== DevicePropCode.BatteryLevel) return { code: ResponseCode.DevicePropNotSupported };
        return ok(encodeValue(DataType.UINT8, SCRIPTED.batteryLevel));
      default:
        return { code: ResponseCode.OperationNotSupported };
    }
  };
}
