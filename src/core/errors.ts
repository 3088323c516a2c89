/**
 * Every error ptpts throws is a {@link PtpError} with a stable `code` string,
 * so callers can branch on `err.code` without `instanceof` across bundles.
 */

/** The stable error codes. New codes may be added; existing ones never change meaning. */
export const PtpErrorCode = {
  Response: 'ERR_PTP_RESPONSE',
  DeviceBusy: 'ERR_PTP_DEVICE_BUSY',
  Protocol: 'ERR_PTP_PROTOCOL',
  Transport: 'ERR_PTP_TRANSPORT',
  Timeout: 'ERR_PTP_TIMEOUT',
  Aborted: 'ERR_PTP_ABORTED',
  Session: 'ERR_PTP_SESSION',
} as const;
export type PtpErrorCode = (typeof PtpErrorCode)[keyof typeof PtpErrorCode];

/** Base class of every ptpts error. */
export abstract class PtpError extends Error {
  abstract readonly code: PtpErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What a failed operation was, for error messages and for callers that retry. */
export interface OperationContext {
  /** Operation code, e.g. 0x1009. */
  readonly operationCode: number;
  /** Human name such as `GetObject`, from the active code tables. */
  readonly operationName: string;
  readonly transactionId: number;
}

/** The device answered an operation with a response code other than OK. */
export class PtpResponseError extends PtpError {
  readonly code: PtpErrorCode = PtpErrorCode.Response;
  readonly responseCode: number;
  readonly responseName: string;
  readonly operationCode: number;
  readonly operationName: string;
  readonly transactionId: number;
  /** Response parameters, which some responses use to say which parameter was wrong. */
  readonly params: readonly number[];
  constructor(
    init: OperationContext & { responseCode: number; responseName: string; params?: readonly number[] },
  ) {
    super(
      `${init.operationName} (transaction ${init.transactionId}) failed: ` +
        `${hex(init.responseCode)} ${init.responseName}`,
    );
    this.responseCode = init.responseCode;
    this.responseName = init.responseName;
    this.operationCode = init.operationCode;
    this.operationName = init.operationName;
    this.transactionId = init.transactionId;
    this.params = init.params ?? [];
  }
}

/** The device answered 0x2019 DeviceBusy: retrying later usually works. */
export class DeviceBusyError extends PtpResponseError {
  override readonly code: PtpErrorCode = PtpErrorCode.DeviceBusy;
}

/** Bytes that do not follow the protocol: truncated, overlong counts, wrong container types. */
export class ProtocolError extends PtpError {
  readonly code = PtpErrorCode.Protocol;
  /** Dataset field being decoded when the problem was found, e.g. `DeviceInfo.operationsSupported`. */
  readonly field: string | undefined;
  /** Byte offset into the dataset or container where the problem was found. */
  readonly offset: number | undefined;
  constructor(message: string, where: { field?: string; offset?: number } = {}, options?: ErrorOptions) {
    const at =
      where.field !== undefined || where.offset !== undefined
        ? ` (${[where.field, where.offset !== undefined ? `offset ${where.offset}` : undefined]
            .filter((s) => s !== undefined)
            .join(' at ')})`
        : '';
    super(message + at, options);
    this.field = where.field;
    this.offset = where.offset;
  }
}

/** The link to the device failed: closed, unplugged, refused, or an I/O error. */
export class TransportError extends PtpError {
  readonly code = PtpErrorCode.Transport;
}

/** An operation or connection did not complete in the allotted time. */
export class TimeoutError extends PtpError {
  readonly code = PtpErrorCode.Timeout;
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options?: ErrorOptions) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller aborted an operation through its `AbortSignal`. */
export class AbortError extends PtpError {
  readonly code = PtpErrorCode.Aborted;
}

/** Misuse of sessions: an operation that needs a session without one, or a closed camera. */
export class SessionError extends PtpError {
  readonly code = PtpErrorCode.Session;
}

function hex(code: number): string {
  return '0x' + code.toString(16).toUpperCase().padStart(4, '0');
}
