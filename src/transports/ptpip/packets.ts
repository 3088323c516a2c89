/**
 * PTP/IP packets (CIPA DC-005): every packet is `length u32, type u32, payload`.
 * Each payload is one declaration of the core's schema layer, which gives its
 * decoder, encoder and type. Data and End Data carry object bytes, which are
 * never decoded here: the parser streams them (see `PtpIpPacketParser`).
 */
import { ByteReader } from '../../core/codec/reader.js';
import { struct, uint16, uint32, uint64, type Codec, type Infer, type StructCodec } from '../../core/codec/schema.js';
import { ByteWriter } from '../../core/codec/writer.js';
import { ProtocolError } from '../../core/errors.js';

/** Packet types. */
export const PacketType = {
  InitCommandRequest: 1,
  InitCommandAck: 2,
  InitEventRequest: 3,
  InitEventAck: 4,
  InitFail: 5,
  OperationRequest: 6,
  OperationResponse: 7,
  Event: 8,
  StartData: 9,
  Data: 10,
  Cancel: 11,
  EndData: 12,
  ProbeRequest: 13,
  ProbeResponse: 14,
} as const;
export type PacketTypeName = keyof typeof PacketType;
export type PacketTypeCode = (typeof PacketType)[PacketTypeName];

/** Name of a packet type for messages, e.g. `StartData`. */
export function packetTypeName(type: number): string {
  return Object.entries(PacketType).find(([, v]) => v === type)?.[0] ?? `type ${type}`;
}

/** Init Fail reasons. */
export const InitFailReason = {
  Undefined: 0,
  /** The responder does not accept this initiator (e.g. it was paired with another GUID). */
  RejectedInitiator: 1,
  /** The responder already serves an initiator. */
  Busy: 2,
  Unspecified: 3,
} as const;

/** Data phase announced in an Operation Request. */
export const DataPhase = {
  /** No data phase, or data from the responder (PTP/IP does not distinguish). */
  NoDataOrIn: 1,
  /** Data from the initiator. */
  Out: 2,
} as const;

/** Protocol version we speak: major 1, minor 0 (as libgphoto2 and cameras send it). */
export const PTPIP_VERSION = 0x00010000;

/** Packet header size (length + type). */
export const PACKET_HEADER_SIZE = 8;
/** Header of Data / End Data packets: length, type, transaction ID; the payload follows. */
export const DATA_HEADER_SIZE = 12;

/** 16 raw bytes (the GUIDs). */
const guid: Codec<Uint8Array> = {
  typeName: 'GUID',
  fixedSize: 16,
  read: (r, f) => r.bytesView(16, f).slice(),
  write(w, v, f) {
    if (!(v instanceof Uint8Array) || v.length !== 16) throw new ProtocolError('a GUID is 16 bytes', { field: f });
    w.bytes(v);
  },
};

const utf16 = new TextDecoder('utf-16le');

/** UTF-16LE text ending with a NUL unit (friendly names). The NUL must be there: libgphoto2 relies on it. */
const nulTerminated: Codec<string> = {
  typeName: 'UTF16Z',
  minSize: 2,
  read(r, f) {
    const start = r.offset;
    for (;;) {
      const unit = r.u16(f);
      if (unit === 0) return utf16.decode(r.bytes.subarray(start, r.offset - 2));
    }
  },
  write(w, v, f) {
    // An embedded NUL would end the name early on decode and shift every later field.
    if (typeof v !== 'string' || v.includes('\0')) throw new ProtocolError('a friendly name is a string without NUL characters', { field: f });
    for (let i = 0; i < v.length; i++) w.u16(v.charCodeAt(i), f);
    w.u16(0, f);
  },
};

/** The parameters that end a packet: as many UINT32 as the packet holds, up to `max`. */
function trailingParams(max: number): Codec<number[]> {
  return {
    typeName: 'Params',
    minSize: 0,
    read(r, f) {
      if (r.remaining % 4 !== 0 || r.remaining > max * 4) {
        throw new ProtocolError(`${r.remaining} parameter byte(s) is not 0..${max} UINT32`, { field: f, offset: r.offset });
      }
      const out: number[] = [];
      while (r.remaining > 0) out.push(r.u32(f));
      return out;
    },
    write(w, v, f) {
      if (v.length > max) throw new ProtocolError(`${v.length} parameters; at most ${max}`, { field: f });
      for (const p of v) w.u32(p, f);
    },
  };
}

