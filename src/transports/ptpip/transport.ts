/**
 * `PtpIpTransport`: the initiator end of PTP/IP (CIPA DC-005). Two TCP
 * connections — command/data and event — IPv4, IPv6 or a host name; data
 * phases streamed both ways with 64-bit lengths; events delivered as they
 * arrive; probes sent after the handshake and answered; Cancel on abort; a
 * dropped connection fails pending calls with TransportError and reports a
 * disconnect.
 */
import { Listeners } from '../../core/listeners.js';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { AbortError, ProtocolError, TimeoutError, TransportError } from '../../core/errors.js';
import type {
  DisconnectListener,
  OperationRequest,
  OperationResponse,
  PtpEvent,
  TransactionPhases,
  Transport,
} from '../../core/transport.js';
import { PacketChannel } from './channel.js';
import { DataPhaseReceiver, isSmallDataPhase, sendDataPhase } from './data-phase.js';
import { PtpIpInitFailError } from './errors.js';
import { defaultGuid, parseGuid } from './guid.js';
import { DataPhase, PacketType, packetTypeName, PTPIP_VERSION, type Packet } from './packets.js';

/** Connection-time quirks of some cameras; vendor extensions supply them. */
export interface PtpIpQuirks {
  /** Pause between the command channel's handshake and opening the event channel. */
  readonly eventChannelDelayMs?: number;
  /**
   * Runs once both channels are up, before `open()` resolves (e.g. a vendor
   * hello). `signal` is the one given to `open()`: pass it on to waits.
   */
  afterConnect?(transport: PtpIpTransport, options: { readonly signal?: AbortSignal }): Promise<void>;
}

/** Options of {@link PtpIpTransport.probe}. */
export interface PtpIpProbeOptions {
  /** Resolve only once the Probe Response is back (else once the request is sent). */
  readonly awaitResponse?: boolean;
  /** With `awaitResponse`: how long to wait, ms. Default: the transport's `connectTimeoutMs`. */
  readonly timeoutMs?: number;
  /** With `awaitResponse`: stops the wait with an AbortError. */
  readonly signal?: AbortSignal;
}

/** How long `open()` waits for the answer to its own Probe Request by default, ms. */
export const PTPIP_HANDSHAKE_PROBE_TIMEOUT_MS = 500;

/** Who answered the Init Command Request: all that is known of a camera before DeviceInfo. */
export interface PtpIpResponderIdentity {
  /** Friendly name from the Init Command Ack. */
  readonly name: string;
  /** Responder GUID from the Init Command Ack. */
  readonly guid: Uint8Array;
}

/**
 * Picks the quirks once the responder has introduced itself, before the event
 * channel opens (so a quirk can still shape it). The transport knows no
 * vendor: the caller (`Camera.open`) asks the extensions.
 */
export type PtpIpQuirksSelector = (responder: PtpIpResponderIdentity) => PtpIpQuirks | undefined;

/** Options of {@link PtpIpTransport}. */
export interface PtpIpTransportOptions {
  /** Host name, IPv4 or IPv6 address (without brackets). */
  readonly host: string;
  /** Command channel port. Default 15740. */
  readonly port?: number;
  /** Event channel port. Default: the command port. */
  readonly eventPort?: number;
  /** Initiator GUID (16 bytes or 32 hex digits). Default: stable for this machine and user. */
  readonly guid?: Uint8Array | string;
  /** Name the camera shows for this computer. Default `ptpts@<hostname>`. */
  readonly friendlyName?: string;
  /** Time allowed for TCP connect and each handshake step. Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** Quirks to apply, or a function choosing them from the Init Command Ack. */
  readonly quirks?: PtpIpQuirks | PtpIpQuirksSelector;
  /**
   * How long `open()` waits for the Probe Response to the Probe Request it
   * sends on the event channel after the handshake. Default 500 ms; a
   * responder that does not answer costs this once and is not an error. 0
   * sends the probe without waiting.
   */
  readonly probeTimeoutMs?: number;
}

interface Pending {
  readonly request: OperationRequest;
  readonly phases: TransactionPhases;
  receiver: DataPhaseReceiver | undefined;
  /** Sends Cancel for it (once). */
  abort(): void;
  resolve(r: OperationResponse): void;
  reject(e: unknown): void;
}

type Waiter = { readonly match: (p: Packet) => boolean; resolve(p: Packet): void; reject(e: Error): void };

