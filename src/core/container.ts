/**
 * The generic PTP container (ISO 15740 Annex D, the USB still-image class
 * framing; PTP/IP reuses its fields in its own packets): a 12-byte header —
 * length, type, code, transaction ID — then parameters or a data payload.
 */
import { ByteReader } from './codec/reader.js';
import { struct, uint16, uint32, type Infer } from './codec/schema.js';
import { ByteWriter } from './codec/writer.js';
import { ProtocolError } from './errors.js';

/** Container types. */
export const ContainerType = {
  Command: 1,
  Data: 2,
  Response: 3,
  Event: 4,
} as const;
export type ContainerTypeName = keyof typeof ContainerType;
export type ContainerTypeCode = (typeof ContainerType)[ContainerTypeName];

/** Size of the container header. */
export const CONTAINER_HEADER_SIZE = 12;
/** Length value that means "more than 4 GiB: read until a short packet" (USB). */
export const CONTAINER_LENGTH_UNKNOWN = 0xffffffff;
/** Most parameters a command or response container carries. */
export const MAX_PARAMS = 5;

/** The 12-byte header, fixed size: binary-parser compiles its decoder. */
export const ContainerHeaderCodec = struct('Container', {
  length: uint32,
  type: uint16,
  code: uint16,
  transactionId: uint32,
});
/** A decoded container header. */
export type ContainerHeader = Infer<typeof ContainerHeaderCodec>;

/** A whole container. Commands, responses and events carry `params`; data carries `payload`. */
export interface Container {
  readonly type: ContainerTypeCode;
  readonly code: number;
  readonly transactionId: number;
  readonly params: readonly number[];
  readonly payload: Uint8Array;
}

/** Decodes the 12-byte header, checking the type and that the length is at least a header. */
export function decodeContainerHeader(bytes: Uint8Array): ContainerHeader {
  const h = ContainerHeaderCodec.decode(bytes);
  if (h.type < ContainerType.Command || h.type > ContainerType.Event) {
    throw new ProtocolError(`unknown container type ${h.type}`, { field: 'Container.type', offset: 4 });
  }
  if (h.length < CONTAINER_HEADER_SIZE) {
    throw new ProtocolError(`container length ${h.length} is shorter than its header`, {
      field: 'Container.length',
      offset: 0,
    });
  }
  return h;
}

/**
 * Decodes one whole container. The length field must match the bytes given
 * (0xFFFFFFFF is accepted for data: the rest of the bytes are the payload).
 */
export function decodeContainer(bytes: Uint8Array): Container {
  const h = decodeContainerHeader(bytes);
  const unknownLength = h.length === CONTAINER_LENGTH_UNKNOWN && h.type === ContainerType.Data;
  if (!unknownLength && h.length !== bytes.length) {
    throw new ProtocolError(`container length ${h.length} but ${bytes.length} byte(s) given`, {
      field: 'Container.length',
      offset: 0,
    });
  }
  const body = bytes.subarray(CONTAINER_HEADER_SIZE);
  const type = h.type as ContainerTypeCode;
  if (type === ContainerType.Data) {
    return { type, code: h.code, transactionId: h.transactionId, params: [], payload: body };
  }
  if (body.length % 4 !== 0 || body.length > MAX_PARAMS * 4) {
    throw new ProtocolError(`${body.length} parameter byte(s) is not 0..5 UINT32 parameters`, {
      field: 'Container.params',
      offset: CONTAINER_HEADER_SIZE,
    });
  }
  const r = new ByteReader(body);
  const params: number[] = [];
  while (r.remaining > 0) params.push(r.u32('Container.params'));
  return { type, code: h.code, transactionId: h.transactionId, params, payload: new Uint8Array(0) };
}

/** What {@link encodeContainer} needs: `params` for command/response/event, `payload` for data. */
export interface ContainerInit {
  readonly type: ContainerTypeCode;
  readonly code: number;
  readonly transactionId: number;
  readonly params?: readonly number[];
  readonly payload?: Uint8Array;
}

/** Encodes one whole container. */
export function encodeContainer(c: ContainerInit): Uint8Array {
  const params = c.params ?? [];
  if (params.length > MAX_PARAMS) {
    throw new ProtocolError(`${params.length} parameters; at most ${MAX_PARAMS}`, { field: 'Container.params' });
  }
  const payload = c.payload ?? new Uint8Array(0);
  const length = CONTAINER_HEADER_SIZE + params.length * 4 + payload.length;
  const w = new ByteWriter(length);
  encodeContainerHeaderInto(w, { length, type: c.type, code: c.code, transactionId: c.transactionId });
  for (const p of params) w.u32(p, 'Container.params');
  w.bytes(payload);
  return w.finish();
}

/**
 * Encodes the header of a data container whose payload is streamed after it.
 * Payloads over 0xFFFFFFFE - 12 bytes get the length 0xFFFFFFFF.
 */
export function encodeDataHeader(code: number, transactionId: number, payloadLength: number | bigint): Uint8Array {
  const total = BigInt(payloadLength) + BigInt(CONTAINER_HEADER_SIZE);
  const length = total >= BigInt(CONTAINER_LENGTH_UNKNOWN) ? CONTAINER_LENGTH_UNKNOWN : Number(total);
  const w = new ByteWriter(CONTAINER_HEADER_SIZE);
  encodeContainerHeaderInto(w, { length, type: ContainerType.Data, code, transactionId });
  return w.finish();
}

function encodeContainerHeaderInto(w: ByteWriter, h: ContainerHeader): void {
  ContainerHeaderCodec.write(w, h, 'Container');
}
