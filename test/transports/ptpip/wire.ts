/**
 * A fake PTP/IP peer for tests: one TCP connection, raw bytes in, parsed
 * packets out. Shared by the transport tests (as a responder) and the server
 * tests (as an initiator), with the teardown both need.
 */
import type { Socket } from 'node:net';
import {
  encodeDataHeader,
  encodePacket,
  PacketType,
  type Packet,
  type PacketFields,
  type PacketTypeCode,
} from '../../../src/transports/ptpip/packets.js';
import { PtpIpPacketParser } from '../../../src/transports/ptpip/parser.js';

export type PacketOf<T extends PacketTypeCode> = Extract<Packet, { readonly type: T }>;

/** What the fake peer read from its socket, in order. */
export type Got =
  | { readonly kind: 'packet'; readonly packet: Packet }
  | {
      readonly kind: 'data';
      readonly type: typeof PacketType.Data | typeof PacketType.EndData;
      readonly transactionId: number;
      readonly chunk: Uint8Array;
      readonly last: boolean;
    };

/** One TCP connection seen from the fake peer's side: raw bytes in, parsed packets out. */
export class Wire {
  readonly socket: Socket;
  /** Every byte received, for byte-level checks of the first packets. */
  readonly raw: Buffer[] = [];
  /** Every control packet received (never consumed). */
  readonly packets: Packet[] = [];
  readonly #queue: Got[] = [];
  #wake: Array<() => void> = [];
  #closed = false;
  readonly closed: Promise<void>;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    const parser = new PtpIpPacketParser({
      packet: (packet) => {
        this.packets.push(packet);
        this.#push({ kind: 'packet', packet });
      },
      data: (type, transactionId, chunk, last) => this.#push({ kind: 'data', type, transactionId, chunk, last }),
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.raw.length < 64) this.raw.push(chunk);
      parser.push(chunk);
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#closed = true;
        for (const w of this.#wake.splice(0)) w();
        resolve();
      }),
    );
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #push(got: Got): void {
    this.#queue.push(got);
    for (const w of this.#wake.splice(0)) w();
  }

  /** The next thing received; rejects once the connection is closed and nothing is left. */
  async next(): Promise<Got> {
    for (;;) {
      const got = this.#queue.shift();
      if (got !== undefined) return got;
      if (this.#closed) throw new Error('connection closed');
      await new Promise<void>((r) => this.#wake.push(r));
    }
  }

  /** The next thing received, which must be a control packet of `type`. */
  async expect<T extends PacketTypeCode>(type: T): Promise<PacketOf<T>> {
    const got = await this.next();
    if (got.kind !== 'packet' || got.packet.type !== type) {
      throw new Error(`expected packet type ${type}, got ${got.kind === 'packet' ? `packet type ${got.packet.type}` : 'data'}`);
    }
    return got.packet as PacketOf<T>;
  }

  /** Resolves when a packet matching `match` has been received (consumes nothing). */
  async seen(match: (p: Packet) => boolean): Promise<Packet> {
    for (;;) {
      const p = this.packets.find(match);
      if (p !== undefined) return p;
      if (this.#closed) throw new Error('connection closed');
      await new Promise<void>((r) => this.#wake.push(r));
    }
  }

  send<T extends PacketTypeCode>(type: T, fields: PacketFields<T>): void {
    this.socket.write(encodePacket(type, fields));
  }

  bytes<T extends PacketTypeCode>(type: T, fields: PacketFields<T>): Uint8Array {
    return encodePacket(type, fields);
  }

  sendData(type: typeof PacketType.Data | typeof PacketType.EndData, transactionId: number, payload: Uint8Array): void {
    this.socket.write(encodeDataHeader(type, transactionId, payload.length));
    if (payload.length > 0) this.socket.write(payload);
  }

  /** Sends a whole data phase: Start Data, one Data per piece but the last, End Data with the last. */
  sendDataPhase(transactionId: number, payload: Uint8Array, total: bigint = BigInt(payload.length)): void {
    this.send(PacketType.StartData, { transactionId, totalLength: total });
    this.sendData(PacketType.EndData, transactionId, payload);
  }

  /** Writes bytes and waits until the kernel took them. */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Returns a list that an `afterEach` empties, last first and ignoring failures, so every peer, server and folder a test made goes even when it fails. */
export function cleanupAfterEach(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async function () {
    this.timeout(10_000);
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  return cleanups;
}
