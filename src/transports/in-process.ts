/**
 * Two ends of a link in one process: the initiator side is a {@link Transport},
 * the responder side a {@link ResponderLink}. Tests, the demo and the embedded
 * virtual camera use it; it follows the same contract as USB and PTP/IP,
 * including cancellation, disconnects and streamed data phases.
 */
import { AbortError, TransportError } from '../core/errors.js';
import { Listeners } from '../core/listeners.js';
import {
  dataSourceChunks,
  dataSourceLength,
  type DataSink,
  type IncomingData,
  type OperationRequest,
  type OperationResponse,
  type PtpEvent,
  type ResponderLink,
  type TransactionHandler,
  type TransactionPhases,
  type Transport,
} from '../core/transport.js';

/** Options of {@link createInProcessPair}. */
export interface InProcessPairOptions {
  /** Name in logs and errors. Default `in-process`. */
  readonly description?: string;
}

/** The two ends of an in-process link. */
export interface InProcessPair {
  readonly initiator: Transport;
  readonly responder: ResponderLink;
}

/** Creates a connected initiator/responder pair. The initiator must still be `open()`ed. */
export function createInProcessPair(options: InProcessPairOptions = {}): InProcessPair {
  const link = new Link(options.description ?? 'in-process');
  return { initiator: link.initiator, responder: link.responder };
}


class Link {
  readonly initiator: Transport;
  readonly responder: ResponderLink;

  private open = false;
  private closed = false;
  private handler: TransactionHandler | undefined;
  private handlerWaiters: Array<() => void> = [];
  private readonly events = new Listeners<[PtpEvent]>();
  private readonly initiatorDisconnect = new Listeners<[Error | undefined]>();
  private readonly responderDisconnect = new Listeners<[Error | undefined]>();
  /** Aborts the responder's view of the transaction in flight. */
  private inFlight: { transactionId: number; controller: AbortController } | undefined;
  /** Rejects the initiator's pending transaction when the link drops. */
  private failPending: ((err: Error) => void) | undefined;

  constructor(readonly description: string) {
    const self = this;
    this.initiator = {
      kind: 'in-process',
      description,
      get isOpen() {
        return self.open;
      },
      open: async (signal) => {
        if (signal?.aborted === true) throw new AbortError('open aborted');
        if (this.closed) throw new TransportError(`${description}: link is closed`);
        this.open = true;
      },
      close: async () => this.drop(undefined),
      transaction: (request, phases) => this.transaction(request, phases ?? {}),
      onEvent: (l) => this.events.add(l),
      onDisconnect: (l) => this.initiatorDisconnect.add(l),
      cancel: async (transactionId) => {
        if (this.inFlight?.transactionId === transactionId) this.inFlight.controller.abort(new AbortError('cancelled by initiator'));
      },
      reset: async () => {
        this.inFlight?.controller.abort(new AbortError('device reset'));
      },
    };
    this.responder = {
      serve: (handler) => {
        this.handler = handler;
        for (const w of this.handlerWaiters.splice(0)) w();
      },
      sendEvent: (event) => {
        if (!this.open) return;
        // Asynchronous like a real wire, and in order.
        queueMicrotask(() => {
          if (this.open) this.events.emit(event);
        });
      },
      onDisconnect: (l) => this.responderDisconnect.add(l),
      close: async () => this.drop(new TransportError(`${description}: responder closed the link`)),
    };
  }

  private drop(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.inFlight?.controller.abort(error ?? new TransportError(`${this.description}: closed`));
    this.failPending?.(error ?? new TransportError(`${this.description}: closed during a transaction`));
    this.initiatorDisconnect.emit(error);
    this.responderDisconnect.emit(error);
  }

  private async waitForHandler(): Promise<TransactionHandler> {
    while (this.handler === undefined) await new Promise<void>((r) => this.handlerWaiters.push(r));
    return this.handler;
  }

  private transaction(request: OperationRequest, phases: TransactionPhases): Promise<OperationResponse> {
    if (!this.open) return Promise.reject(new TransportError(`${this.description} is not open`));
    return new Promise<OperationResponse>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        this.failPending = undefined;
        phases.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      this.failPending = (err) => settle(() => reject(err));
      const controller = new AbortController();
      this.inFlight = { transactionId: request.transactionId, controller };
      const onAbort = (): void => {
        // Cancel on the "wire": the responder sees its signal abort; the initiator
        // is released once the responder has stopped (resynchronised).
        controller.abort(new AbortError('cancelled by initiator'));
      };
      phases.signal?.addEventListener('abort', onAbort, { once: true });
      if (phases.signal?.aborted === true) onAbort();

      this.run(request, phases, controller.signal).then(
        (response) =>
          settle(() =>
            phases.signal?.aborted === true ? reject(phases.signal.reason) : resolve(response),
          ),
        (err: unknown) => settle(() => reject(err instanceof Error ? err : new TransportError(String(err)))),
      ).finally(() => {
        if (this.inFlight?.controller === controller) this.inFlight = undefined;
      });
    });
  }

  private async run(request: OperationRequest, phases: TransactionPhases, signal: AbortSignal): Promise<OperationResponse> {
    const handler = await this.waitForHandler();
    let data: IncomingData | undefined;
    let consumed = false;
    if (phases.dataOut !== undefined) {
      const source = phases.dataOut;
      const length = dataSourceLength(source);
      const onProgress = phases.onProgress;
      data = {
        length,
        async *[Symbol.asyncIterator]() {
          consumed = true;
          let done = 0n;
          for await (const chunk of dataSourceChunks(source)) {
            if (signal.aborted) throw signal.reason;
            done += BigInt(chunk.length);
            onProgress?.(done, length);
            yield chunk;
          }
        },
      };
    }
    const result = await handler({ request, ...(data !== undefined ? { data } : {}), signal });
    if (data !== undefined && !consumed) {
      // The initiator's data phase always crosses the wire, read or not.
      for await (const chunk of data) void chunk;
    }
    if (result.data !== undefined) {
      await pump(result.data, phases.dataIn, phases.onProgress, signal);
    }
    if (signal.aborted) throw signal.reason;
    return { code: result.code, transactionId: request.transactionId, params: result.params ?? [] };
  }
}

async function pump(
  source: Parameters<typeof dataSourceChunks>[0],
  sink: DataSink | undefined,
  onProgress: TransactionPhases['onProgress'],
  signal: AbortSignal,
): Promise<void> {
  const total = dataSourceLength(source);
  await sink?.start?.(total);
  let done = 0n;
  for await (const chunk of dataSourceChunks(source)) {
    if (signal.aborted) throw signal.reason;
    if (sink !== undefined) await sink.write(chunk);
    done += BigInt(chunk.length);
    onProgress?.(done, total);
  }
}
