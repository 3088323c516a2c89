import { struct, uint16, uint32, type Infer } from '../codec/schema.js';

/**
 * Event dataset (ISO 15740 §5.5.? "Event Dataset", used by CheckEvent-style
 * polling): fixed 22 bytes, compiled by binary-parser.
 */
export const EventDatasetCodec = struct('Event', {
  eventCode: uint16,
  sessionId: uint32,
  transactionId: uint32,
  param1: uint32,
  param2: uint32,
  param3: uint32,
});

/** Decoded Event dataset. */
export type EventDataset = Infer<typeof EventDatasetCodec>;

/** Decodes an Event dataset. */
export const decodeEvent = (bytes: Uint8Array): EventDataset => EventDatasetCodec.decode(bytes);
/** Encodes an Event dataset. */
export const encodeEvent = (event: EventDataset): Uint8Array => EventDatasetCodec.encode(event);
