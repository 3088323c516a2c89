/**
 * The datasets of Canon's PowerShot-era remote protocol (libgphoto2
 * `ptp_canon_checkevent`, `ptp_unpack_canon_event`, `ptp_canon_getchanges`):
 *
 * - CheckEvent (0x9013) answers with an empty data phase when the camera's
 *   event stack is empty, else with one event in the USB interrupt container
 *   layout: UINT32 length, UINT16 type (4, event), UINT16 code, UINT32
 *   transaction ID, then up to three UINT32 parameters (as many as the length
 *   holds). The event is removed from the stack.
 * - GetChanges (0x9020) answers with a UINT16 array (UINT32 count, then the
 *   codes) of the device properties changed since it was last called.
 */
import { ContainerType, decodeContainer, decodeContainerHeader, encodeContainer } from '../../core/container.js';
import { ByteReader } from '../../core/codec/reader.js';
import { array, uint16 } from '../../core/codec/schema.js';
import { ByteWriter } from '../../core/codec/writer.js';
import { ProtocolError } from '../../core/errors.js';
import type { PtpEvent } from '../../core/transport.js';

/** Most parameters an event container carries. */
const MAX_EVENT_PARAMS = 3;

/** The data phase of CheckEvent: one event, or `undefined` for an empty stack (no data). */
export function decodeCheckEvent(bytes: Uint8Array): PtpEvent | undefined {
  if (bytes.length === 0) return undefined;
  const header = decodeContainerHeader(bytes);
  // libgphoto2 reads the container its length announces and ignores bytes after it.
  if (header.length > bytes.length) {
    throw new ProtocolError(`CheckEvent container length ${header.length} but ${bytes.length} byte(s) given`, {
      field: 'CheckEvent.length', offset: 0,
    });
  }
  const c = decodeContainer(bytes.subarray(0, header.length));
  if (c.type !== ContainerType.Event) {
    throw new ProtocolError(`CheckEvent data holds a container of type ${c.type}, not an event`, { field: 'CheckEvent.type', offset: 4 });
  }
  if (c.params.length > MAX_EVENT_PARAMS) {
    throw new ProtocolError(`CheckEvent event has ${c.params.length} parameters, at most ${MAX_EVENT_PARAMS}`, {
      field: 'CheckEvent.params', offset: 12,
    });
  }
  return { code: c.code, transactionId: c.transactionId, params: [...c.params] };
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
