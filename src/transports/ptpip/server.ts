/**
 * `PtpIpServer`: the responder end of PTP/IP. Listens (loopback by default),
 * runs the Init Command / Init Event handshake, and hands each accepted
 * initiator to a responder as a {@link ResponderLink} — the virtual camera
 * never sees packets. One initiator at a time (a second gets Init Fail
 * "busy"), an optional GUID allow-list (else Init Fail "rejected initiator"),
 * probes answered, Cancel honoured.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ResponseCode } from '../../core/codes/responses.js';
import { AbortError, ProtocolError, TransportError } from '../../core/errors.js';
import type {
  DisconnectListener,
  IncomingTransaction,
  OperationRequest,
  PtpEvent,
  ResponderLink,
  TransactionHandler,
  TransactionResult,
} from '../../core/transport.js';
import { PacketChannel } from './channel.js';
import { IncomingChunks, isSmallDataPhase, sendDataPhase } from './data-phase.js';
import { formatGuid, parseGuid } from './guid.js';
import { DataPhase, InitFailReason, PacketType, packetTypeName, PTPIP_VERSION, type Packet } from './packets.js';

/** Options of {@link PtpIpServer.listen}. */
export interface PtpIpServerOptions {
  /** Address to bind. Default `127.0.0.1` (loopback: nothing is exposed unless asked). */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 15740. */
  readonly port?: number;
  /** Responder GUID. Default: random per server. */
  readonly guid?: Uint8Array | string;
  /** Name sent in Init Command Ack. */
  readonly friendlyName?: string;
  /** Accept only these initiator GUIDs; others get Init Fail "rejected initiator". */
  readonly allowGuids?: readonly (Uint8Array | string)[];
  /** Time allowed between the command and event handshakes. Default 10000 ms. */
  readonly handshakeTimeoutMs?: number;
  /** Gives each accepted initiator to a responder (e.g. `VirtualCamera.attach`). */
  readonly attach: (link: ResponderLink) => void;
  /** One line per connection event. */
  readonly log?: (line: string) => void;
}

/** A listening PTP/IP responder. */
export class PtpIpServer {
  readonly #server: Server;
  readonly #options: PtpIpServerOptions;
  readonly #guid: Uint8Array;
  readonly #allow: ReadonlySet<string> | undefined;
  readonly #sessions = new Set<ServerSession>();
  readonly #sockets = new Set<Socket>();
  #nextConnection = 1;

