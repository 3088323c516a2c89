/**
 * The core: codes, codecs, datasets, containers, the transport contract and
 * the transaction engine. It knows nothing of wires, vendors or screens.
 */
export * from './codes/index.js';
export * from './errors.js';
export { ByteReader } from './codec/reader.js';
export { ByteWriter } from './codec/writer.js';
export {
  array, dependent, int8, int16, int32, int64, int128, ptpString, struct, uint8, uint16, uint32, uint64, uint128,
  type Codec, type FieldCodecs, type Infer, type StructCodec, type StructOptions, type StructValue,
} from './codec/schema.js';
export {
  DataType, codecForDataType, dataTypeName, decodeValue, encodeValue, readValue, writeValue,
  type DataTypeCode, type DataTypeName, type PtpValue,
} from './codec/datatypes.js';
export {
  formatPtpDateTime, parsePtpDateTime, ptpDateTimeToDate, type FormatPtpDateTimeOptions, type PtpDateTime,
} from './codec/datetime.js';
export * from './datasets/device-info.js';
export * from './datasets/storage-info.js';
export * from './datasets/object-info.js';
export * from './datasets/device-prop-desc.js';
export * from './datasets/object-prop-desc.js';
export * from './datasets/object-prop-list.js';
export * from './datasets/event.js';
export * from './datasets/id-arrays.js';
export { FormFlag, type PropForm } from './datasets/prop-form.js';
export * from './container.js';
export * from './transport.js';
export * from './sinks.js';
export { PtpEngine, type EngineOptions, type RunOptions } from './engine.js';
