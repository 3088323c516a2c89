/**
 * The datasets of Canon's PowerShot-era remote protocol (libgphoto2
 * `ptp_canon_checkevent`, `ptp_unpack_canon_event`, `ptp_canon_getchanges`):
 *
 * - CheckEvent (0x9013) answers with an empty data phase when the camera's
 *   event stack is empty, else with one event in the USB interrupt container
 *   layout: UINT32 length, UINT16 type (4, event), UINT16 code, UINT32
 *   transaction ID, then up to three UINT32 parameters (as many as the length
 *   holds). The event is removed from the stack. Decoded as leniently as
 *   libgphoto2 (`ptp_unpack_canon_event`): a length that holds no whole
 *   parameter gives none, bytes past the third parameter or the announced
 *   length are ignored, and another container type than Event is kept (and
 *   noted) rather than refused.
 * - GetChanges (0x9020) answers with a UINT16 array (UINT32 count, then the
 *   codes) of the device properties changed since it was last called.
 */
import { CONTAINER_HEADER_SIZE, ContainerType, encodeContainer } from '../../core/container.js';
import { ByteReader } from '../../core/codec/reader.js';
import { array, uint16 } from '../../core/codec/schema.js';
import { ByteWriter } from '../../core/codec/writer.js';
import { ProtocolError } from '../../core/errors.js';
import type { PtpEvent } from '../../core/transport.js';

/** Most parameters an event container carries. */
const MAX_EVENT_PARAMS = 3;

/** An event as CheckEvent carries it. */
export interface CheckEventData extends PtpEvent {
  /** Present only when the container's type is not Event (4): libgphoto2 logs it and keeps the event. */
  readonly containerType?: number;
}

/**
 * The data phase of CheckEvent: one event, or `undefined` for an empty stack
 * (no data). A ProtocolError only for bytes that cannot hold an event: fewer
 * than a container header, or fewer than the length announced.
 */
export function decodeCheckEvent(bytes: Uint8Array): CheckEventData | undefined {
  if (bytes.length === 0) return undefined;
  const r = new ByteReader(bytes);
  const length = r.u32('CheckEvent.length');
  // libgphoto2 gives up on such a container too (it reports an empty event).
  if (length > bytes.length) {
    throw new ProtocolError(`CheckEvent container length ${length} but ${bytes.length} byte(s) given`, {
      field: 'CheckEvent.length', offset: 0,
    });
  }
  const type = r.u16('CheckEvent.type');
  const code = r.u16('CheckEvent.code');
  const transactionId = r.u32('CheckEvent.transactionId');
  // As many whole parameters as the announced length holds, at most three (a length of 14 holds none).
  const count = Math.min(MAX_EVENT_PARAMS, Math.max(0, Math.floor((length - CONTAINER_HEADER_SIZE) / 4)));
  const params: number[] = [];
  for (let i = 0; i < count; i++) params.push(r.u32('CheckEvent.params'));
  return type === ContainerType.Event ? { code, transactionId, params } : { code, transactionId, params, containerType: type };
}

/** Encodes one event as CheckEvent's data phase (an empty stack is an empty data phase). */
export function encodeCheckEvent(event: PtpEvent | undefined): Uint8Array {
  if (event === undefined) return new Uint8Array(0);
  if (event.params.length > MAX_EVENT_PARAMS) {
    throw new ProtocolError(`an event carries at most ${MAX_EVENT_PARAMS} parameters`, { field: 'CheckEvent.params' });
  }
  return encodeContainer({ type: ContainerType.Event, code: event.code, transactionId: event.transactionId, params: event.params });
}

/** GetChanges' UINT16 array of property codes. */
const ChangedPropertiesCodec = array(uint16);

/** Decodes the data phase of GetChanges: the codes of the properties changed since the last call. */
export function decodeChangedProperties(bytes: Uint8Array): number[] {
  return ChangedPropertiesCodec.read(new ByteReader(bytes), 'GetChanges');
}

/** Encodes GetChanges' data phase. */
export function encodeChangedProperties(codes: readonly number[]): Uint8Array {
  const w = new ByteWriter(4 + codes.length * 2);
  ChangedPropertiesCodec.write(w, [...codes], 'GetChanges');
  return w.finish();
}
