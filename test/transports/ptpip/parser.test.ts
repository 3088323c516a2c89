/**
 * The streaming PTP/IP parser fed a realistic TCP byte stream cut every way:
 * whole, byte by byte, at every split point, and in seeded random chunkings.
 * Whatever the cuts, the packets and the data bytes per Data / End Data packet
 * must come out the same, data must be handed on as views of the input, and
 * malformed headers must fail before anything is buffered.
 */
import { expect } from 'chai';
import { ProtocolError } from '../../../src/core/errors.js';
import {
  encodeDataHeader,
  encodePacket,
  InitFailReason,
  PacketType,
  PTPIP_VERSION,
  type Packet,
  type PacketFields,
  type PacketTypeCode,
} from '../../../src/transports/ptpip/packets.js';
import { PtpIpPacketParser, type PacketParserHandlers } from '../../../src/transports/ptpip/parser.js';
import { hex, protocolError } from '../../support/assertions.js';
import { prng } from '../../support/random.js';

type DataType = typeof PacketType.Data | typeof PacketType.EndData;

/** One packet of a test stream. */
type Item = { readonly packet: Packet } | { readonly dataType: DataType; readonly transactionId: number; readonly payload: Uint8Array };

/** What the parser reported, normalised for comparison: data payloads are joined per packet, as hex. */
type Reported = { readonly packet: Packet } | { readonly dataType: DataType; readonly transactionId: number; readonly payload: string };

interface Stream {
  readonly bytes: Uint8Array;
  readonly expected: readonly Reported[];
  /** Stream offsets at which a packet ends (the boundaries). */
  readonly ends: ReadonlySet<number>;
  /** Stream offset of the payload of each data packet, in order. */
  readonly payloadStarts: readonly number[];
}


function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Payload bytes that are not a simple ramp and that contain things looking like packet headers. */
function payloadOf(length: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rnd() * 256);
  // A fake Operation Response header inside the data, which must stay data.
  if (length >= 16) out.set(encodePacket(PacketType.OperationResponse, { code: 0x2001, transactionId: 1, params: [] }).subarray(0, 14), 1);
  return out;
}

function control<T extends PacketTypeCode>(type: T, fields: PacketFields<T>): Item {
  return { packet: { type, ...fields } as Packet };
}

function buildStream(items: readonly Item[]): Stream {
  const parts: Uint8Array[] = [];
  const expected: Reported[] = [];
  const ends = new Set<number>();
  const payloadStarts: number[] = [];
  let at = 0;
  for (const item of items) {
    if ('packet' in item) {
      const { type, ...fields } = item.packet;
      const bytes = encodePacket(type, fields as PacketFields<typeof type>);
      parts.push(bytes);
      at += bytes.length;
      expected.push(item);
    } else {
      parts.push(encodeDataHeader(item.dataType, item.transactionId, item.payload.length), item.payload);
      payloadStarts.push(at + 12);
      at += 12 + item.payload.length;
      expected.push({ dataType: item.dataType, transactionId: item.transactionId, payload: hex(item.payload) });
    }
    ends.add(at);
  }
  return { bytes: concat(parts), expected, ends, payloadStarts };
}

const GUID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

