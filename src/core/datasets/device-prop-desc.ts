import { struct, uint16, uint8, type Infer } from '../codec/schema.js';
import { propForm, propValue } from './prop-form.js';

/** DevicePropDesc dataset (ISO 15740 §5.5.4): a property's type, access, values and allowed values. */
export const DevicePropDescCodec = struct('DevicePropDesc', {
  propertyCode: uint16,
  /** A {@link DataType} code; it types the values below. */
  dataType: uint16,
  /** 0 = get only, 1 = get/set. */
  getSet: uint8,
  factoryDefaultValue: propValue,
  currentValue: propValue,
  form: propForm,
});

/** Decoded DevicePropDesc. */
export type DevicePropDesc = Infer<typeof DevicePropDescCodec>;

/** Decodes a DevicePropDesc dataset (data phase of GetDevicePropDesc). */
export const decodeDevicePropDesc = (bytes: Uint8Array): DevicePropDesc => DevicePropDescCodec.decode(bytes);
/** Encodes a DevicePropDesc dataset. */
export const encodeDevicePropDesc = (desc: DevicePropDesc): Uint8Array => DevicePropDescCodec.encode(desc);
