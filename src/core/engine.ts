/**
 * The transaction engine: session and transaction IDs, one transaction at a
 * time on the wire with callers queued in order, response codes turned into
 * typed errors, per-call timeouts and cancellation.
 */
import { CodeNames } from './codes/names.js';
import { OperationCode } from './codes/operations.js';
import { ResponseCode } from './codes/responses.js';
import {
  AbortError,
  DeviceBusyError,
  ProtocolError,
  PtpResponseError,
  SessionError,
  TimeoutError,
  TransportError,
} from './errors.js';
import type {
  DataSink,
  DataSource,
  OperationResponse,
  ProgressListener,
  PtpEvent,
  Transport,
} from './transport.js';

/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 0x7fffffff;

/** Transaction IDs run 1..0xFFFFFFFE within a session, then wrap to 1. */
const LAST_TRANSACTION_ID = 0xfffffffe;

/** Options of {@link PtpEngine}. */
export interface EngineOptions {
  /** Names for codes in errors and logs (the active extension's). Default: standard tables. */
  readonly codeNames?: CodeNames;
  /**
   * Default per-call timeout in ms: how long a transaction may go without
   * progress (a large download does not time out while bytes flow). 0 = none.
   * Default 30000.
   */
  readonly timeoutMs?: number;
  /**
   * After a call is aborted or times out, how long the transport may take to
   * cancel it on the wire. A device that still has not let go is treated as
   * hung: the transport is closed (pending and queued calls fail with
   * TransportError) rather than leaving every later call waiting. Default 5000.
   */
  readonly cancelGraceMs?: number;
}

/** Options of one call. */
export interface RunOptions {
  /** Send this data to the device (SendObject, SetDevicePropValue, ...). */
  readonly dataOut?: DataSource;
  /** Receive the data phase here. */
  readonly dataIn?: DataSink;
  readonly onProgress?: ProgressListener;
  /** Aborts the call: queued calls are dropped, a running one is cancelled on the wire. */
  readonly signal?: AbortSignal;
  /** Overrides the engine's timeout for this call (ms without progress; 0 = none). */
  readonly timeoutMs?: number;
  /** Response codes other than OK that are an answer, not an error (e.g. CaptureAlreadyTerminated). */
  readonly accept?: readonly number[];
}

/**
 * Drives a {@link Transport}. Safe to call from many places at once: calls are
 * queued and run in the order they were made.
 */
export class PtpEngine {
  readonly transport: Transport;
  /** Names used in errors; replaced when an extension is chosen. */
  codeNames: CodeNames;
  /** Default timeout (ms without progress). */
  timeoutMs: number;
  /** See {@link EngineOptions.cancelGraceMs}. */
  cancelGraceMs: number;

  private currentSessionId = 0;
  private lastSessionId = 0;
  private nextTransactionId = 1;
  /** Settles when the transaction on the wire (if any) is over. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Aborts the transaction on the wire; replaced once used. */
  private controller = this.newController();
  /** The transaction on the wire, for the watchdog and the abort listener. */
  private current: Running | undefined;
  /**
   * One idle-timeout timer for call after call, re-armed only when it fires:
   * a setTimeout + clearTimeout per call (which reschedules libuv's timer each
   * time) measured ~15 us of a ~90 us PTP/IP round trip. Unref'd between calls
   * so an idle engine never keeps the process alive.
   */
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private watchdogAt = 0;
  /** Why the transport last went away, if it did on its own. */
  private lostLink: Error | undefined;

  constructor(transport: Transport, options: EngineOptions = {}) {
    this.transport = transport;
    this.codeNames = options.codeNames ?? CodeNames.standard;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 5_000;
    // Remembered so that a call after the link went away says why, not just "not open".
    transport.onDisconnect((err) => (this.lostLink = err));
  }

  /** The open session's ID, or 0 when none is open. */
  get sessionId(): number {
    return this.currentSessionId;
  }

  /** True while a session is open. */
  get inSession(): boolean {
    return this.currentSessionId !== 0;
  }

  /**
   * Opens a session (OpenSession with TransactionID 0). If the device says a
   * session is already open — left over from a crashed program — it is closed
   * and opened again. Returns the session ID.
   */
  async openSession(sessionId?: number, options: Omit<RunOptions, 'dataIn' | 'dataOut'> = {}): Promise<number> {
    if (this.inSession) throw new SessionError(`session ${this.currentSessionId} is already open`);
    const id = sessionId ?? this.pickSessionId();
    const res = await this.run(OperationCode.OpenSession, [id], {
      ...options,
      accept: [ResponseCode.SessionAlreadyOpen],
    });
    if (res.code === ResponseCode.SessionAlreadyOpen) {
      this.currentSessionId = id; // lets CloseSession run with IDs the device accepts
      await this.run(OperationCode.CloseSession, [], { ...options, accept: [ResponseCode.SessionNotOpen] });
      await this.run(OperationCode.OpenSession, [id], options);
    }
    return this.currentSessionId;
  }

