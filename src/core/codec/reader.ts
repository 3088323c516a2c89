import { ProtocolError } from '../errors.js';

/**
 * A cursor over one dataset. Every read checks the bounds first and throws a
 * {@link ProtocolError} naming the field and offset, so malformed input can never
 * read past the buffer or make us allocate what a bogus count asks for.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Absolute position of the next read. */
  offset: number;
  readonly end: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless `n` more bytes are available for `field`. */
  need(n: number, field: string): void {
    if (n > this.end - this.offset) {
      throw new ProtocolError(`needs ${n} byte(s), only ${this.end - this.offset} left`, {
        field,
        offset: this.offset,
      });
    }
  }

  /** Throws unless `count` elements of `size` bytes each can still be present. */
  needElements(count: number, size: number, field: string): void {
    if (count * size > this.end - this.offset) {
      throw new ProtocolError(
        `count ${count} needs ${count * size} byte(s), only ${this.end - this.offset} left`,
        { field, offset: this.offset },
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }
  i8(field: string): number {
    this.need(1, field);
    return this.view.getInt8(this.offset++);
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }
  i16(field: string): number {
    this.need(2, field);
    const v = this.view.getInt16(this.offset, true);
    this.offset += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }
  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }
  i64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v;
  }
  u128(field: string): bigint {
    this.need(16, field);
    const lo = this.view.getBigUint64(this.offset, true);
    const hi = this.view.getBigUint64(this.offset + 8, true);
    this.offset += 16;
    return (hi << 64n) | lo;
  }
  i128(field: string): bigint {
    this.need(16, field);
    const lo = this.view.getBigUint64(this.offset, true);
    const hi = this.view.getBigInt64(this.offset + 8, true);
    this.offset += 16;
    return (hi << 64n) | lo;
  }
  /** A view (not a copy) of the next `n` bytes. */
  bytesView(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
}
