import { expect } from 'chai';
import {
  DataType,
  codecForDataType,
  dataTypeName,
  decodeValue,
  encodeValue,
  type PtpValue,
} from '../../../src/core/codec/datatypes.js';
import { formatPtpDateTime, parsePtpDateTime, ptpDateTimeToDate } from '../../../src/core/codec/datetime.js';
import { ByteReader } from '../../../src/core/codec/reader.js';
import { ptpString } from '../../../src/core/codec/schema.js';
import { ByteWriter } from '../../../src/core/codec/writer.js';
import { bytes, hex, protocolError } from '../../support/assertions.js';



interface Scalar {
  readonly name: keyof typeof DataType;
  readonly size: number;
  readonly min: number | bigint;
  readonly max: number | bigint;
}

const SCALARS: readonly Scalar[] = [
  { name: 'INT8', size: 1, min: -128, max: 127 },
  { name: 'UINT8', size: 1, min: 0, max: 255 },
  { name: 'INT16', size: 2, min: -32768, max: 32767 },
  { name: 'UINT16', size: 2, min: 0, max: 65535 },
  { name: 'INT32', size: 4, min: -(2 ** 31), max: 2 ** 31 - 1 },
  { name: 'UINT32', size: 4, min: 0, max: 2 ** 32 - 1 },
  { name: 'INT64', size: 8, min: -(2n ** 63n), max: 2n ** 63n - 1n },
  { name: 'UINT64', size: 8, min: 0n, max: 2n ** 64n - 1n },
  { name: 'INT128', size: 16, min: -(2n ** 127n), max: 2n ** 127n - 1n },
  { name: 'UINT128', size: 16, min: 0n, max: 2n ** 128n - 1n },
];

const isBig = (s: Scalar): boolean => typeof s.min === 'bigint';
const minus1 = (v: number | bigint): number | bigint => (typeof v === 'bigint' ? v - 1n : v - 1);
const plus1 = (v: number | bigint): number | bigint => (typeof v === 'bigint' ? v + 1n : v + 1);
/** A small in-range value of the scalar's JS type. */
const one = (s: Scalar): number | bigint => (isBig(s) ? 1n : 1);

/** Two's-complement little-endian bytes of `v` in `size` bytes, computed independently of the codec. */
function leBytes(v: number | bigint, size: number): string {
  let x = BigInt(v);
  if (x < 0n) x += 1n << BigInt(size * 8);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return hex(Uint8Array.from(out));
}