  /** Closes the open session (no-op when none is open). */
  async closeSession(options: Omit<RunOptions, 'dataIn' | 'dataOut'> = {}): Promise<void> {
    if (!this.inSession) return;
    await this.run(OperationCode.CloseSession, [], { ...options, accept: [ResponseCode.SessionNotOpen] });
  }

  /** Forgets the session without telling the device (after a disconnect). */
  forgetSession(): void {
    this.currentSessionId = 0;
  }

  /** Subscribes to device events. */
  onEvent(listener: (event: PtpEvent) => void): () => void {
    return this.transport.onEvent(listener);
  }

  /**
   * Runs one operation and resolves with its response. Non-OK responses not in
   * `accept` reject with {@link PtpResponseError} (or {@link DeviceBusyError}).
   */
  run(code: number, params: readonly number[] = [], options: RunOptions = {}): Promise<OperationResponse> {
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));

    let settleCaller!: { resolve: (r: OperationResponse) => void; reject: (e: unknown) => void };
    const callerPromise = new Promise<OperationResponse>((resolve, reject) => {
      settleCaller = { resolve, reject };
    });
    let callerDone = false;
    const finishCaller = (ok: boolean, value: unknown): void => {
      if (callerDone) return;
      callerDone = true;
      if (ok) settleCaller.resolve(value as OperationResponse);
      else settleCaller.reject(value);
    };
    // While queued, an abort rejects at once and the call is skipped.
    const unqueue = signal !== undefined ? whileQueued(signal, () => finishCaller(false, abortReason(signal))) : undefined;

    const slot = this.tail.then(async () => {
      unqueue?.();
      if (callerDone) return;
      await this.execute(code, params, options, finishCaller);
    });
    // The queue holds the slot until the transport is done, even if the caller gave up.
    // A throw that escapes execute() (a bug) still settles the call rather than leaving it hanging.
    this.tail = slot.catch((err: unknown) => finishCaller(false, err));
    return callerPromise;
  }

  private async execute(
    code: number,
    params: readonly number[],
    options: RunOptions,
    finish: (ok: boolean, value: unknown) => void,
  ): Promise<void> {
    const transactionId = this.allocateTransactionId(code);
    const operationName = this.codeNames.name('operation', code) ?? this.codeNames.describe('operation', code);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;

    // One controller serves call after call until one is aborted (calls never overlap):
    // creating an AbortSignal per call was a measurable share of a small round trip.
    if (this.controller.signal.aborted) this.controller = this.newController();
    const controller = this.controller;
    const onUserAbort = (): void => controller.abort(abortReason(options.signal!));
    options.signal?.addEventListener('abort', onUserAbort, { once: true });
    // Give up on the caller's side at once; the wire is released when the transport settles,
    // or, if it never does, when the grace period closes it.
    let grace: ReturnType<typeof setTimeout> | undefined;
    const current: Running = {
      lastProgress: performance.now(),
      timeoutMs,
      expire: () =>
        controller.abort(new TimeoutError(`${operationName} (transaction ${transactionId}) got no answer for ${timeoutMs} ms`, timeoutMs)),
      aborted: () => {
        finish(false, controller.signal.reason);
        grace = setTimeout(() => void this.transport.close().catch(() => undefined), this.cancelGraceMs);
      },
    };
    this.current = current;
    if (timeoutMs > 0) this.armWatchdog(current.lastProgress + timeoutMs);

    const onProgress: ProgressListener = (done, total) => {
      current.lastProgress = performance.now();
      options.onProgress?.(done, total);
    };
    try {
      if (!this.transport.isOpen) {
        const why = this.lostLink !== undefined ? `: ${this.lostLink.message}` : '';
        throw new TransportError(`${this.transport.description} is not open${why}`, this.lostLink !== undefined ? { cause: this.lostLink } : {});
      }
      const response = await this.transport.transaction(
        { code, sessionId: this.currentSessionId, transactionId, params },
        {
          ...(options.dataOut !== undefined ? { dataOut: options.dataOut } : {}),
          ...(options.dataIn !== undefined ? { dataIn: options.dataIn } : {}),
          onProgress,
          signal: controller.signal,
        },
      );
      if (response.transactionId !== transactionId) {
        throw new ProtocolError(
          `response to ${operationName} carries transaction ${response.transactionId}, expected ${transactionId}`,
          { field: 'Response.transactionId' },
        );
      }
      this.trackSession(code, params, response);
      finish(true, this.check(response, code, operationName, transactionId, options.accept));
    } catch (err) {
      finish(false, controller.signal.aborted ? controller.signal.reason : err);
    } finally {
      this.current = undefined;
      if (this.watchdog !== undefined) holdProcess(this.watchdog, false);
      if (grace !== undefined) clearTimeout(grace);
      options.signal?.removeEventListener('abort', onUserAbort);
    }
  }

  /** A controller whose abort reaches whichever transaction is on the wire then. */
  private newController(): AbortController {
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => this.current?.aborted(), { once: true });
    return controller;
  }

  /** Makes sure the watchdog fires by `deadline` (a performance.now() time) and holds the process meanwhile. */
  private armWatchdog(deadline: number): void {
    if (this.watchdog !== undefined && this.watchdogAt <= deadline) {
      holdProcess(this.watchdog, true);
      return;
    }
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdogAt = deadline;
    // Timers take at most 2^31-1 ms (longer ones fire at once); the watchdog re-arms when it fires early.
    this.watchdog = setTimeout(() => this.onWatchdog(), Math.min(MAX_TIMER_MS, Math.max(1, deadline - performance.now())));
  }

  private onWatchdog(): void {
    this.watchdog = undefined;
    const c = this.current;
    if (c === undefined || c.timeoutMs <= 0) return;
    if (performance.now() - c.lastProgress >= c.timeoutMs) c.expire();
    else this.armWatchdog(c.lastProgress + c.timeoutMs);
  }

  private check(
    response: OperationResponse,
    operationCode: number,
    operationName: string,
    transactionId: number,
    accept: readonly number[] | undefined,
  ): OperationResponse {
    if (response.code === ResponseCode.OK || accept?.includes(response.code) === true) return response;
    const init = {
      operationCode,
      operationName,
      transactionId,
      responseCode: response.code,
      responseName: this.codeNames.name('response', response.code) ?? 'Unknown',
      params: response.params,
    };
    throw response.code === ResponseCode.DeviceBusy ? new DeviceBusyError(init) : new PtpResponseError(init);
  }

  private allocateTransactionId(code: number): number {
    // ISO 15740 §9.3.1: OpenSession, and anything sent outside a session, uses 0.
    if (code === OperationCode.OpenSession || !this.inSession) return 0;
    const id = this.nextTransactionId;
    this.nextTransactionId = id >= LAST_TRANSACTION_ID ? 1 : id + 1;
    return id;
  }

  private trackSession(code: number, params: readonly number[], response: OperationResponse): void {
    if (response.code !== ResponseCode.OK && response.code !== ResponseCode.SessionNotOpen) return;
    if (code === OperationCode.OpenSession && response.code === ResponseCode.OK) {
      this.currentSessionId = params[0] ?? 0;
      this.lastSessionId = this.currentSessionId;
      this.nextTransactionId = 1;
    } else if (
      code === OperationCode.CloseSession ||
      (response.code === ResponseCode.OK && (code === OperationCode.ResetDevice || code === OperationCode.PowerDown))
    ) {
      this.currentSessionId = 0;
    }
  }

  private pickSessionId(): number {
    return this.lastSessionId >= 0xfffffffe ? 1 : this.lastSessionId + 1;
  }
}

