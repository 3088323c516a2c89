/**
 * The virtual camera's device properties: real descriptors with Get, Set and
 * Reset, checked against datatype, access and form like a camera would.
 */
import { DevicePropCode } from '../core/codes/properties.js';
import { ResponseCode } from '../core/codes/responses.js';
import { DataType, decodeValue, encodeValue, type PtpValue } from '../core/codec/datatypes.js';
import { formatPtpDateTime } from '../core/codec/datetime.js';
import type { DevicePropDesc } from '../core/datasets/device-prop-desc.js';
import { PtpError } from '../core/errors.js';

/** Result of a set or reset: OK, or the response code to answer with. */
export type PropertyResult = { readonly ok: true; readonly changed: readonly number[] } | { readonly ok: false; readonly code: number };

/** A camera's property table. */
export class PropertyTable {
  readonly #descs = new Map<number, DevicePropDesc>();

  constructor(descs: readonly DevicePropDesc[]) {
    for (const d of descs) this.#descs.set(d.propertyCode, d);
  }

  codes(): number[] {
    return [...this.#descs.keys()];
  }

  has(code: number): boolean {
    return this.#descs.has(code);
  }

  desc(code: number): DevicePropDesc | undefined {
    return this.#descs.get(code);
  }

  /** The encoded current value (data phase of GetDevicePropValue). */
  encodedValue(code: number): Uint8Array | undefined {
    const d = this.#descs.get(code);
    return d === undefined ? undefined : encodeValue(d.dataType, d.currentValue);
  }

  /** Sets a value from the encoded bytes of SetDevicePropValue. */
  setEncoded(code: number, bytes: Uint8Array): PropertyResult {
    const d = this.#descs.get(code);
    if (d === undefined) return { ok: false, code: ResponseCode.DevicePropNotSupported };
    if (d.getSet !== 1) return { ok: false, code: ResponseCode.AccessDenied };
    let value: PtpValue;
    try {
      value = decodeValue(d.dataType, bytes);
      // Trailing bytes mean the initiator used another datatype.
      if (encodeValue(d.dataType, value).length !== bytes.length) return { ok: false, code: ResponseCode.InvalidDevicePropFormat };
    } catch (err) {
      if (err instanceof PtpError) return { ok: false, code: ResponseCode.InvalidDevicePropFormat };
      throw err;
    }
    if (!allowed(d, value)) return { ok: false, code: ResponseCode.InvalidDevicePropValue };
    return this.#assign(d, value);
  }

  /** Sets a typed value (for the camera's own changes, e.g. battery drain). */
  set(code: number, value: PtpValue): PropertyResult {
    const d = this.#descs.get(code);
    if (d === undefined) return { ok: false, code: ResponseCode.DevicePropNotSupported };
    return this.#assign(d, value);
  }

  /** ResetDevicePropValue: one property, or all with 0xFFFFFFFF. */
  reset(code: number): PropertyResult {
    if (code === 0xffffffff) {
      const changed: number[] = [];
      for (const d of this.#descs.values()) {
        if (d.getSet === 1) {
          const r = this.#assign(d, d.factoryDefaultValue);
          if (r.ok) changed.push(...r.changed);
        }
      }
      return { ok: true, changed };
    }
    const d = this.#descs.get(code);
    if (d === undefined) return { ok: false, code: ResponseCode.DevicePropNotSupported };
    if (d.getSet !== 1) return { ok: false, code: ResponseCode.AccessDenied };
    return this.#assign(d, d.factoryDefaultValue);
  }

  #assign(d: DevicePropDesc, value: PtpValue): PropertyResult {
    const changed = !sameValue(d.currentValue, value);
    this.#descs.set(d.propertyCode, { ...d, currentValue: value });
    return { ok: true, changed: changed ? [d.propertyCode] : [] };
  }
}