/** A realistic command-channel stream as an initiator receives it: handshake, events, a download, an upload ack. */
function mixedItems(bigPayload: number): Item[] {
  const big = payloadOf(bigPayload, 1);
  const short = payloadOf(17, 2);
  return [
    control(PacketType.InitCommandAck, {
      connectionNumber: 1,
      guid: GUID,
      friendlyName: 'Caméra 日本 — a name longer than nineteen',
      protocolVersion: PTPIP_VERSION,
    }),
    control(PacketType.Event, { code: 0x4002, transactionId: 0xffffffff, params: [0x2a, 0x10001, 3] }),
    control(PacketType.Event, { code: 0x400d, transactionId: 2, params: [] }),
    control(PacketType.StartData, { transactionId: 3, totalLength: BigInt(big.length + short.length) }),
    { dataType: PacketType.Data, transactionId: 3, payload: big },
    { dataType: PacketType.EndData, transactionId: 3, payload: short },
    control(PacketType.OperationResponse, { code: 0x2001, transactionId: 3, params: [0x00010001, 0xffffffff, 0x2a] }),
    control(PacketType.StartData, { transactionId: 4, totalLength: 0n }),
    { dataType: PacketType.EndData, transactionId: 4, payload: new Uint8Array(0) },
    control(PacketType.ProbeRequest, {}),
    control(PacketType.StartData, { transactionId: 5, totalLength: 5n * 1024n ** 3n }),
    { dataType: PacketType.Data, transactionId: 5, payload: new Uint8Array(0) },
    { dataType: PacketType.Data, transactionId: 5, payload: payloadOf(3, 3) },
    control(PacketType.Cancel, { transactionId: 5 }),
    control(PacketType.InitEventAck, {}),
    control(PacketType.OperationResponse, { code: 0x201f, transactionId: 5, params: [] }),
    control(PacketType.InitFail, { reason: InitFailReason.Busy }),
  ];
}

/** Handlers that join data per packet and check that every data piece is a view of the chunk being pushed. */
class Recorder implements PacketParserHandlers {
  readonly reported: Reported[] = [];
  /** Every data call, raw. */
  readonly dataCalls: { chunk: Uint8Array; last: boolean }[] = [];
  #open: { dataType: DataType; transactionId: number; parts: Uint8Array[]; received: number } | undefined;
  #dataPackets = 0;
  /** The chunk being pushed and its offset in the stream; set by `feed`. */
  current: { input: Uint8Array; streamStart: number } | undefined;
  readonly #payloadStarts: readonly number[] | undefined;

  constructor(payloadStarts?: readonly number[]) {
    this.#payloadStarts = payloadStarts;
  }

