/**
 * DevicePropDesc datasets that real devices write off the standard, and how
 * to read them anyway.
 *
 * Two sorts:
 * - Vendor quirks, declared as data by the extension that knows them (Canon's
 *   EOS 60D writes its BatteryLevel choices as UINT16 in a UINT8 descriptor).
 *   They are tried first, because such a descriptor can also be read the
 *   standard way, into wrong values. Each one applies only when the bytes fit
 *   it exactly.
 * - Lenient endings that libgphoto2 (`ptp_unpack_DPD`) accepts from every
 *   device, tried only when the standard reading fails: a string descriptor
 *   that ends after its factory default, a descriptor that ends before its
 *   form flag, and an enumeration that holds fewer values than its count says
 *   (the HP PhotoSmart 120 writes the count byte-swapped).
 */
import { codecForDataType, DataType, dataTypeName, encodeValue, writeValue, type PtpValue } from '../core/codec/datatypes.js';
import { ByteReader } from '../core/codec/reader.js';
import type { Codec } from '../core/codec/schema.js';
import { ByteWriter } from '../core/codec/writer.js';
import { decodeDevicePropDesc, type DevicePropDesc } from '../core/datasets/device-prop-desc.js';
import { FormFlag } from '../core/datasets/prop-form.js';
import { ProtocolError, PtpError } from '../core/errors.js';

/**
 * An enumeration whose values are written in another datatype than the one
 * the descriptor declares. Decoded values are checked to fit the declared
 * datatype, so the result re-encodes in the standard form.
 */
export interface EnumValueTypeQuirk {
  readonly kind: 'enumValueType';
  /** The property concerned. */
  readonly property: number;
  /** The datatype the descriptor declares (and its other values use). */
  readonly declared: number;
  /** The datatype the enumeration's values are actually written in. */
  readonly written: number;
  /** Which devices do it and how we know. */
  readonly note: string;
}

/** A known DevicePropDesc defect (one kind today; the union leaves room for more). */
export type DevicePropDescQuirk = EnumValueTypeQuirk;

/** Lenient endings accepted from any device, by the name the decode reports. */
export const LenientDevicePropDesc = {
  /** A string descriptor that ends after its factory default: the current value is taken to be the default. */
  StringWithoutCurrentValue: 'stringWithoutCurrentValue',
  /** A descriptor that ends after its current value: no form. */
  NoFormFlag: 'noFormFlag',
  /** An enumeration with fewer values than its count: the values present. */
  EnumerationCountTooLarge: 'enumerationCountTooLarge',
} as const;
/** The name of a lenient ending (`'noFormFlag'` ...), as {@link DecodedDevicePropDesc.quirk} reports it. */
export type LenientDevicePropDesc = (typeof LenientDevicePropDesc)[keyof typeof LenientDevicePropDesc];

/** A decoded descriptor and the quirk or lenient rule that read it. */
export interface DecodedDevicePropDesc {
  /** The descriptor, in the standard form whatever the bytes' defect. */
  readonly desc: DevicePropDesc;
  /** The vendor quirk or lenient ending that explained the bytes; undefined when they were standard. */
  readonly quirk: DevicePropDescQuirk | LenientDevicePropDesc | undefined;
}

/**
 * Decodes a DevicePropDesc dataset, applying `quirks` where the bytes fit
 * them and the lenient endings where the standard reading fails. A dataset
 * that fits nothing throws the standard reading's {@link ProtocolError}.
 */
export function decodeDevicePropDescWithQuirks(
  bytes: Uint8Array,
  quirks: readonly DevicePropDescQuirk[] = [],
): DecodedDevicePropDesc {
  for (const quirk of quirks) {
    const desc = withEnumValueType(bytes, quirk);
    if (desc !== undefined) return { desc, quirk };
  }
  try {
    return { desc: decodeDevicePropDesc(bytes), quirk: undefined };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    const lenient = leniently(bytes);
    if (lenient === undefined) throw err;
    return lenient;
  }
}

/** The header fields every reading shares. */
interface Head {
  readonly propertyCode: number;
  readonly dataType: number;
  readonly getSet: number;
  readonly value: Codec<PtpValue>;
  readonly factoryDefaultValue: PtpValue;
}

function readHead(r: ByteReader): Head {
  const propertyCode = r.u16('DevicePropDesc.propertyCode');
  const dataType = r.u16('DevicePropDesc.dataType');
  const getSet = r.u8('DevicePropDesc.getSet');
  const value = codecForDataType(dataType, 'DevicePropDesc.dataType');
  const factoryDefaultValue = value.read(r, 'DevicePropDesc.factoryDefaultValue');
  return { propertyCode, dataType, getSet, value, factoryDefaultValue };
}