function sameValue(a: PtpValue, b: PtpValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function allowed(d: DevicePropDesc, v: PtpValue): boolean {
  const f = d.form;
  if (f.kind === 'enum') return f.values.some((x) => sameValue(x, v));
  if (f.kind === 'range') {
    if (typeof v === 'number' && typeof f.min === 'number' && typeof f.max === 'number' && typeof f.step === 'number') {
      return v >= f.min && v <= f.max && (f.step === 0 || (v - f.min) % f.step === 0);
    }
    if (typeof v === 'bigint' && typeof f.min === 'bigint' && typeof f.max === 'bigint' && typeof f.step === 'bigint') {
      return v >= f.min && v <= f.max && (f.step === 0n || (v - f.min) % f.step === 0n);
    }
    return false;
  }
  if (d.propertyCode === DevicePropCode.DateTime) return typeof v === 'string' && /^\d{8}T\d{6}/.test(v);
  return true;
}

const enumOf = (values: readonly PtpValue[]): DevicePropDesc['form'] => ({ kind: 'enum', values: [...values] });

/** The properties of the default virtual camera, modelled on a typical compact camera. */
export function defaultProperties(now: Date = new Date()): DevicePropDesc[] {
  return [
    { propertyCode: DevicePropCode.BatteryLevel, dataType: DataType.UINT8, getSet: 0,
      factoryDefaultValue: 100, currentValue: 87, form: { kind: 'range', min: 0, max: 100, step: 1 } },
    { propertyCode: DevicePropCode.ImageSize, dataType: DataType.STR, getSet: 1,
      factoryDefaultValue: '4000x3000', currentValue: '4000x3000', form: enumOf(['4000x3000', '2816x2112', '1600x1200', '640x480']) },
    { propertyCode: DevicePropCode.CompressionSetting, dataType: DataType.UINT8, getSet: 1,
      factoryDefaultValue: 2, currentValue: 2, form: enumOf([1, 2, 3]) },
    { propertyCode: DevicePropCode.WhiteBalance, dataType: DataType.UINT16, getSet: 1,
      factoryDefaultValue: 2, currentValue: 2, form: enumOf([1, 2, 3, 4, 5, 6, 7]) },
    { propertyCode: DevicePropCode.FNumber, dataType: DataType.UINT16, getSet: 1,
      factoryDefaultValue: 560, currentValue: 560, form: enumOf([280, 350, 400, 450, 560, 630, 710, 800, 1100, 1600, 2200]) },
    { propertyCode: DevicePropCode.FocalLength, dataType: DataType.UINT32, getSet: 0,
      factoryDefaultValue: 3500, currentValue: 3500, form: { kind: 'range', min: 1800, max: 5500, step: 100 } },
    { propertyCode: DevicePropCode.ExposureTime, dataType: DataType.UINT32, getSet: 1,
      factoryDefaultValue: 80, currentValue: 80, form: enumOf([10000, 5000, 2500, 1250, 666, 333, 166, 80, 40, 20, 10, 5, 2]) },
    { propertyCode: DevicePropCode.ExposureProgramMode, dataType: DataType.UINT16, getSet: 1,
      factoryDefaultValue: 2, currentValue: 2, form: enumOf([1, 2, 3, 4]) },
    { propertyCode: DevicePropCode.ExposureIndex, dataType: DataType.UINT16, getSet: 1,
      factoryDefaultValue: 100, currentValue: 100, form: enumOf([100, 200, 400, 800, 1600, 3200, 6400]) },
    { propertyCode: DevicePropCode.ExposureBiasCompensation, dataType: DataType.INT16, getSet: 1,
      factoryDefaultValue: 0, currentValue: 0,
      // Thirds of a stop in 1/1000 EV, as Sony and others list them.
      form: enumOf([-3000, -2700, -2300, -2000, -1700, -1300, -1000, -700, -300, 0, 300, 700, 1000, 1300, 1700, 2000, 2300, 2700, 3000]) },
    { propertyCode: DevicePropCode.DateTime, dataType: DataType.STR, getSet: 1,
      factoryDefaultValue: formatPtpDateTime(now), currentValue: formatPtpDateTime(now), form: { kind: 'none' } },
    { propertyCode: DevicePropCode.StillCaptureMode, dataType: DataType.UINT16, getSet: 1,
      factoryDefaultValue: 1, currentValue: 1, form: enumOf([1, 2, 3]) },
    { propertyCode: DevicePropCode.Artist, dataType: DataType.STR, getSet: 1,
      factoryDefaultValue: '', currentValue: '', form: { kind: 'none' } },
  ];
}
