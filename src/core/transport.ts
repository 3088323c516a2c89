/**
 * The contract between the engine (sessions, transactions) and a transport
 * (USB, PTP/IP, in-process). The core owns it so that imports only point down:
 * transports implement it, the engine drives it.
 *
 * Division of labour:
 * - The **engine** owns session and transaction IDs, runs one transaction at a
 *   time, maps response codes to errors, and applies timeouts.
 * - The **transport** owns framing: it splits and joins containers or packets,
 *   sends zero-length packets, streams data phases, and cancels on the wire.
 *   It never renumbers transactions and never interprets response codes.
 */

/** An operation request (command phase). */
export interface OperationRequest {
  readonly code: number;
  /** Session the request belongs to; 0 outside a session. Not sent by USB, kept for logs. */
  readonly sessionId: number;
  /** 0 for GetDeviceInfo/OpenSession outside a session, else 1..0xFFFFFFFE. */
  readonly transactionId: number;
  /** 0 to 5 UINT32 parameters. */
  readonly params: readonly number[];
}

/** An operation response (response phase). */
export interface OperationResponse {
  readonly code: number;
  readonly transactionId: number;
  readonly params: readonly number[];
}

/** An event from the device (USB interrupt endpoint, PTP/IP event channel). */
export interface PtpEvent {
  readonly code: number;
  /** Transaction the event refers to, or 0 / 0xFFFFFFFF when none. */
  readonly transactionId: number;
  /** 0 to 3 UINT32 parameters. */
  readonly params: readonly number[];
}

/**
 * Bytes for an initiator-to-responder data phase. Either the whole payload, or
 * its exact length and the chunks (a Node `Readable` is an `AsyncIterable`), so
 * gigabyte objects are streamed, never held in memory.
 */
export type DataSource =
  | Uint8Array
  | { readonly length: number | bigint; readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> };

/** Where a responder-to-initiator data phase goes. */
export interface DataSink {
  /**
   * Called once before any chunk with the payload length, or `undefined` when
   * the device did not say (USB data over 4 GiB).
   */
  start?(totalLength: bigint | undefined): void | Promise<void>;
  /**
   * One chunk of payload. The transport may reuse the chunk's memory once the
   * returned promise settles (or at once for a void return): copy what you keep.
   * Returning a promise applies backpressure.
   */
  write(chunk: Uint8Array): void | Promise<void>;
}

/** Data-phase progress: bytes moved so far, and the total when known. */
export type ProgressListener = (transferred: bigint, total: bigint | undefined) => void;

/** The phases of one transaction beyond its command. */
export interface TransactionPhases {
  /** Present when the operation sends data to the device. */
  readonly dataOut?: DataSource;
  /**
   * Present when the operation may receive data. The device may answer with a
   * response and no data (an error); the sink then sees nothing.
   */
  readonly dataIn?: DataSink;
  readonly onProgress?: ProgressListener;
  /**
   * Aborting cancels the transaction on the wire (USB class Cancel, PTP/IP
   * Cancel packet), resynchronises the link, and rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

/** What {@link Transport.kind} names: a built-in wire, or any other string for a transport of your own. */
// `string & {}` keeps the built-in names offered by editors while any string is allowed.
export type TransportKind = 'usb' | 'ptpip' | 'in-process' | (string & {});

/** Why a transport closed: `undefined` for a normal close. */
export type DisconnectListener = (error: Error | undefined) => void;

/**
 * A link to one device. Implementations: `UsbTransport`, `PtpIpTransport`,
 * the initiator side of `createInProcessPair()`.
 *
 * Calls to {@link Transport.transaction} never overlap: the engine awaits each
 * before starting the next. Failures of the link reject with `TransportError`;
 * a pending transaction must always settle (resolve, reject, or reject on close),
 * never hang.
 */
export interface Transport {
  /**
   * Which wire this is: `'usb'`, `'ptpip'`, `'in-process'` for the built-in
   * transports, or your own name. The engine ignores it; `Camera` runs an
   * extension's PTP/IP session step (`Extension.ptpip.afterOpenSession`) only
   * on `'ptpip'`, so a transport that carries PTP/IP by other means (a proxy)
   * says `'ptpip'` to get it. A string, not a class check, so that code using
   * it never has to load a transport's module (PTP/IP's needs Node).
   */
  readonly kind: TransportKind;
  /** Short description for logs, e.g. `ptpip://192.168.1.1:15740`. */
  readonly description: string;
  /** True between a successful `open()` and `close()` or a disconnect. */
  readonly isOpen: boolean;
  /** Connects (USB: claims the interface; PTP/IP: both channels' handshake). */
  open(signal?: AbortSignal): Promise<void>;
  /** Releases the device. Pending transactions reject with `TransportError`. Idempotent. */
  close(): Promise<void>;
  /**
   * Runs one transaction: the command, then the data phase if any (out from
   * `dataOut`, or in into `dataIn`), then resolves with the response, whatever
   * its code.
   */
  transaction(request: OperationRequest, phases?: TransactionPhases): Promise<OperationResponse>;
  /** Subscribes to device events, in arrival order. Returns the unsubscribe function. */
  onEvent(listener: (event: PtpEvent) => void): () => void;
  /** Subscribes to the link going away (unplug, dropped socket, close). */
  onDisconnect(listener: DisconnectListener): () => void;
  /**
   * Asks the device to cancel a transaction in progress. Normally reached
   * through a transaction's `signal`; exposed for recovery tools.
   */
  cancel(transactionId: number): Promise<void>;
  /** Resets the device's protocol state (USB Device Reset request; PTP/IP reconnects). */
  reset(): Promise<void>;
}

/** Length in bytes of a data source. */
export function dataSourceLength(source: DataSource): bigint {
  return source instanceof Uint8Array ? BigInt(source.length) : BigInt(source.length);
}

/** Iterates a data source's chunks. */
export async function* dataSourceChunks(source: DataSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source.chunks;
}

// ---- The responder side: what a virtual device sees of a link. ----

/** Data the initiator sends with an operation, streamed. */
export interface IncomingData extends AsyncIterable<Uint8Array> {
  /** Length announced by the initiator, when known. */
  readonly length: bigint | undefined;
}

/** One operation as a responder receives it. */
export interface IncomingTransaction {
  readonly request: OperationRequest;
  /** Present when the initiator sends a data phase. A handler that does not read it has it drained. */
  readonly data?: IncomingData;
  /** Aborted when the initiator cancels this transaction or the link drops. */
  readonly signal: AbortSignal;
}

/** A responder's answer: optional data (to the initiator), then the response. */
export interface TransactionResult {
  readonly code: number;
  readonly params?: readonly number[];
  readonly data?: DataSource;
}

/** Handles one operation at a time, in order. */
export type TransactionHandler = (transaction: IncomingTransaction) => Promise<TransactionResult>;

/**
 * The responder's end of a link (in-process pair, PTP/IP server connection,
 * later a USB gadget). The responder never sees framing.
 */
export interface ResponderLink {
  /** Installs the handler; transactions that arrive before it wait. */
  serve(handler: TransactionHandler): void;
  /** Queues an event to the initiator. */
  sendEvent(event: PtpEvent): void;
  /** Subscribes to the initiator going away. */
  onDisconnect(listener: DisconnectListener): () => void;
  /** Drops the link. */
  close(): Promise<void>;
}