  private constructor(server: Server, options: PtpIpServerOptions) {
    this.#server = server;
    this.#options = options;
    this.#guid = options.guid !== undefined ? parseGuid(options.guid) : crypto.getRandomValues(new Uint8Array(16));
    this.#allow = options.allowGuids !== undefined ? new Set(options.allowGuids.map((g) => formatGuid(parseGuid(g)))) : undefined;
    server.on('connection', (socket) => this.#accept(socket));
  }

  /** Starts listening. */
  static listen(options: PtpIpServerOptions): Promise<PtpIpServer> {
    const server = createServer();
    const s = new PtpIpServer(server, options);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 15740, options.host ?? '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve(s);
      });
    });
  }

  /** The bound address. */
  get address(): { readonly host: string; readonly port: number } {
    const a = this.#server.address();
    if (a === null || typeof a === 'string') throw new Error('server is not listening');
    return { host: a.address, port: a.port };
  }

  /** `ptpip://host:port` of this server. */
  get url(): string {
    const { host, port } = this.address;
    return `ptpip://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const s of [...this.#sessions]) s.end(new TransportError('server closed'));
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let role: 'new' | 'command' | 'event' = 'new';
    let session: ServerSession | undefined;
    const timer = setTimeout(() => {
      if (role === 'new') socket.destroy();
    }, this.#options.handshakeTimeoutMs ?? 10_000);
    const channel: PacketChannel = new PacketChannel(socket, `PTP/IP from ${peer}`, {
      packet: (p) => {
        if (role === 'new') {
          clearTimeout(timer);
          if (p.type === PacketType.InitCommandRequest) {
            role = 'command';
            session = this.#initCommand(channel, p, peer);
          } else if (p.type === PacketType.InitEventRequest) {
            role = 'event';
            session = this.#initEvent(channel, p.connectionNumber, peer);
          } else {
            this.#log(`${peer}: ${packetTypeName(p.type)} before the handshake; closing`);
            channel.close();
          }
          return;
        }
        session?.packet(channel, p);
      },
      data: (type, transactionId, chunk, last) => session?.data(type, transactionId, chunk, last),
      closed: (err) => {
        clearTimeout(timer);
        session?.end(err ?? new TransportError(`initiator ${peer} disconnected`));
      },
    });
  }

  #initCommand(channel: PacketChannel, p: Extract<Packet, { type: 1 }>, peer: string): ServerSession | undefined {
    const guid = formatGuid(p.guid);
    const refuse = (reason: number, why: string): undefined => {
      this.#log(`${peer}: "${p.friendlyName}" (${guid}) refused: ${why}`);
      void channel.send(PacketType.InitFail, { reason }).finally(() => channel.socket.end());
      return undefined;
    };
    if (this.#allow !== undefined && !this.#allow.has(guid)) return refuse(InitFailReason.RejectedInitiator, 'GUID not allowed');
    if (this.#sessions.size > 0) return refuse(InitFailReason.Busy, 'another initiator is connected');
    const session = new ServerSession(this.#nextConnection++, channel, p.friendlyName, this.#options.handshakeTimeoutMs ?? 10_000, () => {
      this.#sessions.delete(session);
      this.#log(`${peer}: "${p.friendlyName}" disconnected`);
    });
    this.#sessions.add(session);
    this.#log(`${peer}: "${p.friendlyName}" (${guid}) connected as #${session.connectionNumber}`);
    void channel.send(PacketType.InitCommandAck, {
      connectionNumber: session.connectionNumber,
      guid: this.#guid,
      friendlyName: this.#options.friendlyName ?? 'ptpts virtual camera',
      protocolVersion: PTPIP_VERSION,
    }).catch(() => undefined);
    return session;
  }

  #initEvent(channel: PacketChannel, connectionNumber: number, peer: string): ServerSession | undefined {
    const session = [...this.#sessions].find((s) => s.connectionNumber === connectionNumber && !s.hasEventChannel);
    if (session === undefined) {
      this.#log(`${peer}: Init Event for unknown connection ${connectionNumber}`);
      void channel.send(PacketType.InitFail, { reason: InitFailReason.Unspecified }).finally(() => channel.socket.end());
      return undefined;
    }
    session.attachEvents(channel);
    void channel.send(PacketType.InitEventAck, {}).then(() => this.#options.attach(session.link), () => undefined);
    return session;
  }
}

interface Running {
  readonly request: OperationRequest;
  readonly controller: AbortController;
  incoming: IncomingChunks | undefined;
}

/** One initiator's pair of connections and its link to the responder. */
class ServerSession {
  readonly connectionNumber: number;
  readonly link: ResponderLink;
  readonly #cmd: PacketChannel;
  #evt: PacketChannel | undefined;
  readonly #onEnd: () => void;
  #handler: TransactionHandler | undefined;
  #handlerWaiters: Array<() => void> = [];
  readonly #disconnectListeners = new Set<DisconnectListener>();
  /** Operations received, run one at a time in order. */
  #queue: Promise<void> = Promise.resolve();
  #running: Running | undefined;
  #controller = new AbortController();
  /** A request with a data-out phase waits for its Start Data before it runs. */
  #awaitingStart: { request: OperationRequest; start: (incoming: IncomingChunks | 'cancelled') => void } | undefined;
  /** The data-out phase being received, from its Start Data on. */
  #receiving: { readonly transactionId: number; readonly incoming: IncomingChunks } | undefined;
  /** The request received last. */
  #lastRequest: OperationRequest | undefined;
  /**
   * The request the initiator cancelled, until its next request: what is left of
   * its data phase (sent before the initiator stopped) is skipped. Tracked by
   * request, not ID: requests outside a session all carry transaction ID 0.
   */
  #cancelled: OperationRequest | undefined;
  #ended = false;
  readonly #handshakeTimer: ReturnType<typeof setTimeout>;

