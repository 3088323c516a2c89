/**
 * A streaming PTP/IP parser: feed it the TCP byte stream split any way at all
 * (one byte at a time, many packets per chunk, a split inside a header) and it
 * calls back once per control packet and once per piece of data payload.
 *
 * Control packets are small and parsed whole (bounded by `maxControlPacket`).
 * Data / End Data payloads can be gigabytes: they are handed on as views of the
 * chunks that arrived — never copied, never gathered.
 */
import { ProtocolError } from '../../core/errors.js';
import { DATA_HEADER_SIZE, decodePacket, PACKET_HEADER_SIZE, PacketType, type Packet } from './packets.js';

/** What the parser reports. */
export interface PacketParserHandlers {
  /** A whole control packet. */
  packet(packet: Packet): void;
  /**
   * Part of the payload of a Data (`type` 10) or End Data (12) packet. `last` is
   * true on the final piece of that packet (which may be empty). The chunk is a
   * view of the input; it stays valid (the parser never reuses input memory).
   */
  data(type: typeof PacketType.Data | typeof PacketType.EndData, transactionId: number, chunk: Uint8Array, last: boolean): void;
}

/** Options of {@link PtpIpPacketParser}. */
export interface PacketParserOptions {
  /** Largest control packet accepted, in bytes. Default 1 MiB. */
  readonly maxControlPacket?: number;
}

const EMPTY = new Uint8Array(0);

/** Streaming PTP/IP parser. Throws {@link ProtocolError} from `push` on malformed input; it is then unusable. */
export class PtpIpPacketParser {
  readonly #handlers: PacketParserHandlers;
  readonly #maxControl: number;
  /** Header bytes gathered so far (at most 12). */
  readonly #header = new Uint8Array(DATA_HEADER_SIZE);
  readonly #headerView = new DataView(this.#header.buffer);
  #headerFill = 0;
  #length = 0;
  #type = 0;
  /** Control packet body being gathered when it spans chunks. */
  #body: Uint8Array | undefined;
  #bodyFill = 0;
  /** Data payload bytes still to come in the current packet. */
  #payloadLeft = 0;
  #dataType: typeof PacketType.Data | typeof PacketType.EndData = PacketType.Data;
  #transactionId = 0;
  #state: 'header' | 'body' | 'payload' = 'header';
  /** Bytes consumed in total, for error offsets. */
  #consumed = 0;
  #failed = false;

  constructor(handlers: PacketParserHandlers, options: PacketParserOptions = {}) {
    this.#handlers = handlers;
    this.#maxControl = options.maxControlPacket ?? 1024 * 1024;
  }

  /** True when the stream sits exactly between packets. */
  get atPacketBoundary(): boolean {
    return this.#state === 'header' && this.#headerFill === 0;
  }

  /** Feeds bytes. */
  push(chunk: Uint8Array): void {
    if (this.#failed) throw new ProtocolError('parser already failed', { field: 'PtpIpPacket' });
    try {
      this.#push(chunk);
    } catch (err) {
      this.#failed = true;
      throw err;
    }
  }

  #push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#state === 'header') {
        const want = (this.#headerFill < PACKET_HEADER_SIZE ? PACKET_HEADER_SIZE : DATA_HEADER_SIZE) - this.#headerFill;
        const n = Math.min(want, chunk.length - pos);
        this.#header.set(chunk.subarray(pos, pos + n), this.#headerFill);
        this.#headerFill += n;
        pos += n;
        this.#consumed += n;
        if (this.#headerFill === PACKET_HEADER_SIZE) this.#startPacket();
        else if (this.#headerFill === DATA_HEADER_SIZE) this.#startPayload();
      } else if (this.#state === 'body') {
        const body = this.#body!;
        const need = body.length - this.#bodyFill;
        if (this.#bodyFill === 0 && chunk.length - pos >= need) {
          // The whole body is in this chunk: decode in place, no copy.
          this.#consumed += need;
          this.#finishControl(chunk.subarray(pos, pos + need));
          pos += need;
          continue;
        }
        const n = Math.min(need, chunk.length - pos);
        body.set(chunk.subarray(pos, pos + n), this.#bodyFill);
        this.#bodyFill += n;
        pos += n;
        this.#consumed += n;
        if (this.#bodyFill === body.length) this.#finishControl(body);
      } else {
        const n = Math.min(this.#payloadLeft, chunk.length - pos);
        this.#payloadLeft -= n;
        this.#consumed += n;
        const last = this.#payloadLeft === 0;
        if (last) this.#reset();
        this.#handlers.data(this.#dataType, this.#transactionId, chunk.subarray(pos, pos + n), last);
        pos += n;
      }
    }
  }

  #startPacket(): void {
    this.#length = this.#headerView.getUint32(0, true);
    this.#type = this.#headerView.getUint32(4, true);
    const at = this.#consumed - PACKET_HEADER_SIZE;
    if (this.#type === PacketType.Data || this.#type === PacketType.EndData) {
      if (this.#length < DATA_HEADER_SIZE) {
        throw new ProtocolError(`data packet length ${this.#length} is shorter than its header`, { field: 'PtpIpPacket.length', offset: at });
      }
      return; // wait for the transaction ID
    }
    if (this.#length < PACKET_HEADER_SIZE) {
      throw new ProtocolError(`packet length ${this.#length} is shorter than its header`, { field: 'PtpIpPacket.length', offset: at });
    }
    if (this.#length > this.#maxControl) {
      throw new ProtocolError(`control packet of ${this.#length} bytes exceeds ${this.#maxControl}`, { field: 'PtpIpPacket.length', offset: at });
    }
    if (this.#type < PacketType.InitCommandRequest || this.#type > PacketType.ProbeResponse) {
      throw new ProtocolError(`unknown packet type ${this.#type}`, { field: 'PtpIpPacket.type', offset: at + 4 });
    }
    const bodyLength = this.#length - PACKET_HEADER_SIZE;
    if (bodyLength === 0) {
      this.#finishControl(EMPTY);
      return;
    }
    this.#body = new Uint8Array(bodyLength);
    this.#bodyFill = 0;
    this.#state = 'body';
  }

  #startPayload(): void {
    this.#dataType = this.#type as typeof PacketType.Data | typeof PacketType.EndData;
    this.#transactionId = this.#headerView.getUint32(8, true);
    this.#payloadLeft = this.#length - DATA_HEADER_SIZE;
    if (this.#payloadLeft === 0) {
      this.#reset();
      this.#handlers.data(this.#dataType, this.#transactionId, EMPTY, true);
      return;
    }
    this.#state = 'payload';
  }

  #finishControl(body: Uint8Array): void {
    const type = this.#type;
    const at = this.#consumed - this.#length;
    this.#reset();
    this.#handlers.packet(decodePacket(type, body, at));
  }

  #reset(): void {
    this.#state = 'header';
    this.#headerFill = 0;
    this.#body = undefined;
    this.#bodyFill = 0;
  }
}
