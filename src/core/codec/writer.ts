import { ProtocolError } from '../errors.js';

/** A growable little-endian buffer: capacity doubles, so encoding is linear in the output size. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): number {
    const at = this.length;
    const needed = at + n;
    if (needed > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < needed) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = needed;
    return at;
  }

  u8(v: number, field = 'UINT8'): this {
    checkInt(v, 0, 0xff, field);
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }
  i8(v: number, field = 'INT8'): this {
    checkInt(v, -0x80, 0x7f, field);
    const at = this.reserve(1);
    this.view.setInt8(at, v);
    return this;
  }
  u16(v: number, field = 'UINT16'): this {
    checkInt(v, 0, 0xffff, field);
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
    return this;
  }
  i16(v: number, field = 'INT16'): this {
    checkInt(v, -0x8000, 0x7fff, field);
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
    return this;
  }
  u32(v: number, field = 'UINT32'): this {
    checkInt(v, 0, 0xffffffff, field);
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
    return this;
  }
  i32(v: number, field = 'INT32'): this {
    checkInt(v, -0x80000000, 0x7fffffff, field);
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
    return this;
  }
  u64(v: bigint, field = 'UINT64'): this {
    checkBig(v, 0n, 0xffffffffffffffffn, field);
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, true);
    return this;
  }
  i64(v: bigint, field = 'INT64'): this {
    checkBig(v, -(1n << 63n), (1n << 63n) - 1n, field);
    const at = this.reserve(8);
    this.view.setBigInt64(at, v, true);
    return this;
  }
  u128(v: bigint, field = 'UINT128'): this {
    checkBig(v, 0n, (1n << 128n) - 1n, field);
    const at = this.reserve(16);
    this.view.setBigUint64(at, v & 0xffffffffffffffffn, true);
    this.view.setBigUint64(at + 8, v >> 64n, true);
    return this;
  }
  i128(v: bigint, field = 'INT128'): this {
    checkBig(v, -(1n << 127n), (1n << 127n) - 1n, field);
    const at = this.reserve(16);
    this.view.setBigUint64(at, v & 0xffffffffffffffffn, true);
    this.view.setBigInt64(at + 8, v >> 64n, true);
    return this;
  }
  bytes(v: Uint8Array): this {
    const at = this.reserve(v.length);
    this.buf.set(v, at);
    return this;
  }
  /** Overwrites a UINT32 already written (for length fields known only at the end). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  /** The bytes written, as a view of the internal buffer (no copy). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function checkInt(v: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError(`value ${String(v)} does not fit (${min}..${max})`, { field });
  }
}

function checkBig(v: bigint, min: bigint, max: bigint, field: string): void {
  if (typeof v !== 'bigint' || v < min || v > max) {
    throw new ProtocolError(`value ${String(v)} does not fit (${min}..${max})`, { field });
  }
}