  constructor(connectionNumber: number, cmd: PacketChannel, readonly name: string, handshakeTimeoutMs: number, onEnd: () => void) {
    this.connectionNumber = connectionNumber;
    this.#cmd = cmd;
    this.#onEnd = onEnd;
    this.#handshakeTimer = setTimeout(() => {
      if (this.#evt === undefined) this.end(new TransportError('no event channel within the handshake time'));
    }, handshakeTimeoutMs);
    this.link = {
      serve: (handler) => {
        this.#handler = handler;
        for (const w of this.#handlerWaiters.splice(0)) w();
      },
      sendEvent: (event: PtpEvent) => {
        if (this.#evt === undefined || this.#ended) return;
        void this.#evt.send(PacketType.Event, {
          code: event.code,
          transactionId: event.transactionId,
          params: [...event.params].slice(0, 3),
        }).catch(() => undefined);
      },
      onDisconnect: (l) => {
        this.#disconnectListeners.add(l);
        return () => this.#disconnectListeners.delete(l);
      },
      close: async () => this.end(new TransportError('responder closed the link')),
    };
  }

  get hasEventChannel(): boolean {
    return this.#evt !== undefined;
  }

  attachEvents(channel: PacketChannel): void {
    clearTimeout(this.#handshakeTimer);
    this.#evt = channel;
  }

  packet(ch: PacketChannel, p: Packet): void {
    switch (p.type) {
      case PacketType.ProbeRequest:
        void ch.send(PacketType.ProbeResponse, {}).catch(() => undefined);
        return;
      case PacketType.ProbeResponse:
        return;
      case PacketType.Cancel:
        if (this.#running?.request.transactionId === p.transactionId) {
          this.#cancelled = this.#running.request;
          this.#running.controller.abort(new AbortError('cancelled by the initiator'));
          this.#running.incoming?.fail(new AbortError('cancelled by the initiator'));
        } else if (this.#lastRequest?.transactionId === p.transactionId) {
          // Not running yet (its Cancel came in the same TCP segment, or before its Start Data):
          // it runs already cancelled when its turn comes.
          this.#cancelled = this.#lastRequest;
          if (this.#awaitingStart?.request === this.#lastRequest) {
            // Its Start Data may never come: do not wait for it.
            const { start } = this.#awaitingStart;
            this.#awaitingStart = undefined;
            start('cancelled');
          }
        }
        return;
      case PacketType.OperationRequest:
        if (ch !== this.#cmd) break;
        this.#request(p);
        return;
      case PacketType.StartData:
        if (ch !== this.#cmd) break;
        if (this.#awaitingStart?.request.transactionId === p.transactionId) {
          const { start } = this.#awaitingStart;
          this.#awaitingStart = undefined;
          // Data may follow in the same TCP chunk, before the operation runs: route it from now on.
          const incoming = new IncomingChunks(this.#cmd, p.totalLength);
          this.#receiving = { transactionId: p.transactionId, incoming };
          start(incoming);
          return;
        }
        if (p.transactionId === this.#cancelled?.transactionId) return; // the data phase of a cancelled upload
        break;
      default:
        break;
    }
    this.end(new ProtocolError(`unexpected ${packetTypeName(p.type)} packet from the initiator`, { field: 'PtpIpPacket.type' }));
  }

  data(type: number, transactionId: number, chunk: Uint8Array, last: boolean): void {
    // The rest of an upload the initiator cancelled: it may still be on its way after our response.
    if (transactionId === this.#cancelled?.transactionId) return;
    const receiving = this.#receiving;
    if (receiving?.transactionId === transactionId) {
      if (!receiving.incoming.ended) {
        receiving.incoming.push(chunk, type === PacketType.EndData && last);
        return;
      }
      // gphoto2 sends Start Data(0) and no End Data, ptpts an empty End Data: both are complete.
      if (type === PacketType.EndData && chunk.length === 0) return;
      // The rest of an upload the initiator cancelled.
      if (this.#running?.controller.signal.aborted === true) return;
    }
    this.end(new ProtocolError(`Data for transaction ${transactionId} outside its data phase`, { field: 'Data.transactionId' }));
  }

  #request(p: Extract<Packet, { type: 6 }>): void {
    const request: OperationRequest = { code: p.code, sessionId: 0, transactionId: p.transactionId, params: p.params };
    this.#lastRequest = request;
    this.#cancelled = undefined; // whatever was left of a cancelled phase came before this request
    const dataOut = p.dataPhase === DataPhase.Out;
    const started = dataOut
      ? new Promise<IncomingChunks | 'cancelled'>((resolve) => (this.#awaitingStart = { request, start: resolve }))
      : Promise.resolve(undefined);
    this.#queue = this.#queue.then(() => this.#run(request, started)).catch(() => undefined);
  }

  async #run(request: OperationRequest, started: Promise<IncomingChunks | 'cancelled' | undefined>): Promise<void> {
    const phase = await started;
    if (this.#ended) return;
    const incoming = phase === 'cancelled' ? undefined : phase;
    // One controller per session, replaced once aborted (operations run one at a time).
    if (this.#controller.signal.aborted) this.#controller = new AbortController();
    const controller = this.#controller;
    if (phase === 'cancelled' || this.#cancelled === request) {
      // Cancelled before it ran (before its Start Data, or in the same TCP segment): the handler still
      // sees it, so the responder counts the transaction, but with its signal already aborted.
      controller.abort(new AbortError('cancelled by the initiator'));
      incoming?.fail(new AbortError('cancelled by the initiator'));
    }
    const running: Running = { request, controller, incoming };
    this.#running = running;
    try {
      while (this.#handler === undefined) await new Promise<void>((r) => this.#handlerWaiters.push(r));
      const t: IncomingTransaction = {
        request,
        ...(incoming !== undefined ? { data: incoming } : {}),
        signal: controller.signal,
      };
      let result: TransactionResult;
      try {
        result = await this.#handler(t);
      } catch {
        result = { code: ResponseCode.GeneralError };
      }
      if (incoming !== undefined && !controller.signal.aborted) await incoming.drain();
      if (isSmallDataPhase(result.data)) this.#cmd.hold();
      if (result.data !== undefined && !controller.signal.aborted && !this.#ended) {
        try {
          await sendDataPhase(this.#cmd, request.transactionId, result.data, { signal: controller.signal });
        } catch (err) {
          if (!controller.signal.aborted) throw err;
        }
      }
      if (this.#ended) return;
      const code = controller.signal.aborted ? ResponseCode.TransactionCancelled : result.code;
      await this.#cmd.send(PacketType.OperationResponse, {
        code,
        transactionId: request.transactionId,
        params: controller.signal.aborted ? [] : [...(result.params ?? [])],
      });
    } catch (err) {
      this.end(err instanceof Error ? err : new TransportError(String(err)));
    } finally {
      this.#cmd.flush();
      if (this.#running === running) this.#running = undefined;
    }
  }

  end(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#handshakeTimer);
    this.#running?.controller.abort(error);
    this.#running?.incoming?.fail(error);
    this.#cmd.close();
    this.#evt?.close();
    this.#onEnd();
    for (const l of [...this.#disconnectListeners]) l(error);
  }
}