  packet(packet: Packet): void {
    expect(this.#open, `control packet type ${packet.type} reported inside a data packet`).to.equal(undefined);
    this.reported.push({ packet });
  }

  data(dataType: DataType, transactionId: number, chunk: Uint8Array, last: boolean): void {
    this.dataCalls.push({ chunk, last });
    const open = (this.#open ??= { dataType, transactionId, parts: [], received: 0 });
    // (Plain comparisons first: this runs once per byte in the byte-at-a-time feeds.)
    if (dataType !== open.dataType) expect(dataType, 'type stays the same within one packet').to.equal(open.dataType);
    if (transactionId !== open.transactionId) expect(transactionId, 'transaction ID stays the same within one packet').to.equal(open.transactionId);
    if (chunk.length > 0 && this.current !== undefined && this.#payloadStarts !== undefined) {
      // Zero copy: the piece is the very bytes of the input chunk, at the right place.
      const { input, streamStart } = this.current;
      const streamPos = this.#payloadStarts[this.#dataPackets]! + open.received;
      if (chunk.buffer !== input.buffer) expect.fail('data piece is not a view of the input chunk');
      const at = input.byteOffset + streamPos - streamStart;
      if (chunk.byteOffset !== at) expect(chunk.byteOffset, 'data piece starts where its bytes are in the input').to.equal(at);
    }
    open.parts.push(chunk);
    open.received += chunk.length;
    if (last) {
      this.reported.push({ dataType, transactionId, payload: hex(concat(open.parts)) });
      this.#open = undefined;
      this.#dataPackets++;
    }
  }

  /** Everything reported; fails if a data packet was left without its `last` piece. */
  finish(): Reported[] {
    expect(this.#open, 'a data packet never got its last piece').to.equal(undefined);
    return this.reported;
  }
}

/**
 * Feeds `stream` cut at `cuts` (stream offsets, ascending, repeats give empty chunks).
 * Each chunk is copied into its own ArrayBuffer at a nonzero offset, so views can be told from copies.
 */
function feed(stream: Stream, cuts: readonly number[], parser?: (r: Recorder) => PtpIpPacketParser): Reported[] {
  const recorder = new Recorder(stream.payloadStarts);
  const p = parser?.(recorder) ?? new PtpIpPacketParser(recorder);
  let start = 0;
  for (const end of [...cuts, stream.bytes.length]) {
    const len = end - start;
    const input = new Uint8Array(new ArrayBuffer(len + 7), 3, len);
    input.set(stream.bytes.subarray(start, end));
    recorder.current = { input, streamStart: start };
    p.push(input);
    const boundary = end === 0 || stream.ends.has(end);
    if (p.atPacketBoundary !== boundary) expect(p.atPacketBoundary, `boundary after byte ${end}`).to.equal(boundary);
    start = end;
  }
  return recorder.finish();
}

function expectFeed(stream: Stream, cuts: readonly number[]): void {
  let got: Reported[];
  try {
    got = feed(stream, cuts);
  } catch (e) {
    (e as Error).message = `cuts [${cuts.join(',')}]: ${(e as Error).message}`;
    throw e;
  }
  // Cheap exact comparison first; chai's deep diff only when they differ.
  if (serialize(got) !== expectedText(stream)) expect(got, `cuts [${cuts.join(',')}]`).to.deep.equal(stream.expected);
}

const expectedTexts = new WeakMap<Stream, string>();
function expectedText(stream: Stream): string {
  let text = expectedTexts.get(stream);
  if (text === undefined) expectedTexts.set(stream, (text = serialize(stream.expected)));
  return text;
}

/** Exact text form of reported packets (bigints and byte arrays included). */
function serialize(reported: readonly Reported[]): string {
  return JSON.stringify(reported, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes:${hex(v)}` : v,
  );
}

/** `n` random cut points (sorted, repeats allowed). */
function randomCuts(rnd: () => number, length: number, n: number): number[] {
  return Array.from({ length: n }, () => Math.floor(rnd() * (length + 1))).sort((a, b) => a - b);
}

/** Random chunk sizes, mostly small with some large, including empty chunks. */
function randomChunking(rnd: () => number, length: number): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (;;) {
    const r = rnd();
    const size = r < 0.1 ? 0 : r < 0.6 ? 1 + Math.floor(rnd() * 16) : r < 0.9 ? 1 + Math.floor(rnd() * 1500) : 1 + Math.floor(rnd() * 65536);
    at += size;
    if (at >= length) return cuts;
    cuts.push(at);
  }
}


function header(length: number, type: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, length, true);
  v.setUint32(4, type, true);
  return out;
}

/** A parser whose handlers just collect. */
function collecting(options?: { maxControlPacket?: number }): { parser: PtpIpPacketParser; recorder: Recorder } {
  const recorder = new Recorder();
  return { parser: new PtpIpPacketParser(recorder, options), recorder };
}

describe('PtpIpPacketParser', () => {
  const small = buildStream(mixedItems(300));
  const large = buildStream(mixedItems(100 * 1024));

  describe('chunking does not change what comes out', () => {
    it('whole stream in one chunk', () => {
      expectFeed(small, []);
      expectFeed(large, []);
    });

    it('one byte at a time (atPacketBoundary true exactly between packets)', () => {
      const cuts = (s: Stream): number[] => Array.from({ length: s.bytes.length - 1 }, (_, i) => i + 1);
      expectFeed(small, cuts(small));
      expectFeed(large, cuts(large));
    });

    it('two chunks, split at every offset', () => {
      for (let at = 0; at <= small.bytes.length; at++) expectFeed(small, [at]);
    });

    it('three chunks, two cuts close together around every packet boundary', () => {
      // Cuts within 14 bytes of a boundary, 0..9 bytes apart: splits inside the headers of adjacent packets.
      for (const end of [0, ...small.ends]) {
        for (let i = Math.max(0, end - 14); i <= Math.min(small.bytes.length, end + 14); i++) {
          for (const d of [0, 1, 2, 4, 9]) if (i + d <= small.bytes.length) expectFeed(small, [i, i + d]);
        }
      }
    });

    it('100 KB payload: 300 seeded random split patterns', () => {
      const rnd = prng(0xc0ffee);
      for (let i = 0; i < 300; i++) expectFeed(large, randomCuts(rnd, large.bytes.length, 1 + Math.floor(rnd() * 12)));
    });

    it('random chunkings (sizes 0..64 KiB, seeded)', () => {
      for (let seed = 1; seed <= 60; seed++) {
        const rnd = prng(seed);
        expectFeed(small, randomChunking(rnd, small.bytes.length));
        expectFeed(large, randomChunking(rnd, large.bytes.length));
      }
    });
  });

  describe('streaming without copies', () => {
    it('hands data on as soon as it arrives, as views of the pushed chunk', () => {
      const payload = payloadOf(1000, 9);
      const { parser, recorder } = collecting();
      const first = concat([encodeDataHeader(PacketType.Data, 7, payload.length), payload.subarray(0, 400)]);
      parser.push(first);
      expect(recorder.dataCalls).to.have.length(1);
      const piece = recorder.dataCalls[0]!;
      expect(piece.last).to.equal(false);
      expect(piece.chunk.buffer).to.equal(first.buffer);
      expect(piece.chunk.byteOffset).to.equal(12);
      expect(hex(piece.chunk)).to.equal(hex(payload.subarray(0, 400)));
      expect(parser.atPacketBoundary).to.equal(false);

      const rest = payload.slice(400);
      parser.push(rest);
      expect(recorder.dataCalls).to.have.length(2);
      expect(recorder.dataCalls[1]!.last).to.equal(true);
      expect(recorder.dataCalls[1]!.chunk.buffer).to.equal(rest.buffer);
      expect(recorder.dataCalls[1]!.chunk.length).to.equal(600);
      expect(parser.atPacketBoundary).to.equal(true);
    });

    it('one data call per pushed chunk of a long payload (no gathering, no quadratic re-copying)', () => {
      const payload = payloadOf(64 * 1024, 10);
      const { parser, recorder } = collecting();
      parser.push(encodeDataHeader(PacketType.EndData, 1, payload.length));
      for (let at = 0; at < payload.length; at += 1024) parser.push(payload.subarray(at, at + 1024));
      expect(recorder.dataCalls).to.have.length(64);
      recorder.dataCalls.forEach((c, i) => {
        expect(c.chunk.buffer).to.equal(payload.buffer);
        expect(c.chunk.byteOffset).to.equal(i * 1024);
        expect(c.last).to.equal(i === 63);
      });
    });

    it('decoded control packets do not alias the input (GUID survives the input being reused)', () => {
      const ack = encodePacket(PacketType.InitCommandAck, { connectionNumber: 3, guid: GUID, friendlyName: 'cam', protocolVersion: PTPIP_VERSION });
      for (const cuts of [[], [20], [8]]) {
        const { parser, recorder } = collecting();
        const chunks = [...cuts, ack.length].map((end, i, a) => ack.slice(i === 0 ? 0 : a[i - 1], end));
        for (const c of chunks) parser.push(c);
        for (const c of chunks) c.fill(0);
        const [reported] = recorder.finish();
        expect(reported).to.deep.equal({ packet: { type: 2, connectionNumber: 3, guid: GUID, friendlyName: 'cam', protocolVersion: PTPIP_VERSION } });
      }
    });

    it('a Data header announcing ~4 GiB followed by a few KB: streams those bytes, no error, no allocation of the whole', () => {
      const { parser, recorder } = collecting();
      parser.push(concat([header(0xffffffff, PacketType.Data), Uint8Array.of(9, 0, 0, 0)]));
      const payload = payloadOf(6000, 11);
      for (let at = 0; at < payload.length; at += 1500) parser.push(payload.subarray(at, at + 1500));
      expect(recorder.reported).to.deep.equal([]);
      expect(recorder.dataCalls.every((c) => !c.last)).to.equal(true);
      expect(hex(concat(recorder.dataCalls.map((c) => c.chunk)))).to.equal(hex(payload));
      expect(parser.atPacketBoundary).to.equal(false);
    });

    it('an empty Data / End Data packet gives exactly one empty, last piece', () => {
      const { parser, recorder } = collecting();
      parser.push(encodeDataHeader(PacketType.EndData, 8, 0));
      expect(recorder.dataCalls).to.have.length(1);
      expect(recorder.dataCalls[0]!.chunk.length).to.equal(0);
      expect(recorder.dataCalls[0]!.last).to.equal(true);
      expect(recorder.finish()).to.deep.equal([{ dataType: PacketType.EndData, transactionId: 8, payload: '' }]);
      expect(parser.atPacketBoundary).to.equal(true);
    });
  });

  describe('atPacketBoundary', () => {
    it('is true at the start, false inside a header, a control body or a payload', () => {
      const { parser } = collecting();
      expect(parser.atPacketBoundary).to.equal(true);
      const resp = encodePacket(PacketType.OperationResponse, { code: 0x2001, transactionId: 1, params: [1] });
      parser.push(resp.subarray(0, 3));
      expect(parser.atPacketBoundary, 'inside the header').to.equal(false);
      parser.push(resp.subarray(3, 8));
      expect(parser.atPacketBoundary, 'after the header').to.equal(false);
      parser.push(resp.subarray(8, 12));
      expect(parser.atPacketBoundary, 'inside the body').to.equal(false);
      parser.push(resp.subarray(12));
      expect(parser.atPacketBoundary, 'after the packet').to.equal(true);
      parser.push(encodeDataHeader(PacketType.Data, 1, 2).subarray(0, 8));
      expect(parser.atPacketBoundary, 'between the 8-byte header and the TID of a Data packet').to.equal(false);
      parser.push(Uint8Array.of(1, 0, 0, 0, 0xaa));
      expect(parser.atPacketBoundary, 'inside the payload').to.equal(false);
      parser.push(Uint8Array.of(0xbb));
      expect(parser.atPacketBoundary).to.equal(true);
    });
  });

  describe('malformed streams', () => {
    const resp = encodePacket(PacketType.OperationResponse, { code: 0x2001, transactionId: 1, params: [] }); // 14 bytes

    it('a control packet larger than maxControlPacket fails on its header, before the body is buffered', () => {
      const { parser, recorder } = collecting({ maxControlPacket: 64 });
      parser.push(resp);
      const err = protocolError(() => parser.push(header(65, PacketType.OperationResponse)));
      expect(err.field).to.equal('PtpIpPacket.length');
      expect(err.offset).to.equal(resp.length);
      expect(recorder.reported).to.have.length(1);

      // Exactly the limit is fine.
      const ok = collecting({ maxControlPacket: 64 });
      const at64 = encodePacket(PacketType.InitCommandAck, { connectionNumber: 1, guid: GUID, friendlyName: 'x'.repeat(15), protocolVersion: PTPIP_VERSION });
      expect(at64.length).to.equal(64);
      ok.parser.push(at64);
      expect(ok.recorder.reported).to.have.length(1);
    });

    it('the default limit (1 MiB) rejects a huge control length on the header alone', () => {
      for (const length of [1024 * 1024 + 1, 0xffffffff]) {
        const { parser } = collecting();
        expect(protocolError(() => parser.push(header(length, PacketType.InitCommandAck))).field).to.equal('PtpIpPacket.length');
      }
    });

    it('the limit does not apply to Data / End Data, whose payload is streamed', () => {
      const { parser, recorder } = collecting({ maxControlPacket: 64 });
      const payload = payloadOf(1000, 12);
      parser.push(encodePacket(PacketType.EndData, { transactionId: 2 }, payload));
      expect(recorder.finish()).to.deep.equal([{ dataType: PacketType.EndData, transactionId: 2, payload: hex(payload) }]);
    });

    it('a length field below 8 fails', () => {
      for (const length of [0, 1, 7]) {
        const { parser } = collecting();
        parser.push(resp);
        const err = protocolError(() => parser.push(header(length, PacketType.ProbeRequest)));
        expect(err.field).to.equal('PtpIpPacket.length');
        expect(err.offset).to.equal(resp.length);
      }
    });

    it('a Data / End Data length below 12 fails', () => {
      for (const type of [PacketType.Data, PacketType.EndData]) {
        for (const length of [0, 8, 11]) {
          const { parser, recorder } = collecting();
          const err = protocolError(() => parser.push(concat([resp, header(length, type), Uint8Array.of(1, 0, 0, 0)])));
          expect(err.field).to.equal('PtpIpPacket.length');
          expect(err.offset).to.equal(resp.length);
          expect(recorder.dataCalls).to.deep.equal([]);
        }
      }
    });

    it('an unknown type fails with the stream offset of its type field, however the bytes arrive', () => {
      for (const type of [0, 15, 0x100, 0xffffffff]) {
        const bad = concat([resp, resp, header(12, type), Uint8Array.of(0, 0, 0, 0)]);
        // Whole, and one byte at a time.
        const whole = collecting();
        const err = protocolError(() => whole.parser.push(bad));
        expect(err.field).to.equal('PtpIpPacket.type');
        expect(err.offset).to.equal(2 * resp.length + 4);
        expect(whole.recorder.reported).to.have.length(2);

        const bytewise = collecting();
        const at = 2 * resp.length + 8;
        for (let i = 0; i < at - 1; i++) bytewise.parser.push(bad.subarray(i, i + 1));
        expect(protocolError(() => bytewise.parser.push(bad.subarray(at - 1, at))).offset).to.equal(2 * resp.length + 4);
      }
    });

    it('a malformed control body fails (6 params in an Operation Response)', () => {
      const body = Uint8Array.from(Buffer.from('0120 01000000 010000000200000003000000040000000500000006000000'.replace(/ /g, ''), 'hex'));
      for (const cut of [0, 5, 8, 20]) {
        const { parser, recorder } = collecting();
        const bytes = concat([header(8 + body.length, PacketType.OperationResponse), body]);
        expect(protocolError(() => {
          parser.push(bytes.subarray(0, cut));
          parser.push(bytes.subarray(cut));
        }).field).to.equal('OperationResponse.params');
        expect(recorder.reported).to.deep.equal([]);
      }
    });

    it('after a ProtocolError every further push throws, even with valid bytes, and nothing more is reported', () => {
      const { parser, recorder } = collecting();
      protocolError(() => parser.push(concat([resp, header(4, PacketType.Event)])));
      expect(recorder.reported).to.have.length(1);
      protocolError(() => parser.push(resp));
      protocolError(() => parser.push(new Uint8Array(0)));
      protocolError(() => parser.push(encodePacket(PacketType.EndData, { transactionId: 1 }, Uint8Array.of(1))));
      expect(recorder.reported).to.have.length(1);
      expect(recorder.dataCalls).to.have.length(0);
    });
  });
});

describe('PtpIpPacketParser error offsets', () => {
  it('reports a malformed field by its offset in the stream, not in the packet', () => {
    const probe = encodePacket(PacketType.ProbeRequest, {});
    // An Operation Response whose 2 parameter bytes are not whole UINT32s.
    const bad = Uint8Array.from([8 + 8, 0, 0, 0, 7, 0, 0, 0, 0x01, 0x20, 1, 0, 0, 0, 0xaa, 0xbb]);
    const stream = new Uint8Array(probe.length + bad.length);
    stream.set(probe);
    stream.set(bad, probe.length);
    const parser = new PtpIpPacketParser({ packet: () => undefined, data: () => undefined });
    let caught: unknown;
    try {
      parser.push(stream);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ProtocolError);
    // params start after the 8-byte header and code + transaction ID (6 bytes) of the second packet.
    expect((caught as ProtocolError).offset).to.equal(probe.length + 8 + 6);
    expect((caught as ProtocolError).field).to.contain('params');
  });
});
