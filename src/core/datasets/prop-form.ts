/**
 * The "form" that ends DevicePropDesc and MTP ObjectPropDesc: a form flag then
 * the allowed values, typed by the descriptor's datatype.
 */
import { codecForDataType, DataType, type PtpValue } from '../codec/datatypes.js';
import { ProtocolError } from '../errors.js';
import { ByteReader } from '../codec/reader.js';
import { dependent, ptpString, type Codec } from '../codec/schema.js';
import type { ByteWriter } from '../codec/writer.js';

/** Form flag values (PTP: 0–2; MTP adds 3–6 and 0xFF for object properties). */
export const FormFlag = {
  None: 0x00,
  Range: 0x01,
  Enumeration: 0x02,
  DateTime: 0x03,
  FixedLengthArray: 0x04,
  RegularExpression: 0x05,
  ByteArray: 0x06,
  LongString: 0xff,
} as const;

/** Allowed values of a property. */
export type PropForm =
  | { readonly kind: 'none' }
  | { readonly kind: 'range'; readonly min: PtpValue; readonly max: PtpValue; readonly step: PtpValue }
  | { readonly kind: 'enum'; readonly values: readonly PtpValue[] }
  /** MTP DateTime form; libgphoto2 has seen devices append a string, kept when present. */
  | { readonly kind: 'dateTime'; readonly text?: string }
  | { readonly kind: 'fixedLengthArray'; readonly length: number }
  | { readonly kind: 'regex'; readonly pattern: string }
  | { readonly kind: 'byteArray'; readonly maxLength: number }
  /** MTP long string form: no form data (as libgphoto2 reads real devices). */
  | { readonly kind: 'longString' }
  /** A form flag we do not know: the rest of the dataset, kept so it re-encodes exactly. */
  | { readonly kind: 'unknown'; readonly flag: number; readonly bytes: Uint8Array };

function readForm(r: ByteReader, field: string, dataType: number): PropForm {
  const flag = r.u8(`${field}.formFlag`);
  const value = codecForDataType(dataType, field);
  if ((flag === FormFlag.Range || flag === FormFlag.Enumeration) && dataType === DataType.UNDEF) {
    // UNDEF values take no bytes: a range or list of them is meaningless and could not be re-read.
    throw new ProtocolError('range or enumeration of an UNDEF datatype', { field: `${field}.formFlag`, offset: r.offset - 1 });
  }
  switch (flag) {
    case FormFlag.None:
      return { kind: 'none' };
    case FormFlag.Range: {
      const min = value.read(r, `${field}.min`);
      const max = value.read(r, `${field}.max`);
      const step = value.read(r, `${field}.step`);
      return { kind: 'range', min, max, step };
    }
    case FormFlag.Enumeration: {
      const count = r.u16(`${field}.count`);
      r.needElements(count, Math.max(1, value.fixedSize ?? 1), `${field}.values`);
      const values: PtpValue[] = [];
      for (let i = 0; i < count; i++) values.push(value.read(r, `${field}.values`));
      return { kind: 'enum', values };
    }
    case FormFlag.DateTime:
      return r.remaining > 0 ? { kind: 'dateTime', text: ptpString.read(r, `${field}.text`) } : { kind: 'dateTime' };
    case FormFlag.FixedLengthArray:
      return { kind: 'fixedLengthArray', length: r.u16(`${field}.length`) };
    case FormFlag.RegularExpression:
      return { kind: 'regex', pattern: ptpString.read(r, `${field}.pattern`) };
    case FormFlag.ByteArray:
      return { kind: 'byteArray', maxLength: r.u16(`${field}.maxLength`) };
    case FormFlag.LongString:
      return { kind: 'longString' };
    default:
      return { kind: 'unknown', flag, bytes: r.bytesView(r.remaining, field).slice() };
  }
}

function writeForm(w: ByteWriter, form: PropForm, field: string, dataType: number): void {
  const value = codecForDataType(dataType, field);
  switch (form.kind) {
    case 'none':
      w.u8(FormFlag.None);
      return;
    case 'range':
      w.u8(FormFlag.Range);
      value.write(w, form.min, `${field}.min`);
      value.write(w, form.max, `${field}.max`);
      value.write(w, form.step, `${field}.step`);
      return;
    case 'enum':
      w.u8(FormFlag.Enumeration);
      w.u16(form.values.length, `${field}.count`);
      for (const v of form.values) value.write(w, v, `${field}.values`);
      return;
    case 'dateTime':
      w.u8(FormFlag.DateTime);
      if (form.text !== undefined) ptpString.write(w, form.text, `${field}.text`);
      return;
    case 'fixedLengthArray':
      w.u8(FormFlag.FixedLengthArray).u16(form.length, `${field}.length`);
      return;
    case 'regex':
      w.u8(FormFlag.RegularExpression);
      ptpString.write(w, form.pattern, `${field}.pattern`);
      return;
    case 'byteArray':
      w.u8(FormFlag.ByteArray).u16(form.maxLength, `${field}.maxLength`);
      return;
    case 'longString':
      w.u8(FormFlag.LongString);
      return;
    case 'unknown':
      w.u8(form.flag, `${field}.formFlag`).bytes(form.bytes);
      return;
    default:
      // Reachable only from untyped callers; writing nothing would truncate the dataset.
      throw new ProtocolError(`unknown form kind ${String((form as { kind?: unknown }).kind)}`, { field });
  }
}

/** Form flag + form, typed by the sibling field `dataType`. */
export const propForm: Codec<PropForm> = {
  typeName: 'Form',
  minSize: 1,
  read: (r, field, s = {}) => readForm(r, field, s['dataType'] as number),
  write: (w, form, field, s = {}) => writeForm(w, form, field, s['dataType'] as number),
};

/** A value whose datatype is the sibling field `dataType`. */
export const propValue: Codec<PtpValue> = dependent('Value', (s, field) =>
  codecForDataType(s['dataType'] as number, field),
);
