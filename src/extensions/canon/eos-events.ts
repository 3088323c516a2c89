/**
 * The EOS_GetEvent (0x9116) dataset: EOS bodies report property changes,
 * new objects and status through it instead of PTP events. It is a chain of
 * records, each `UINT32 size` (header included), `UINT32 type` (an EOS event
 * code, 0xC1xx), then the payload; a record of type 0 and size 8 ends it.
 *
 * Decoding is strict about the framing (a size below 8 or past the end of the
 * data, or a missing terminator, is a ProtocolError naming the field and
 * offset) and lenient about content: unknown types, and known types whose
 * payload does not fit the layout we know, come back as `unknown` with their
 * bytes. Every event keeps its payload bytes, and the encoder writes them
 * back verbatim when present, so re-encoding a decoded dataset is
 * byte-identical; events built in code (no payload) are encoded from their
 * typed fields.
 *
 * Payload layouts (offsets into the payload, i.e. after the 8-byte header;
 * facts from libgphoto2's ptp_unpack_CANON_changes, checked against the 60D
 * and 5D Mark III logs):
 * - PropValueChanged 0xC189: property, value (see eos-values.ts).
 * - AvailListChanged 0xC18A: property, form type (3 = enumeration; 1 and 7
 *   come with no values), count, values (4 bytes each, or image formats).
 * - ObjectAddedEx 0xC181 / ObjectInfoChangedEx 0xC187: handle, storage,
 *   format (UINT16 + 2 bytes), 2 UINT32s, size, parent, 1 UINT32, filename
 *   (ASCII, NUL-terminated).
 * - RequestObjectTransfer 0xC186: handle, format (UINT16 + 2 bytes), 1 UINT32,
 *   size, 1 UINT32, filename.
 * - ObjectRemoved 0xC182, ObjectContentChanged 0xC188: handle.
 * - CameraStatusChanged 0xC18B: status. BulbExposureTime 0xC194: seconds.
 */
import { ProtocolError } from '../../core/errors.js';
import { ByteReader } from '../../core/codec/reader.js';
import { dependent, struct, uint16, uint32, type Codec } from '../../core/codec/schema.js';
import { ByteWriter } from '../../core/codec/writer.js';
import { CanonEventCode as Ec } from './codes.js';
import {
  EOS_IMAGE_FORMAT_PROPS, EOS_SIGNED_PROPS, eosPropValueCodec, readAsciiz, readImageFormatList, writeImageFormatList,
  type EosImageFormatEntry, type EosPropValue,
} from './eos-values.js';

/** Size of the record header (size + type) and of the terminator record. */
export const EOS_RECORD_HEADER = 8;

/** Object fields of ObjectAddedEx / ObjectInfoChangedEx. */
export interface EosObjectFields {
  readonly handle: number;
  readonly storageId: number;
  readonly format: number;
  /** Compressed size (UINT32; bodies announce bigger files with ObjectAddedEx64). */
  readonly size: number;
  readonly parent: number;
  readonly filename: string;
  /** The words whose meaning is unknown (after format, 2 before size, 1 after parent), as sent. */
  readonly reserved?: readonly [number, number, number, number];
}

/** Fields of RequestObjectTransfer (an image waiting in the camera's SDRAM). */
export interface EosTransferFields {
  readonly handle: number;
  readonly format: number;
  readonly size: number;
  readonly filename: string;
  /** Unknown words (after format, before size, after size), as sent. */
  readonly reserved?: readonly [number, number, number];
}

/** Values of an AvailListChanged: numbers, image formats, or bytes whose layout is not known. */
export type EosAvailValues = readonly number[] | readonly (readonly EosImageFormatEntry[])[] | Uint8Array;

/** A typed EOS event, as built in code (what {@link encodeEosEvents} takes). */
export type EosEventInit =
  | { readonly kind: 'propValueChanged'; readonly property: number; readonly value: EosPropValue }
  | {
    readonly kind: 'availListChanged'; readonly property: number;
    /** 3 = enumeration (the only form with values); bodies also send 1 and 7 with none. */
    readonly formType: number; readonly values: EosAvailValues;
    /** The count field; defaults to the number of values (decoded events keep what the camera sent). */
    readonly count?: number;
  }
  | ({ readonly kind: 'objectAdded' | 'objectInfoChanged' } & EosObjectFields)
  | ({ readonly kind: 'requestObjectTransfer' } & EosTransferFields)
  | { readonly kind: 'objectRemoved' | 'objectContentChanged'; readonly handle: number }
  | { readonly kind: 'cameraStatusChanged'; readonly status: number }
  | { readonly kind: 'bulbExposureTime'; readonly seconds: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly payload: Uint8Array };

/** A decoded EOS event: the typed fields, its record type and its payload bytes as received. */
export type EosEvent = EosEventInit & {
  /** The EOS event code of the record (0xC189 for propValueChanged, ...). */
  readonly type: number;
  /** Payload bytes as received (a view into the GetEvent data). */
  readonly payload: Uint8Array;
  /** For `unknown` events of a known type: why the payload could not be read. */
  readonly problem?: string;
};

