import { struct, uint16, uint32, uint8, type Infer } from '../codec/schema.js';
import { propForm, propValue } from './prop-form.js';

/** MTP ObjectPropDesc dataset (MTP 1.1 §5.3.2.3): describes one object property of a format. */
export const ObjectPropDescCodec = struct('ObjectPropDesc', {
  propertyCode: uint16,
  dataType: uint16,
  /** 0 = get only, 1 = get/set. */
  getSet: uint8,
  factoryDefaultValue: propValue,
  groupCode: uint32,
  form: propForm,
});

/** Decoded ObjectPropDesc. */
export type ObjectPropDesc = Infer<typeof ObjectPropDescCodec>;

/** Decodes an ObjectPropDesc dataset (data phase of MTP GetObjectPropDesc). */
export const decodeObjectPropDesc = (bytes: Uint8Array): ObjectPropDesc => ObjectPropDescCodec.decode(bytes);
/** Encodes an ObjectPropDesc dataset. */
export const encodeObjectPropDesc = (desc: ObjectPropDesc): Uint8Array => ObjectPropDescCodec.encode(desc);