function fits(dataType: number, value: PtpValue): boolean {
  try {
    encodeValue(dataType, value);
    return true;
  } catch (err) {
    if (err instanceof PtpError || err instanceof RangeError || err instanceof TypeError) return false;
    throw err;
  }
}

/** The descriptor read with `quirk`, or undefined when the bytes are not that defect. */
function withEnumValueType(bytes: Uint8Array, quirk: EnumValueTypeQuirk): DevicePropDesc | undefined {
  try {
    const r = new ByteReader(bytes);
    const head = readHead(r);
    if (head.propertyCode !== quirk.property || head.dataType !== quirk.declared) return undefined;
    const currentValue = head.value.read(r, 'DevicePropDesc.currentValue');
    if (r.u8('DevicePropDesc.form.formFlag') !== FormFlag.Enumeration) return undefined;
    const count = r.u16('DevicePropDesc.form.count');
    const written = codecForDataType(quirk.written, 'DevicePropDesc.form.values');
    // Only a dataset whose rest is exactly `count` values of the written type is this defect.
    if (written.fixedSize === undefined || r.remaining !== count * written.fixedSize) return undefined;
    const values: PtpValue[] = [];
    for (let i = 0; i < count; i++) {
      const v = written.read(r, 'DevicePropDesc.form.values');
      if (!fits(quirk.declared, v)) return undefined;
      values.push(v);
    }
    return {
      propertyCode: head.propertyCode, dataType: head.dataType, getSet: head.getSet,
      factoryDefaultValue: head.factoryDefaultValue, currentValue, form: { kind: 'enum', values },
    };
  } catch (err) {
    if (err instanceof PtpError) return undefined;
    throw err;
  }
}

/** libgphoto2's lenient endings; undefined when none explains the bytes. */
function leniently(bytes: Uint8Array): DecodedDevicePropDesc | undefined {
  try {
    const r = new ByteReader(bytes);
    const head = readHead(r);
    const base = { propertyCode: head.propertyCode, dataType: head.dataType, getSet: head.getSet, factoryDefaultValue: head.factoryDefaultValue };
    if (r.remaining === 0) {
      if (head.dataType !== DataType.STR) return undefined;
      return {
        desc: { ...base, currentValue: head.factoryDefaultValue, form: { kind: 'none' } },
        quirk: LenientDevicePropDesc.StringWithoutCurrentValue,
      };
    }
    const currentValue = head.value.read(r, 'DevicePropDesc.currentValue');
    if (r.remaining === 0) return { desc: { ...base, currentValue, form: { kind: 'none' } }, quirk: LenientDevicePropDesc.NoFormFlag };
    if (r.u8('DevicePropDesc.form.formFlag') !== FormFlag.Enumeration || head.dataType === DataType.UNDEF) return undefined;
    const count = r.u16('DevicePropDesc.form.count');
    const values: PtpValue[] = [];
    // As many whole values as the data holds (never more than the count claims).
    while (values.length < count && r.remaining > 0) {
      const at = r.offset;
      try {
        values.push(head.value.read(r, 'DevicePropDesc.form.values'));
      } catch (err) {
        if (!(err instanceof PtpError)) throw err;
        r.offset = at;
        break;
      }
    }
    if (values.length === 0 || values.length === count) return undefined;
    return {
      desc: { ...base, currentValue, form: { kind: 'enum', values } },
      quirk: LenientDevicePropDesc.EnumerationCountTooLarge,
    };
  } catch (err) {
    if (err instanceof PtpError) return undefined;
    throw err;
  }
}

/**
 * Encodes `desc` with the defect of `quirk`, byte for byte as the device
 * writes it (for the virtual camera's personalities; the inverse of
 * {@link decodeDevicePropDescWithQuirks}).
 */
export function encodeDevicePropDescWithQuirk(desc: DevicePropDesc, quirk: DevicePropDescQuirk): Uint8Array {
  if (desc.form.kind !== 'enum' || desc.propertyCode !== quirk.property || desc.dataType !== quirk.declared) {
    throw new RangeError(
      `the quirk of 0x${quirk.property.toString(16)} (${dataTypeName(quirk.declared)} enumeration) does not apply to this descriptor`,
    );
  }
  const w = new ByteWriter(32);
  w.u16(desc.propertyCode).u16(desc.dataType).u8(desc.getSet);
  writeValue(w, desc.dataType, desc.factoryDefaultValue, 'DevicePropDesc.factoryDefaultValue');
  writeValue(w, desc.dataType, desc.currentValue, 'DevicePropDesc.currentValue');
  w.u8(FormFlag.Enumeration).u16(desc.form.values.length);
  for (const v of desc.form.values) writeValue(w, quirk.written, v, 'DevicePropDesc.form.values');
  return w.finish();
}