describe('PTP datatypes', () => {
  describe('scalars', () => {
    for (const s of SCALARS) {
      const code = DataType[s.name];
      describe(s.name, () => {
        it(`round-trips min, max, 0 and 1 as ${s.size}-byte little-endian ${isBig(s) ? 'bigint' : 'number'}s`, () => {
          const zero = isBig(s) ? 0n : 0;
          for (const v of [s.min, s.max, zero, one(s)]) {
            const enc = encodeValue(code, v as PtpValue);
            expect(enc.length, `size of ${String(v)}`).to.equal(s.size);
            expect(hex(enc), `bytes of ${String(v)}`).to.equal(leBytes(v, s.size));
            const dec = decodeValue(code, enc);
            expect(typeof dec).to.equal(isBig(s) ? 'bigint' : 'number');
            expect(dec).to.equal(v);
          }
        });

        it('rejects values just outside its range with ProtocolError', () => {
          for (const v of [minus1(s.min), plus1(s.max)]) {
            const err = protocolError(() => encodeValue(code, v as PtpValue));
            expect(err.field).to.equal(s.name);
          }
        });

        it(`rejects a ${isBig(s) ? 'number' : 'bigint'}, a string, null and an array with ProtocolError`, () => {
          const wrongNumeric = isBig(s) ? 1 : 1n;
          for (const v of [wrongNumeric, '1', null, [one(s)]]) {
            protocolError(() => encodeValue(code, v as PtpValue));
          }
        });

        it('throws ProtocolError naming the type when the bytes are one short', () => {
          const err = protocolError(() => decodeValue(code, new Uint8Array(s.size - 1)));
          expect(err.field).to.equal(s.name);
          expect(err.offset).to.equal(0);
        });
      });
    }

    it('rejects non-integral and non-finite numbers', () => {
      for (const v of [1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        protocolError(() => encodeValue(DataType.UINT32, v));
        protocolError(() => encodeValue(DataType.INT16, v));
      }
    });

    it('lays out a few values byte by byte', () => {
      expect(hex(encodeValue(DataType.INT8, -1))).to.equal('ff');
      expect(hex(encodeValue(DataType.INT16, -2))).to.equal('feff');
      expect(hex(encodeValue(DataType.UINT16, 0x1234))).to.equal('3412');
      expect(hex(encodeValue(DataType.UINT32, 0x12345678))).to.equal('78563412');
      expect(hex(encodeValue(DataType.INT32, -0x12345678))).to.equal('88a9cbed');
      expect(hex(encodeValue(DataType.UINT64, 0x0102030405060708n))).to.equal('0807060504030201');
      expect(hex(encodeValue(DataType.INT64, -1n))).to.equal('ffffffffffffffff');
      // The low 64-bit half comes first.
      expect(hex(encodeValue(DataType.UINT128, (1n << 64n) | 2n))).to.equal('0200000000000000' + '0100000000000000');
      expect(hex(encodeValue(DataType.INT128, -(2n ** 127n)))).to.equal('00'.repeat(15) + '80');
      expect(hex(encodeValue(DataType.INT128, -2n))).to.equal('fe' + 'ff'.repeat(15));
      expect(decodeValue(DataType.INT128, bytes('fe' + 'ff'.repeat(15)))).to.equal(-2n);
      expect(decodeValue(DataType.UINT128, bytes('ff'.repeat(16)))).to.equal(2n ** 128n - 1n);
    });

    it('decodes 64-bit values above 2^53 exactly', () => {
      const v = 2n ** 53n + 1n;
      expect(decodeValue(DataType.UINT64, encodeValue(DataType.UINT64, v))).to.equal(v);
      expect(decodeValue(DataType.INT64, encodeValue(DataType.INT64, -v))).to.equal(-v);
    });

    it('UNDEF is no bytes and decodes as null', () => {
      expect(encodeValue(DataType.UNDEF, null)).to.have.lengthOf(0);
      expect(decodeValue(DataType.UNDEF, new Uint8Array(0))).to.equal(null);
    });

    it('an unknown datatype code is a ProtocolError, both ways', () => {
      for (const code of [0x000b, 0x4000, 0x400b, 0x8001, 0xfffe]) {
        protocolError(() => decodeValue(code, new Uint8Array(16)));
        protocolError(() => encodeValue(code, 1));
        protocolError(() => codecForDataType(code));
      }
      expect(dataTypeName(0x000b)).to.equal('0x000b');
      expect(dataTypeName(DataType.AUINT16)).to.equal('AUINT16');
    });
  });

  describe('arrays', () => {
    for (const s of SCALARS) {
      const name = `A${s.name}` as keyof typeof DataType;
      const code = DataType[name];
      it(`${name}: round-trips [] and [min, max, 1] with a UINT32 count`, () => {
        expect(hex(encodeValue(code, []))).to.equal('00000000');
        expect(decodeValue(code, bytes('00000000'))).to.deep.equal([]);
        const values = [s.min, s.max, one(s)] as PtpValue;
        const enc = encodeValue(code, values);
        expect(enc.length).to.equal(4 + 3 * s.size);
        expect(hex(enc)).to.equal('03000000' + leBytes(s.min, s.size) + leBytes(s.max, s.size) + leBytes(one(s), s.size));
        expect(decodeValue(code, enc)).to.deep.equal(values);
      });

      it(`${name}: rejects a scalar, an out-of-range element and an element of the wrong JS type`, () => {
        protocolError(() => encodeValue(code, one(s) as PtpValue));
        protocolError(() => encodeValue(code, [one(s), plus1(s.max)] as PtpValue));
        protocolError(() => encodeValue(code, [one(s), isBig(s) ? 1 : 1n] as PtpValue));
        protocolError(() => encodeValue(code, 'abc'));
      });
    }

    it('lays out an AUINT16 byte by byte', () => {
      expect(hex(encodeValue(DataType.AUINT16, [1, 0x0203, 0xffff]))).to.equal('03000000' + '0100' + '0302' + 'ffff');
      expect(decodeValue(DataType.AINT8, bytes('02000000 ff 80'))).to.deep.equal([-1, -128]);
    });

    it('encodes arrays far larger than the writer starts with', () => {
      // encodeValue starts with a 16-byte buffer; growing it must keep every byte.
      const values = Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 0);
      const enc = encodeValue(DataType.AUINT32, values);
      expect(enc.length).to.equal(4 + 4 * values.length);
      expect(decodeValue(DataType.AUINT32, enc)).to.deep.equal(values);
      const big = Array.from({ length: 300 }, (_, i) => (1n << 100n) + BigInt(i));
      expect(decodeValue(DataType.AUINT128, encodeValue(DataType.AUINT128, big))).to.deep.equal(big);
    });

    it('a count of 0xFFFFFFFF with 4 bytes left is a ProtocolError, before anything is allocated', () => {
      for (const code of [DataType.AUINT8, DataType.AINT16, DataType.AUINT32, DataType.AUINT64, DataType.AUINT128]) {
        const err = protocolError(() => decodeValue(code, bytes('ffffffff 00000000')));
        expect(err.field).to.equal(dataTypeName(code));
      }
    });

    it('a count one element too large is a ProtocolError', () => {
      protocolError(() => decodeValue(DataType.AUINT16, bytes('03000000 0100 0200')));
      protocolError(() => decodeValue(DataType.AUINT64, bytes('02000000' + '00'.repeat(15))));
    });

    it('a truncated count is a ProtocolError', () => {
      protocolError(() => decodeValue(DataType.AUINT16, bytes('0100')));
      protocolError(() => decodeValue(DataType.AUINT16, new Uint8Array(0)));
    });
  });

  describe('STR', () => {
    const utf16 = (s: string): string => hex(Uint8Array.from(Buffer.from(s, 'utf16le')));

    it('encodes the empty string as the single byte 0', () => {
      expect(hex(encodeValue(DataType.STR, ''))).to.equal('00');
      expect(decodeValue(DataType.STR, bytes('00'))).to.equal('');
    });

    it("encodes 'Canon' as 06, UTF-16LE units, then 00 00", () => {
      expect(hex(encodeValue(DataType.STR, 'Canon'))).to.equal('06' + '43006100' + '6e006f00' + '6e00' + '0000');
      expect(decodeValue(DataType.STR, encodeValue(DataType.STR, 'Canon'))).to.equal('Canon');
    });

    it('counts UTF-16 code units, not characters, for non-ASCII text', () => {
      const cases: [string, number][] = [
        ['é', 1],
        ['日本', 2],
        ['😀', 2], // a surrogate pair
        ['Café 日本 😀!', 11],
      ];
      for (const [s, units] of cases) {
        const enc = encodeValue(DataType.STR, s);
        expect(enc[0], s).to.equal(units + 1);
        expect(hex(enc), s).to.equal(hex(Uint8Array.of(units + 1)) + utf16(s) + '0000');
        expect(decodeValue(DataType.STR, enc), s).to.equal(s);
      }
      expect(hex(encodeValue(DataType.STR, '😀'))).to.equal('03' + '3dd8' + '00de' + '0000');
    });

    it('accepts 254 units (length byte 255) and rejects 255', () => {
      const max = 'x'.repeat(253) + 'é';
      const enc = encodeValue(DataType.STR, max);
      expect(enc.length).to.equal(1 + 255 * 2);
      expect(enc[0]).to.equal(255);
      expect(decodeValue(DataType.STR, enc)).to.equal(max);
      protocolError(() => encodeValue(DataType.STR, 'x'.repeat(255)));
      // 127 surrogate pairs are 254 units; one more pair is 256.
      expect(decodeValue(DataType.STR, encodeValue(DataType.STR, '😀'.repeat(127)))).to.equal('😀'.repeat(127));
      protocolError(() => encodeValue(DataType.STR, '😀'.repeat(128)));
    });

    it('decoding stops at the first NUL unit', () => {
      // Length 5: "A", NUL, "B", "C", NUL — devices pad with garbage after the terminator.
      expect(decodeValue(DataType.STR, bytes('05 4100 0000 4200 4300 0000'))).to.equal('A');
      // A string whose first unit is NUL is empty.
      expect(decodeValue(DataType.STR, bytes('03 0000 4100 0000'))).to.equal('');
      // A 1-unit string holding only the terminator is empty too.
      expect(decodeValue(DataType.STR, bytes('01 0000'))).to.equal('');
      // A NUL byte that is half of a unit (here the high byte of 'A') does not end the string.
      expect(decodeValue(DataType.STR, bytes('03 4100 0001 0000'))).to.equal('A\u0100');
    });

    it('decodes a string without a terminator (sloppy devices)', () => {
      expect(decodeValue(DataType.STR, bytes('02 4100 4200'))).to.equal('AB');
    });

    it('reading the following field continues right after the declared length', () => {
      const r = new ByteReader(bytes('03 4100 0000 ffff 3412'));
      expect(ptpString.read(r, 's')).to.equal('A');
      expect(r.u16('next')).to.equal(0x1234);
      expect(r.remaining).to.equal(0);
    });

    it('a length pointing past the buffer is a ProtocolError with field and offset', () => {
      const err = protocolError(() => decodeValue(DataType.STR, bytes('05 4100 4200')));
      expect(err.field).to.equal('STR');
      expect(err.offset).to.equal(1);
      expect(err.message).to.contain('STR');

      const r = new ByteReader(bytes('0000 0000 ff 4100'), 4);
      const err2 = protocolError(() => ptpString.read(r, 'Thing.name'));
      expect(err2.field).to.equal('Thing.name');
      expect(err2.offset).to.equal(5);
    });

    it('no length byte at all is a ProtocolError', () => {
      const err = protocolError(() => decodeValue(DataType.STR, new Uint8Array(0)));
      expect(err.offset).to.equal(0);
    });

    it('rejects non-strings on encode', () => {
      for (const v of [5, 5n, null, ['a']] as PtpValue[]) {
        protocolError(() => encodeValue(DataType.STR, v));
        // Also when the STR codec is used directly, as datasets do.
        protocolError(() => ptpString.write(new ByteWriter(), v as unknown as string, 'x'));
      }
    });
  });

  describe('ByteReader / ByteWriter', () => {
    it('ByteReader honours a view into a larger buffer', () => {
      const backing = bytes('aa bb 3412 7856 cc');
      const r = new ByteReader(backing.subarray(2, 6));
      expect(r.u16('a')).to.equal(0x1234);
      expect(r.u16('b')).to.equal(0x5678);
      protocolError(() => r.u8('c'));
    });

    it('ByteWriter grows without losing bytes written before', () => {
      const w = new ByteWriter(16);
      for (let i = 0; i < 1000; i++) w.u8(i & 0xff).u16(i).u32(i * 3).u64(BigInt(i)).i8(-1).i16(-i).i32(-i).i64(-BigInt(i));
      w.bytes(new Uint8Array(100).fill(7));
      const out = w.finish();
      expect(out.length).to.equal(1000 * 30 + 100);
      const r = new ByteReader(out);
      for (let i = 0; i < 1000; i++) {
        expect(r.u8('')).to.equal(i & 0xff);
        expect(r.u16('')).to.equal(i);
        expect(r.u32('')).to.equal(i * 3);
        expect(r.u64('')).to.equal(BigInt(i));
        expect(r.i8('')).to.equal(-1);
        expect(r.i16('')).to.equal(-i);
        expect(r.i32('')).to.equal(-i);
        expect(r.i64('')).to.equal(-BigInt(i));
      }
      expect([...r.bytesView(100, '')].every((b) => b === 7)).to.equal(true);
    });
  });
});

