/**
 * One PTP/IP TCP connection (command/data or event), used by both ends: writes
 * packets with backpressure, parses what arrives, and pauses the socket while
 * the consumer of a data phase catches up, so memory stays flat.
 */
import type { Socket } from 'node:net';
import { ProtocolError, TransportError } from '../../core/errors.js';
import { encodeDataHeader, encodePacket, PacketType, type Packet, type PacketFields, type PacketTypeCode } from './packets.js';
import { PtpIpPacketParser, type PacketParserHandlers } from './parser.js';

/** What a channel reports. */
export interface ChannelHandlers extends PacketParserHandlers {
  /** The connection ended; `error` when it was not a clean close by us. */
  closed(error: Error | undefined): void;
}

/** A PTP/IP connection. */
export class PacketChannel {
  readonly socket: Socket;
  readonly name: string;
  readonly #parser: PtpIpPacketParser;
  #closed = false;
  #closedByUs = false;
  #pauses = 0;
  #held: Uint8Array[] | undefined;
  #drainWaiters: Array<() => void> = [];

  constructor(socket: Socket, name: string, handlers: ChannelHandlers) {
    this.socket = socket;
    this.name = name;
    socket.setNoDelay(true); // every command and response is a small packet: never wait for Nagle
    this.#parser = new PtpIpPacketParser(handlers);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#parser.push(chunk);
      } catch (err) {
        this.#fail(err instanceof Error ? err : new ProtocolError(String(err)));
      }
    });
    socket.on('drain', () => {
      for (const w of this.#drainWaiters.splice(0)) w();
    });
    const onEnd = (err?: Error): void => {
      if (this.#closed) return;
      this.#closed = true;
      for (const w of this.#drainWaiters.splice(0)) w();
      if (this.#closedByUs) handlers.closed(undefined);
      // Bad bytes from the peer stay a ProtocolError; anything else is the link failing.
      else if (err instanceof ProtocolError) handlers.closed(err);
      else {
        const why = err !== undefined ? `failed: ${err.message}` : 'closed by the peer';
        handlers.closed(new TransportError(`${name} connection ${why}`, err !== undefined ? { cause: err } : {}));
      }
    };
    socket.on('error', (err) => onEnd(err));
    socket.on('close', () => onEnd());
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Sends a control packet. Resolves once the socket can take more. */
  send<T extends PacketTypeCode>(type: T, fields: PacketFields<T>): Promise<void> {
    return this.#write(encodePacket(type, fields));
  }

  /** Sends one Data or End Data packet carrying `payload`. */
  sendData(type: typeof PacketType.Data | typeof PacketType.EndData, transactionId: number, payload: Uint8Array): Promise<void> {
    const header = encodeDataHeader(type, transactionId, payload.length);
    if (payload.length === 0) return this.#write(header);
    if (this.#held !== undefined) {
      void this.#write(header);
      return this.#write(payload);
    }
    if (this.#closed) return Promise.reject(this.#closedError());
    // Header and payload in one writev, not a 12-byte segment of their own.
    this.socket.cork();
    this.socket.write(header);
    const ok = this.socket.write(payload);
    this.socket.uncork();
    return ok ? Promise.resolve() : this.#drained();
  }

  #write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#held !== undefined) {
      this.#held.push(bytes);
      return Promise.resolve();
    }
    return this.socket.write(bytes) ? Promise.resolve() : this.#drained();
  }

  /**
   * Holds writes until {@link flush}, so a few small packets (a request and
   * its small data phase, or Start Data + End Data + Response) leave as one
   * buffer in one write: one segment and one syscall instead of three. Only for
   * small payloads: held bytes are copied together and never wait for drain.
   */
  hold(): void {
    if (this.#held === undefined && !this.#closed) this.#held = [];
  }

  /** Sends what {@link hold} kept back. */
  flush(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    if (held.length === 0 || this.#closed) return;
    let length = 0;
    for (const b of held) length += b.length;
    const one = new Uint8Array(length);
    let at = 0;
    for (const b of held) {
      one.set(b, at);
      at += b.length;
    }
    this.socket.write(one);
  }

  #drained(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#drainWaiters.push(() => (this.#closed ? reject(this.#closedError()) : resolve())),
    );
  }

  #closedError(): TransportError {
    return new TransportError(`${this.name} connection is closed`);
  }

  /** Stops reading until as many `resume()` calls (backpressure from a slow data sink). */
  pause(): void {
    if (this.#pauses++ === 0) this.socket.pause();
  }

  resume(): void {
    if (this.#pauses > 0 && --this.#pauses === 0) this.socket.resume();
  }

  /** Closes the connection (no error is reported for it). */
  close(): void {
    this.#closedByUs = true;
    this.socket.destroy();
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.socket.destroy(err);
  }
}

/** Packets of one type, for narrowing in handlers. */
export type PacketOf<T extends PacketTypeCode> = Extract<Packet, { readonly type: T }>;