/** The record type of each kind. */
export const EOS_EVENT_TYPES = {
  propValueChanged: Ec.EOS_PropValueChanged,
  availListChanged: Ec.EOS_AvailListChanged,
  objectAdded: Ec.EOS_ObjectAddedEx,
  objectInfoChanged: Ec.EOS_ObjectInfoChangedEx,
  requestObjectTransfer: Ec.EOS_RequestObjectTransfer,
  objectRemoved: Ec.EOS_ObjectRemoved,
  objectContentChanged: Ec.EOS_ObjectContentChanged,
  cameraStatusChanged: Ec.EOS_CameraStatusChanged,
  bulbExposureTime: Ec.EOS_BulbExposureTime,
} as const satisfies Record<Exclude<EosEventInit['kind'], 'unknown'>, number>;

// --- Declarations -----------------------------------------------------------

/** NUL-terminated ASCII running to the end of the record. */
const asciizToEnd: Codec<string> = {
  typeName: 'ASCIIZ',
  minSize: 0,
  read: (r, field) => readAsciiz(r.bytesView(r.remaining, field)),
  write(w, value, field) {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0 || c > 0xff) throw new ProtocolError('filename must be Latin-1 without NUL', { field });
      w.u8(c, field);
    }
    w.u8(0, field);
  },
};

const RecordHeader = struct('EosEventRecord', { size: uint32, type: uint32 });

const PropValueChanged = struct('EOS_PropValueChanged', {
  property: uint32,
  value: dependent('EosPropValue', (s) => eosPropValueCodec(s['property'] as number)),
});

const AvailListHead = struct('EOS_AvailListChanged', { property: uint32, formType: uint32, count: uint32 });

const ObjectRecord = struct('EOS_ObjectAddedEx', {
  handle: uint32, storageId: uint32, format: uint16, reserved0: uint16, reserved1: uint32, reserved2: uint32,
  size: uint32, parent: uint32, reserved3: uint32, filename: asciizToEnd,
});

const TransferRecord = struct('EOS_RequestObjectTransfer', {
  handle: uint32, format: uint16, reserved0: uint16, reserved1: uint32, size: uint32, reserved2: uint32, filename: asciizToEnd,
});

const HandleRecord = struct('EOS_ObjectRemoved', { handle: uint32 });
const StatusRecord = struct('EOS_CameraStatusChanged', { status: uint32 });
const BulbRecord = struct('EOS_BulbExposureTime', { seconds: uint32 });

// --- Decoding -----------------------------------------------------------------

/** Reads one payload (reader bounded to the record) into its typed fields. */
function readTyped(type: number, r: ByteReader): EosEventInit | undefined {
  switch (type) {
    case Ec.EOS_PropValueChanged: {
      const { property, value } = PropValueChanged.read(r, 'EOS_PropValueChanged');
      return { kind: 'propValueChanged', property, value };
    }
    case Ec.EOS_AvailListChanged: {
      const { property, formType, count } = AvailListHead.read(r, 'EOS_AvailListChanged');
      const bytes = r.bytesView(r.remaining, 'EOS_AvailListChanged.values');
      return { kind: 'availListChanged', property, formType, count, values: readAvailValues(property, count, bytes) };
    }
    case Ec.EOS_ObjectAddedEx:
    case Ec.EOS_ObjectInfoChangedEx: {
      const o = ObjectRecord.read(r, 'EOS_ObjectAddedEx');
      return {
        kind: type === Ec.EOS_ObjectAddedEx ? 'objectAdded' : 'objectInfoChanged',
        handle: o.handle, storageId: o.storageId, format: o.format, size: o.size, parent: o.parent, filename: o.filename,
        reserved: [o.reserved0, o.reserved1, o.reserved2, o.reserved3],
      };
    }
    case Ec.EOS_RequestObjectTransfer: {
      const o = TransferRecord.read(r, 'EOS_RequestObjectTransfer');
      return {
        kind: 'requestObjectTransfer', handle: o.handle, format: o.format, size: o.size, filename: o.filename,
        reserved: [o.reserved0, o.reserved1, o.reserved2],
      };
    }
    case Ec.EOS_ObjectRemoved:
    case Ec.EOS_ObjectContentChanged:
      return { kind: type === Ec.EOS_ObjectRemoved ? 'objectRemoved' : 'objectContentChanged', handle: HandleRecord.read(r, 'EOS_ObjectRemoved').handle };
    case Ec.EOS_CameraStatusChanged:
      return { kind: 'cameraStatusChanged', status: StatusRecord.read(r, 'EOS_CameraStatusChanged').status };
    case Ec.EOS_BulbExposureTime:
      return { kind: 'bulbExposureTime', seconds: BulbRecord.read(r, 'EOS_BulbExposureTime').seconds };
    default:
      return undefined;
  }
}

function readAvailValues(property: number, count: number, bytes: Uint8Array): EosAvailValues {
  if (EOS_IMAGE_FORMAT_PROPS.has(property)) return readImageFormatList(bytes, count) ?? bytes;
  if (bytes.length !== count * 4) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signed = EOS_SIGNED_PROPS.has(property);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = signed ? view.getInt32(i * 4, true) : view.getUint32(i * 4, true);
  return out;
}