/**
 * Queued calls by the signal that may abort them: one listener per signal
 * however many calls share it (a listener each would trip Node's
 * MaxListenersExceededWarning past ten queued calls).
 */
const queuedBySignal = new WeakMap<AbortSignal, Set<() => void>>();

/** Runs `onAbort` if `signal` aborts before the returned function is called. */
function whileQueued(signal: AbortSignal, onAbort: () => void): () => void {
  let waiting = queuedBySignal.get(signal);
  if (waiting === undefined) {
    const created = new Set<() => void>();
    queuedBySignal.set(signal, created);
    signal.addEventListener('abort', () => {
      queuedBySignal.delete(signal);
      for (const f of created) f();
    }, { once: true });
    waiting = created;
  }
  const set = waiting;
  set.add(onAbort);
  return () => void set.delete(onAbort);
}

/** The transaction on the wire, as the watchdog and the abort listener see it. */
interface Running {
  /** performance.now() of the last progress (or the start). */
  lastProgress: number;
  readonly timeoutMs: number;
  /** Aborts it with a TimeoutError. */
  expire(): void;
  /** Its controller was aborted. */
  aborted(): void;
}

function abortReason(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof TimeoutError || reason instanceof AbortError) return reason;
  return new AbortError('operation aborted', { cause: reason });
}

/**
 * Makes a timer hold the process open (`ref`) or not (`unref`). Node's timers
 * are objects with these methods; a browser's are plain numbers without them.
 */
function holdProcess(timer: ReturnType<typeof setTimeout>, held: boolean): void {
  const t = timer as { ref?: () => unknown; unref?: () => unknown };
  if (held) t.ref?.();
  else t.unref?.();
}