/** Payload declarations, by packet type. Data and End Data list only their fixed part. */
export const PacketCodecs = {
  [PacketType.InitCommandRequest]: struct('InitCommandRequest', {
    guid,
    friendlyName: nulTerminated,
    protocolVersion: uint32,
  }),
  [PacketType.InitCommandAck]: struct('InitCommandAck', {
    connectionNumber: uint32,
    guid,
    friendlyName: nulTerminated,
    protocolVersion: uint32,
  }),
  [PacketType.InitEventRequest]: struct('InitEventRequest', { connectionNumber: uint32 }),
  [PacketType.InitEventAck]: struct('InitEventAck', {}),
  [PacketType.InitFail]: struct('InitFail', { reason: uint32 }),
  [PacketType.OperationRequest]: struct('OperationRequest', {
    dataPhase: uint32,
    code: uint16,
    transactionId: uint32,
    params: trailingParams(5),
  }),
  [PacketType.OperationResponse]: struct('OperationResponse', {
    code: uint16,
    transactionId: uint32,
    params: trailingParams(5),
  }),
  [PacketType.Event]: struct('Event', {
    code: uint16,
    transactionId: uint32,
    params: trailingParams(3),
  }),
  [PacketType.StartData]: struct('StartData', {
    transactionId: uint32,
    /** Total payload of the data phase; 0xFFFFFFFFFFFFFFFF when unknown. */
    totalLength: uint64,
  }),
  [PacketType.Data]: struct('Data', { transactionId: uint32 }),
  [PacketType.Cancel]: struct('Cancel', { transactionId: uint32 }),
  [PacketType.EndData]: struct('EndData', { transactionId: uint32 }),
  [PacketType.ProbeRequest]: struct('ProbeRequest', {}),
  [PacketType.ProbeResponse]: struct('ProbeResponse', {}),
} as const;

type Codecs = typeof PacketCodecs;
/** The decoded payload of a packet of type `T`. */
export type PacketFields<T extends PacketTypeCode> = Infer<Codecs[T]>;
/** A decoded control packet (anything but the streamed payload of Data / End Data). */
export type Packet = { [T in PacketTypeCode]: { readonly type: T } & PacketFields<T> }[PacketTypeCode];

/** Encodes a whole packet (for Data / End Data, `payload` follows the transaction ID). */
export function encodePacket<T extends PacketTypeCode>(type: T, fields: PacketFields<T>, payload?: Uint8Array): Uint8Array {
  const codec = PacketCodecs[type] as StructCodec<PacketFields<T>>;
  const w = new ByteWriter(64 + (payload?.length ?? 0));
  w.u32(0).u32(type);
  codec.write(w, fields, codec.typeName);
  if (payload !== undefined) w.bytes(payload);
  const out = w.finish();
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(0, out.length, true);
  return out;
}

/** Header of a Data / End Data packet whose `payloadLength` bytes are written separately. */
export function encodeDataHeader(type: typeof PacketType.Data | typeof PacketType.EndData, transactionId: number, payloadLength: number): Uint8Array {
  // DataView.setUint32 would silently wrap these: a 4 GiB payload would announce a 12-byte packet.
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > 0xffffffff - DATA_HEADER_SIZE) {
    throw new ProtocolError(`a Data packet carries 0..${0xffffffff - DATA_HEADER_SIZE} bytes, not ${payloadLength}`, { field: 'PtpIpPacket.length' });
  }
  if (!Number.isInteger(transactionId) || transactionId < 0 || transactionId > 0xffffffff) {
    throw new ProtocolError(`transaction ID ${transactionId} is not a UINT32`, { field: 'Data.transactionId' });
  }
  const out = new Uint8Array(DATA_HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(0, DATA_HEADER_SIZE + payloadLength, true);
  v.setUint32(4, type, true);
  v.setUint32(8, transactionId, true);
  return out;
}

/** Decodes the payload of a control packet of `type`; the whole payload must be consumed. */
export function decodePacket(type: number, payload: Uint8Array, offset = 0): Packet {
  const codec = (PacketCodecs as Readonly<Record<number, StructCodec<object>>>)[type];
  if (codec === undefined) {
    throw new ProtocolError(`unknown PTP/IP packet type ${type}`, { field: 'PtpIpPacket.type', offset: offset + 4 });
  }
  const r = new ByteReader(payload);
  let fields: object;
  try {
    fields = codec.read(r, codec.typeName);
  } catch (err) {
    // Field offsets are within the payload; report them within the stream.
    if (err instanceof ProtocolError && err.offset !== undefined) {
      throw new ProtocolError(err.message.replace(/ \([^)]*\)$/, ''), {
        ...(err.field !== undefined ? { field: err.field } : {}),
        offset: offset + PACKET_HEADER_SIZE + err.offset,
      }, { cause: err });
    }
    throw err;
  }
  if (r.remaining !== 0 && type !== PacketType.InitCommandRequest && type !== PacketType.InitCommandAck) {
    throw new ProtocolError(`${r.remaining} unexpected byte(s) after ${codec.typeName}`, { field: codec.typeName, offset: offset + PACKET_HEADER_SIZE + r.offset });
  }
  return { type, ...fields } as Packet;
}