/**
 * Decodes an EOS_GetEvent data phase into its events (the terminator is not
 * one of them). An empty data phase decodes to no events.
 */
export function decodeEosEvents(bytes: Uint8Array): EosEvent[] {
  const events: EosEvent[] = [];
  if (bytes.length === 0) return events;
  const r = new ByteReader(bytes);
  for (;;) {
    const at = r.offset;
    if (r.remaining === 0) throw new ProtocolError('data ends without the terminator record (type 0, size 8)', { field: 'EosEventRecord', offset: at });
    const { size, type } = RecordHeader.read(r, 'EosEventRecord');
    if (size < EOS_RECORD_HEADER) throw new ProtocolError(`record size ${size} is below 8`, { field: 'EosEventRecord.size', offset: at });
    if (size > bytes.length - at) {
      throw new ProtocolError(`record size ${size} runs past the end of the data (${bytes.length - at} byte(s) left)`, { field: 'EosEventRecord.size', offset: at });
    }
    if (type === 0 && size === EOS_RECORD_HEADER) return events;
    const end = at + size;
    const payload = bytes.subarray(at + EOS_RECORD_HEADER, end);
    let typed: EosEventInit | undefined;
    let problem: string | undefined;
    try {
      const inner = new ByteReader(bytes, at + EOS_RECORD_HEADER, end);
      typed = readTyped(type, inner);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      problem = err.message;
    }
    events.push(typed === undefined
      ? { kind: 'unknown', type, payload, ...(problem !== undefined ? { problem } : {}) }
      : { ...typed, type, payload });
    r.offset = end;
  }
}

// --- Encoding -----------------------------------------------------------------

function writeTyped(w: ByteWriter, e: EosEventInit): void {
  switch (e.kind) {
    case 'propValueChanged':
      PropValueChanged.write(w, { property: e.property, value: e.value }, 'EOS_PropValueChanged');
      return;
    case 'availListChanged': {
      const v = e.values;
      const count = e.count ?? (v instanceof Uint8Array ? Math.floor(v.length / 4) : v.length);
      AvailListHead.write(w, { property: e.property, formType: e.formType, count }, 'EOS_AvailListChanged');
      if (v instanceof Uint8Array) w.bytes(v);
      else if (v.length > 0 && typeof v[0] !== 'number') writeImageFormatList(w, v as readonly (readonly EosImageFormatEntry[])[], 'EOS_AvailListChanged.values');
      else for (const n of v as readonly number[]) n < 0 ? w.i32(n, 'EOS_AvailListChanged.values') : w.u32(n, 'EOS_AvailListChanged.values');
      return;
    }
    case 'objectAdded':
    case 'objectInfoChanged': {
      const [reserved0, reserved1, reserved2, reserved3] = e.reserved ?? [0, 0, 0, 0];
      ObjectRecord.write(w, {
        handle: e.handle, storageId: e.storageId, format: e.format, reserved0, reserved1, reserved2,
        size: e.size, parent: e.parent, reserved3, filename: e.filename,
      }, 'EOS_ObjectAddedEx');
      return;
    }
    case 'requestObjectTransfer': {
      const [reserved0, reserved1, reserved2] = e.reserved ?? [0, 0, 0];
      TransferRecord.write(w, {
        handle: e.handle, format: e.format, reserved0, reserved1, size: e.size, reserved2, filename: e.filename,
      }, 'EOS_RequestObjectTransfer');
      return;
    }
    case 'objectRemoved':
    case 'objectContentChanged':
      HandleRecord.write(w, { handle: e.handle }, 'EOS_ObjectRemoved');
      return;
    case 'cameraStatusChanged':
      StatusRecord.write(w, { status: e.status }, 'EOS_CameraStatusChanged');
      return;
    case 'bulbExposureTime':
      BulbRecord.write(w, { seconds: e.seconds }, 'EOS_BulbExposureTime');
      return;
    case 'unknown':
      w.bytes(e.payload);
      return;
  }
}

/** The record type of an event. */
export function eosEventType(e: EosEventInit | EosEvent): number {
  if ('type' in e) return e.type;
  return EOS_EVENT_TYPES[e.kind];
}

/**
 * Encodes events as an EOS_GetEvent data phase, terminator included. A
 * decoded event (with `payload`) is written back as received; one built in
 * code from its typed fields.
 */
export function encodeEosEvents(events: readonly (EosEventInit | EosEvent)[]): Uint8Array {
  const w = new ByteWriter(64 + events.length * 16);
  for (const e of events) {
    const at = w.length;
    w.u32(0, 'EosEventRecord.size').u32(eosEventType(e), 'EosEventRecord.type');
    if ('payload' in e) w.bytes(e.payload);
    else writeTyped(w, e);
    w.patchU32(at, w.length - at);
  }
  w.u32(EOS_RECORD_HEADER, 'EosEventRecord.size').u32(0, 'EosEventRecord.type');
  return w.finish();
}