/** PTP/IP initiator. */
export class PtpIpTransport implements Transport {
  readonly kind = 'ptpip';
  readonly host: string;
  readonly port: number;
  readonly eventPort: number;
  readonly guid: Uint8Array;
  readonly friendlyName: string;
  /** Set by the handshake. */
  connectionNumber = 0;
  responderName = '';
  responderGuid: Uint8Array = new Uint8Array(16);
  /** The quirks in force since the last handshake (undefined: none). */
  quirks: PtpIpQuirks | undefined;

  readonly #options: PtpIpTransportOptions;
  #cmd: PacketChannel | undefined;
  #evt: PacketChannel | undefined;
  #open = false;
  #pending: Pending | undefined;
  /** One abort listener per signal until it fires or the transport closes. */
  readonly #abortListeners = new Map<AbortSignal, () => void>();
  /** Transactions we cancelled: their late packets are dropped, not treated as errors. */
  readonly #cancelled = new Set<number>();
  readonly #eventListeners = new Listeners<[PtpEvent]>();
  readonly #disconnectListeners = new Listeners<[Error | undefined]>();
  #waiters: Waiter[] = [];
  /** Set while `open()` runs; a channel that closes meanwhile leaves its error here for the next step. */
  #opening = false;
  #handshakeFailure: Error | undefined;

  constructor(options: PtpIpTransportOptions) {
    this.#options = options;
    this.host = options.host;
    this.port = options.port ?? 15740;
    this.eventPort = options.eventPort ?? this.port;
    this.guid = options.guid !== undefined ? parseGuid(options.guid) : defaultGuid();
    this.friendlyName = options.friendlyName ?? `ptpts@${hostname()}`;
  }

  get description(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `ptpip://${h}:${this.port}`;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (this.#open) return;
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    this.#opening = true;
    this.#handshakeFailure = undefined;
    try {
      const cmdSocket = await this.#connect(this.port, timeoutMs, signal);
      this.#cmd = this.#channel(cmdSocket, 'command');
      await this.#cmd.send(PacketType.InitCommandRequest, {
        guid: this.guid,
        friendlyName: this.friendlyName,
        protocolVersion: PTPIP_VERSION,
      });
      const ack = await this.#await(
        (p) => p.type === PacketType.InitCommandAck || p.type === PacketType.InitFail,
        timeoutMs, 'Init Command Ack', signal,
      );
      if (ack.type === PacketType.InitFail) throw new PtpIpInitFailError(ack.reason, 'command');
      if (ack.type !== PacketType.InitCommandAck) throw new ProtocolError('unexpected handshake packet');
      this.connectionNumber = ack.connectionNumber;
      this.responderName = ack.friendlyName;
      this.responderGuid = ack.guid;
      const quirks = this.#options.quirks;
      this.quirks = typeof quirks === 'function' ? quirks({ name: ack.friendlyName, guid: ack.guid }) : quirks;

