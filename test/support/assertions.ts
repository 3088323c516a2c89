/** Assertions and byte helpers shared by the test files. */
import { expect } from 'chai';
import { ProtocolError, PtpResponseError } from '../../src/core/errors.js';

/** Hex of bytes, for readable comparisons. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Bytes from hex; spaces, '-' and '|' are ignored, so dumps can be laid out by field. */
export const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|-]+/g, ''), 'hex'));

/** Where a ProtocolError must point: the field (exactly, or matching a pattern) and the byte offset. */
export interface ProtocolErrorAt {
  readonly field?: string | RegExp;
  readonly offset?: number;
}

/** Runs `f`, asserts it throws a ProtocolError with the stable code (at `at.field` / `at.offset` when given), and returns it. */
export function protocolError(f: () => unknown, at: ProtocolErrorAt = {}): ProtocolError {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a ProtocolError to be thrown').to.be.instanceOf(ProtocolError);
  const err = thrown as ProtocolError;
  expect(err.code).to.equal('ERR_PTP_PROTOCOL');
  if (at.field instanceof RegExp) expect(err.field ?? '').to.match(at.field);
  else if (at.field !== undefined) expect(err.field).to.equal(at.field);
  if (at.offset !== undefined) expect(err.offset).to.equal(at.offset);
  return err;
}

/** How a promise settled, as a value: lets a test hold a call that may fail and look at it later. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Attaches a handler at once (no unhandled rejection) and resolves with the outcome. */
export function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Options of {@link rejectionOf}. */
export interface RejectionOptions {
  /** Fail the test if the promise has not settled after this long (a guard against a hang, not a measurement). */
  readonly withinMs?: number;
  /** What the promise stands for, in failure messages. */
  readonly what?: string;
}

/** Returns what `promise` rejects with, failing the test if it resolves (or hangs past `withinMs`): the one way tests await an expected failure. */
export async function rejectionOf(promise: Promise<unknown>, options: RejectionOptions = {}): Promise<unknown> {
  const what = options.what ?? 'the promise';
  const settled = outcome(promise);
  let o: Outcome<unknown>;
  if (options.withinMs === undefined) {
    o = await settled;
  } else {
    const ms = options.withinMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    const raced = await Promise.race([settled, late]).finally(() => clearTimeout(timer));
    if (raced === undefined) expect.fail(`${what} did not settle within ${ms} ms`);
    o = raced;
  }
  if (o.ok) expect.fail(`expected ${what} to reject, got ${String(o.value)}`);
  return o.error;
}

/** Asserts `promise` rejects with a PtpResponseError carrying response `code`. */
export async function expectResponseCode(promise: Promise<unknown>, code: number): Promise<void> {
  const err = await rejectionOf(promise, { what: `a call that should answer 0x${code.toString(16)}` });
  expect(err).to.be.instanceOf(PtpResponseError);
  expect((err as PtpResponseError).responseCode.toString(16)).to.equal(code.toString(16));
}
