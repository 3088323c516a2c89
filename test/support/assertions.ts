/** Assertions and byte helpers shared by the test files. */
import { expect } from 'chai';
import { ProtocolError, PtpResponseError } from '../../src/core/errors.js';

/** Hex of bytes, for readable comparisons. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Bytes from hex; spaces, '-' and '|' are ignored, so dumps can be laid out by field. */
export const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|-]+/g, ''), 'hex'));

/** Runs `f`, asserts it throws a ProtocolError with the stable code, and returns it. */
export function protocolError(f: () => unknown): ProtocolError {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a ProtocolError to be thrown').to.be.instanceOf(ProtocolError);
  const err = thrown as ProtocolError;
  expect(err.code).to.equal('ERR_PTP_PROTOCOL');
  return err;
}

/** Asserts `promise` rejects with a PtpResponseError carrying response `code`. */
export async function expectResponseCode(promise: Promise<unknown>, code: number): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(PtpResponseError);
    expect((err as PtpResponseError).responseCode.toString(16)).to.equal(code.toString(16));
    return;
  }
  expect.fail(`expected response 0x${code.toString(16)}`);
}