      const delay = this.quirks?.eventChannelDelayMs ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const evtSocket = await this.#connect(this.eventPort, timeoutMs, signal);
      const evt = this.#channel(evtSocket, 'event');
      this.#evt = evt;
      await evt.send(PacketType.InitEventRequest, { connectionNumber: this.connectionNumber });
      const evAck = await this.#await(
        (p) => p.type === PacketType.InitEventAck || p.type === PacketType.InitFail,
        timeoutMs, 'Init Event Ack', signal,
      );
      if (evAck.type === PacketType.InitFail) throw new PtpIpInitFailError(evAck.reason, 'event');
      if (this.#handshakeFailure !== undefined) throw this.#handshakeFailure;
      await this.#handshakeProbe(evt, signal);
      this.#open = true;
      await this.quirks?.afterConnect?.(this, signal !== undefined ? { signal } : {});
    } catch (err) {
      this.#open = false;
      this.#cmd?.close();
      this.#evt?.close();
      this.#cmd = undefined;
      this.#evt = undefined;
      throw err;
    } finally {
      this.#opening = false;
    }
  }

  #connect(port: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<Socket> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(new AbortError('connect aborted'));
        return;
      }
      const socket = connect({ host: this.host, port });
      const timer = setTimeout(() => fail(new TimeoutError(`no TCP connection to ${this.host}:${port} within ${timeoutMs} ms`, timeoutMs)), timeoutMs);
      const onAbort = (): void => fail(new AbortError('connect aborted'));
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeListener('error', onError);
        socket.removeListener('connect', onConnect);
      };
      const fail = (err: Error): void => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onError = (err: NodeJS.ErrnoException): void =>
        fail(new TransportError(`cannot connect to ${this.host}:${port}: ${err.code ?? err.message}${hint(err.code)}`, { cause: err }));
      const onConnect = (): void => {
        cleanup();
        socket.setKeepAlive(true, 10_000);
        resolve(socket);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once('connect', onConnect);
    });
  }

  #channel(socket: Socket, name: 'command' | 'event'): PacketChannel {
    const ch: PacketChannel = new PacketChannel(socket, `${this.description} ${name}`, {
      packet: (p) => this.#onPacket(ch, p),
      data: (type, transactionId, chunk, last) => this.#onData(type, transactionId, chunk, last),
      closed: (err) => this.#onClosed(err),
    });
    return ch;
  }

  /**
   * Waits for a packet matching `match`. A channel closing meanwhile rejects
   * the wait with its error (and, once open, disconnects as always).
   */
  #await(match: (p: Packet) => boolean, timeoutMs: number, what: string, signal: AbortSignal | undefined): Promise<Packet> {
    return new Promise((resolve, reject) => {
      // A channel closed while no handshake step was waiting (e.g. during the event channel's connect).
      if (this.#opening && !this.#open && this.#handshakeFailure !== undefined) {
        reject(this.#handshakeFailure);
        return;
      }
      if (signal?.aborted === true) {
        reject(new AbortError(`wait for ${what} aborted`));
        return;
      }
      const timer = setTimeout(() => done(new TimeoutError(`no ${what} from ${this.description} within ${timeoutMs} ms`, timeoutMs)), timeoutMs);
      const onAbort = (): void => done(new AbortError(`wait for ${what} aborted`));
      const waiter: Waiter = { match, resolve: (p) => done(undefined, p), reject: (e) => done(e) };
      const done = (err: Error | undefined, p?: Packet): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        if (err !== undefined) reject(err);
        else resolve(p!);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * The Probe Request every handshake ends with. airnef sends one on the event
   * channel right after Init Event Ack and waits for the answer before any
   * operation, because Nikon bodies (whatever name they announce) hang the
   * session otherwise; the packet is standard, so every responder gets it.
   * The answer is waited for only briefly: a responder that ignores probes
   * costs `probeTimeoutMs` once, never a failed open.
   */
  async #handshakeProbe(evt: PacketChannel, signal: AbortSignal | undefined): Promise<void> {
    const timeoutMs = this.#options.probeTimeoutMs ?? PTPIP_HANDSHAKE_PROBE_TIMEOUT_MS;
    if (timeoutMs <= 0) {
      await evt.send(PacketType.ProbeRequest, {});
      return;
    }
    try {
      await this.#probe(evt, timeoutMs, signal);
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
    }
  }

  /** Sends a Probe Request on `evt` and waits for its Probe Response. */
  async #probe(evt: PacketChannel, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const answered = this.#await((p) => p.type === PacketType.ProbeResponse, timeoutMs, 'Probe Response', signal);
    // Together, so a failed send leaves no unhandled wait behind.
    await Promise.all([evt.send(PacketType.ProbeRequest, {}), answered]);
  }

  #onPacket(ch: PacketChannel, p: Packet): void {
    const waiter = this.#waiters.find((w) => w.match(p));
    if (waiter !== undefined) {
      waiter.resolve(p);
      return;
    }
    switch (p.type) {
      case PacketType.ProbeRequest:
        void ch.send(PacketType.ProbeResponse, {}).catch(() => undefined);
        return;
      case PacketType.ProbeResponse:
        return;
      case PacketType.Event:
        this.#eventListeners.emit({ code: p.code, transactionId: p.transactionId, params: p.params });
        return;
      case PacketType.StartData: {
        const pending = this.#forTransaction(p.transactionId, 'Start Data');
        if (pending === undefined) return;
        pending.receiver = new DataPhaseReceiver(ch, p.transactionId, p.totalLength, pending.phases.dataIn, pending.phases.onProgress);
        return;
      }
      case PacketType.OperationResponse: {
        const cancelled = this.#cancelled.has(p.transactionId);
        const pending = this.#forTransaction(p.transactionId, 'Operation Response');
        if (pending === undefined) return;
        this.#pending = undefined;
        const response: OperationResponse = { code: p.code, transactionId: p.transactionId, params: p.params };
        const receiver = pending.receiver;
        if (receiver === undefined) pending.resolve(response);
        else if (receiver.ended) receiver.done.then(() => pending.resolve(response), (e: unknown) => pending.reject(e));
        else {
          // No End Data: a responder cuts a cancelled data phase short (our server does); otherwise the phase is incomplete.
          // Waiting for End Data here would hang the call for good.
          const err = cancelled
            ? new AbortError(`transaction ${p.transactionId} was cancelled during its data phase`)
            : new ProtocolError(`Operation Response for transaction ${p.transactionId} before End Data`, { field: 'EndData' });
          receiver.fail(err);
          if (cancelled) pending.resolve(response);
          else pending.reject(err);
        }
        return;
      }
      case PacketType.Cancel:
        // The responder cancels the transaction: its response (TransactionCancelled) follows.
        return;
      default:
        this.#protocolFailure(new ProtocolError(`unexpected ${packetTypeName(p.type)} packet on ${ch.name}`, { field: 'PtpIpPacket.type' }));
    }
  }

  #onData(type: number, transactionId: number, chunk: Uint8Array, last: boolean): void {
    const pending = this.#forTransaction(transactionId, 'Data');
    if (pending === undefined) return;
    if (pending.receiver === undefined) {
      this.#protocolFailure(new ProtocolError('Data packet without Start Data', { field: 'PtpIpPacket.type' }));
      return;
    }
    pending.receiver.push(chunk, type === PacketType.EndData && last);
  }

  /** The pending transaction a packet belongs to; undefined (dropped) for cancelled ones. */
  #forTransaction(transactionId: number, what: string): Pending | undefined {
    if (this.#cancelled.has(transactionId)) {
      if (what === 'Operation Response') this.#cancelled.delete(transactionId);
      if (this.#pending?.request.transactionId !== transactionId) return undefined;
    }
    const pending = this.#pending;
    if (pending === undefined || pending.request.transactionId !== transactionId) {
      this.#protocolFailure(new ProtocolError(`${what} for transaction ${transactionId}, none pending with that ID`, { field: `${what}.transactionId` }));
      return undefined;
    }
    return pending;
  }

  #protocolFailure(err: ProtocolError): void {
    // The stream can no longer be trusted to be in step: drop the link.
    this.#shutdown(err);
  }

  #onClosed(err: Error | undefined): void {
    const handshake = this.#opening && !this.#open;
    const failure = err ?? new TransportError(`${this.description} closed${handshake ? ' during the handshake' : ''}`);
    if (handshake) this.#handshakeFailure ??= failure;
    this.#shutdown(failure);
  }

  #shutdown(err: Error | undefined): void {
    const wasOpen = this.#open;
    this.#open = false;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) {
      const failure = err ?? new TransportError(`${this.description} closed during a transaction`);
      pending.receiver?.fail(failure);
      pending.reject(failure);
    }
    // Whoever waits for a packet (a handshake step, a probe) learns of it now, not at its timeout.
    for (const w of [...this.#waiters]) w.reject(err ?? new TransportError(`${this.description} closed`));
    this.#cmd?.close();
    this.#evt?.close();
    this.#forgetAbortListeners();
    if (wasOpen) this.#disconnectListeners.emit(err);
  }

  async close(): Promise<void> {
    if (!this.#open && this.#cmd === undefined) return;
    this.#shutdown(undefined);
    this.#cmd = undefined;
    this.#evt = undefined;
  }

  transaction(request: OperationRequest, phases: TransactionPhases = {}): Promise<OperationResponse> {
    const cmd = this.#cmd;
    if (!this.#open || cmd === undefined) return Promise.reject(new TransportError(`${this.description} is not open`));
    if (this.#pending !== undefined) return Promise.reject(new TransportError('a transaction is already in progress'));
    return new Promise<OperationResponse>((resolve, reject) => {
      const { signal } = phases;
      let cancelSent = false;
      const onAbort = (): void => {
        if (cancelSent) return; // the listener and the post-request check can both get here
        cancelSent = true;
        this.#cancelled.add(request.transactionId);
        void cmd.send(PacketType.Cancel, { transactionId: request.transactionId }).catch(() => undefined);
      };
      const pending: Pending = {
        request,
        phases,
        receiver: undefined,
        abort: onAbort,
        resolve: (r) => {
          if (signal?.aborted === true) reject(signal.reason);
          else resolve(r);
        },
        reject: (e) => reject(signal?.aborted === true ? signal.reason : e),
      };
      this.#pending = pending;
      if (signal !== undefined) this.#listenForAbort(signal);
      const send = async (): Promise<void> => {
        // A request and a small data phase leave in one writev.
        const small = isSmallDataPhase(phases.dataOut);
        if (small) cmd.hold();
        try {
          await cmd.send(PacketType.OperationRequest, {
            dataPhase: phases.dataOut !== undefined ? DataPhase.Out : DataPhase.NoDataOrIn,
            code: request.code,
            transactionId: request.transactionId,
            params: [...request.params],
          });
          if (signal?.aborted === true) onAbort();
          if (phases.dataOut !== undefined) {
            await sendDataPhase(cmd, request.transactionId, phases.dataOut, {
              ...(phases.onProgress !== undefined ? { onProgress: phases.onProgress } : {}),
              ...(signal !== undefined ? { signal } : {}),
            });
          }
        } finally {
          if (small) cmd.flush();
        }
      };
      send().catch((err: unknown) => {
        // An aborted upload stops mid-phase: the Cancel already sent tells the responder; wait for its response.
        if (signal?.aborted === true && !(err instanceof TransportError)) return;
        if (this.#pending === pending) this.#pending = undefined;
        pending.reject(err);
        if (err instanceof ProtocolError) this.#shutdown(new TransportError(`${this.description}: upload aborted (${err.message})`, { cause: err }));
      });
    });
  }

  /**
   * One listener per signal, kept for its life, acting on whichever transaction
   * carries it then: the engine passes the same signal call after call, and
   * adding and removing an EventTarget listener per call was a measurable
   * share of a small round trip.
   */
  #listenForAbort(signal: AbortSignal): void {
    if (this.#abortListeners.has(signal)) return;
    const listener = (): void => {
      this.#abortListeners.delete(signal);
      const pending = this.#pending;
      if (pending?.phases.signal === signal) pending.abort();
    };
    this.#abortListeners.set(signal, listener);
    signal.addEventListener('abort', listener, { once: true });
  }

  /** A closed transport lets go of the signals it listened to (a long-lived one would keep it alive). */
  #forgetAbortListeners(): void {
    for (const [signal, listener] of this.#abortListeners) signal.removeEventListener('abort', listener);
    this.#abortListeners.clear();
  }

  onEvent(listener: (event: PtpEvent) => void): () => void {
    return this.#eventListeners.add(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.#disconnectListeners.add(listener);
  }

  async cancel(transactionId: number): Promise<void> {
    this.#cancelled.add(transactionId);
    await this.#cmd?.send(PacketType.Cancel, { transactionId });
  }

  /** PTP/IP has no device reset request: reconnects both channels. */
  async reset(): Promise<void> {
    await this.close();
    await this.open();
  }

  /**
   * Sends a Probe Request on the event channel (a keep-alive some cameras
   * expect; `open()` already sends one after the handshake). With
   * `awaitResponse`, resolves once the Probe Response is back: TimeoutError
   * after `timeoutMs`, AbortError on `signal`, TransportError if the link
   * drops meanwhile (which disconnects the transport as usual). Fails at once
   * with TransportError when the transport is not open.
   */
  async probe(options: PtpIpProbeOptions = {}): Promise<void> {
    const evt = this.#evt;
    if (!this.#open || evt === undefined) throw new TransportError(`${this.description} is not open`);
    if (options.awaitResponse !== true) {
      await evt.send(PacketType.ProbeRequest, {});
      return;
    }
    await this.#probe(evt, options.timeoutMs ?? this.#options.connectTimeoutMs ?? 10_000, options.signal);
  }
}

function hint(code: string | undefined): string {
  switch (code) {
    case 'ECONNREFUSED':
      return ' (nothing listens there: is the camera in PC-connection / remote mode, and the port right?)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return ' (no route: is this computer on the camera\'s Wi-Fi network?)';
    case 'ETIMEDOUT':
      return ' (no answer: check the address, and that a firewall lets TCP 15740 through)';
    case 'ENOTFOUND':
      return ' (unknown host name)';
    default:
      return '';
  }
}
