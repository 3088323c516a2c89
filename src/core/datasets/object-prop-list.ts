import { ByteReader } from '../codec/reader.js';
import { array, struct, uint16, uint32, type Infer } from '../codec/schema.js';
import { ByteWriter } from '../codec/writer.js';
import { propValue } from './prop-form.js';

/** One element of an MTP ObjectPropList: a property value of one object. */
export const ObjectPropListElementCodec = struct('ObjectPropList', {
  objectHandle: uint32,
  propertyCode: uint16,
  dataType: uint16,
  value: propValue,
});

/** One element of an ObjectPropList. */
export type ObjectPropListElement = Infer<typeof ObjectPropListElementCodec>;

/** MTP ObjectPropList dataset (MTP 1.1 §5.3.2.4): a UINT32 count, then the elements. */
export const ObjectPropListCodec = array(ObjectPropListElementCodec);

/** Decodes an ObjectPropList (data phase of GetObjectPropList, SendObjectPropList). */
export function decodeObjectPropList(bytes: Uint8Array): ObjectPropListElement[] {
  return ObjectPropListCodec.read(new ByteReader(bytes), 'ObjectPropList');
}
/** Encodes an ObjectPropList. */
export function encodeObjectPropList(list: readonly ObjectPropListElement[]): Uint8Array {
  const w = new ByteWriter(4 + list.length * 16);
  ObjectPropListCodec.write(w, [...list], 'ObjectPropList');
  return w.finish();
}