describe('PTP DateTime helpers', () => {
  describe('parsePtpDateTime', () => {
    it("parses '20240131T235959' without tenths or zone", () => {
      expect(parsePtpDateTime('20240131T235959')).to.deep.equal({
        year: 2024, month: 1, day: 31, hour: 23, minute: 59, second: 59,
      });
    });

    it('parses tenths', () => {
      expect(parsePtpDateTime('20240131T235959.5')).to.deep.equal({
        year: 2024, month: 1, day: 31, hour: 23, minute: 59, second: 59, tenths: 5,
      });
      // As the EOS 60D writes ObjectInfo dates.
      expect(parsePtpDateTime('20120202T141654.0')).to.deep.equal({
        year: 2012, month: 2, day: 2, hour: 14, minute: 16, second: 54, tenths: 0,
      });
    });

    it("parses 'Z' as offset 0", () => {
      expect(parsePtpDateTime('20240131T235959Z')).to.deep.equal({
        year: 2024, month: 1, day: 31, hour: 23, minute: 59, second: 59, utcOffsetMinutes: 0,
      });
      expect(parsePtpDateTime('20240131T235959.5Z')?.tenths).to.equal(5);
      expect(parsePtpDateTime('20240131T235959.5Z')?.utcOffsetMinutes).to.equal(0);
    });

    it("parses '+0200' and '-0530' as minutes east of UTC", () => {
      expect(parsePtpDateTime('20240131T235959+0200')?.utcOffsetMinutes).to.equal(120);
      expect(parsePtpDateTime('20240131T235959-0530')?.utcOffsetMinutes).to.equal(-330);
      expect(parsePtpDateTime('20240131T235959.3-0530')).to.deep.equal({
        year: 2024, month: 1, day: 31, hour: 23, minute: 59, second: 59, tenths: 3, utcOffsetMinutes: -330,
      });
    });

    it('accepts the odd spellings devices send', () => {
      const base = { year: 2024, month: 1, day: 31, hour: 23, minute: 59, second: 59 };
      expect(parsePtpDateTime('20240131t235959')).to.deep.equal(base);
      expect(parsePtpDateTime('20240131t235959z')).to.deep.equal({ ...base, utcOffsetMinutes: 0 });
      expect(parsePtpDateTime('20240131235959')).to.deep.equal(base);
      expect(parsePtpDateTime('20240131 235959')).to.deep.equal(base);
      expect(parsePtpDateTime('  20240131T235959  ')).to.deep.equal(base);
      expect(parsePtpDateTime('20240131T235959+02:00')).to.deep.equal({ ...base, utcOffsetMinutes: 120 });
      // More than one fractional digit: only tenths are kept.
      expect(parsePtpDateTime('20240131T235959.987')).to.deep.equal({ ...base, tenths: 9 });
      // Trailing junk after a complete date is ignored.
      expect(parsePtpDateTime('20240131T235959xyz')).to.deep.equal(base);
    });

    it('gives undefined for garbage, empty or impossible dates', () => {
      for (const s of [
        '',
        '   ',
        'garbage',
        '2024',
        '20240131T',
        '20240131T2359',
        '2024-01-31T23:59:59',
        'T20240131235959',
        '20241331T000000', // month 13
        '20240001T000000', // month 0
        '20240100T000000', // day 0
        '20240132T000000', // day 32
        '20240230T000000', // 30 February
        '20230229T000000', // 29 February outside a leap year
        '20240131T240100', // past 24:00
        '20240131T256000', // hour 25
        '20240131T236000', // minute 60
        '20240131T235961', // second 61
      ]) {
        expect(parsePtpDateTime(s), JSON.stringify(s)).to.equal(undefined);
      }
    });
  });

  describe('ptpDateTimeToDate', () => {
    it('takes a zoneless time as local time', () => {
      expect(ptpDateTimeToDate('20240131T235959')?.getTime()).to.equal(new Date(2024, 0, 31, 23, 59, 59).getTime());
      expect(ptpDateTimeToDate('20240131T235959.5')?.getTime()).to.equal(new Date(2024, 0, 31, 23, 59, 59, 500).getTime());
    });

    it('applies Z and numeric offsets', () => {
      expect(ptpDateTimeToDate('20240131T235959Z')?.toISOString()).to.equal('2024-01-31T23:59:59.000Z');
      expect(ptpDateTimeToDate('20240131T235959.5Z')?.toISOString()).to.equal('2024-01-31T23:59:59.500Z');
      expect(ptpDateTimeToDate('20240131T235959+0200')?.toISOString()).to.equal('2024-01-31T21:59:59.000Z');
      expect(ptpDateTimeToDate('20240131T235959-0530')?.toISOString()).to.equal('2024-02-01T05:29:59.000Z');
    });

    it('accepts an already-parsed value', () => {
      const parsed = parsePtpDateTime('20240131T235959+0200');
      expect(parsed).to.not.equal(undefined);
      if (parsed !== undefined) expect(ptpDateTimeToDate(parsed)?.toISOString()).to.equal('2024-01-31T21:59:59.000Z');
    });

    it('gives undefined for empty or garbage strings', () => {
      expect(ptpDateTimeToDate('')).to.equal(undefined);
      expect(ptpDateTimeToDate('garbage')).to.equal(undefined);
    });
  });

  describe('formatPtpDateTime', () => {
    const d = new Date(Date.UTC(2024, 0, 31, 23, 59, 59, 567));

    it("writes UTC with 'Z', tenths only on request", () => {
      expect(formatPtpDateTime(d, { zone: 'utc' })).to.equal('20240131T235959Z');
      expect(formatPtpDateTime(d, { zone: 'utc', tenths: true })).to.equal('20240131T235959.5Z');
      // Years below 1000 are zero-padded to four digits.
      const early = new Date(Date.UTC(2000, 2, 4, 3, 2, 1));
      early.setUTCFullYear(5);
      expect(formatPtpDateTime(early, { zone: 'utc' })).to.equal('00050304T030201Z');
    });

    it('writes local time without a zone by default', () => {
      const local = new Date(2024, 6, 4, 9, 8, 7);
      expect(formatPtpDateTime(local)).to.equal('20240704T090807');
    });

    it('round-trips through ptpDateTimeToDate (to the second, or the tenth)', () => {
      const seconds = Math.floor(d.getTime() / 1000) * 1000;
      expect(ptpDateTimeToDate(formatPtpDateTime(d, { zone: 'utc' }))?.getTime()).to.equal(seconds);
      expect(ptpDateTimeToDate(formatPtpDateTime(d, { zone: 'utc', tenths: true }))?.getTime()).to.equal(seconds + 500);
      expect(ptpDateTimeToDate(formatPtpDateTime(d))?.getTime()).to.equal(seconds);
      for (const t of [0, 951782400000 /* 2000-02-29 */, 4102444799000 /* 2099-12-31T23:59:59Z */]) {
        const date = new Date(t);
        expect(ptpDateTimeToDate(formatPtpDateTime(date, { zone: 'utc' }))?.getTime()).to.equal(t);
      }
    });
  });
});
