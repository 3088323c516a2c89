/**
 * PTP/IP packets (CIPA DC-005) against byte layouts written out by hand from the
 * spec and from what libgphoto2's ptpip.c puts on the wire
 * (see /work/shared/research/ptpy.md §4 and gphoto2-as-ptpip-client.md).
 */
import { expect } from 'chai';
import {
  DATA_HEADER_SIZE,
  DataPhase,
  decodePacket,
  encodeDataHeader,
  encodePacket,
  InitFailReason,
  PACKET_HEADER_SIZE,
  PacketType,
  PTPIP_VERSION,
  type Packet,
  type PacketFields,
  type PacketTypeCode,
} from '../../../src/transports/ptpip/packets.js';
import { bytes, hex, protocolError } from '../../support/assertions.js';

const u32le = (n: number): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b.toString('hex');
};


/** Splits a whole packet into header fields and payload, checking the length field. */
function split(packet: Uint8Array): { length: number; type: number; payload: Uint8Array } {
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const length = v.getUint32(0, true);
  expect(length, 'length field counts the whole packet').to.equal(packet.length);
  return { length, type: v.getUint32(4, true), payload: packet.subarray(PACKET_HEADER_SIZE) };
}

/** Decodes a whole encoded packet as a receiver would. */
function decodeWhole(packet: Uint8Array): Packet {
  const { type, payload } = split(packet);
  return decodePacket(type, payload);
}

/** encode → golden bytes, and decode(golden) → the fields. */
function golden<T extends PacketTypeCode>(type: T, fields: PacketFields<T>, expectedHex: string): void {
  const wire = bytes(expectedHex);
  expect(hex(encodePacket(type, fields)), 'encoded bytes').to.equal(hex(wire));
  expect(decodeWhole(wire), 'decoded fields').to.deep.equal({ type, ...fields });
}

const GUID = bytes('00112233445566778899aabbccddeeff');

describe('PTP/IP packets', () => {
  describe('constants', () => {
    it('uses the CIPA DC-005 type codes (the same numbers as libgphoto2 ptp.h)', () => {
      expect(PacketType).to.deep.equal({
        InitCommandRequest: 1,
        InitCommandAck: 2,
        InitEventRequest: 3,
        InitEventAck: 4,
        InitFail: 5,
        OperationRequest: 6,
        OperationResponse: 7,
        Event: 8,
        StartData: 9,
        Data: 10,
        Cancel: 11,
        EndData: 12,
        ProbeRequest: 13,
        ProbeResponse: 14,
      });
      expect(InitFailReason).to.deep.equal({ Undefined: 0, RejectedInitiator: 1, Busy: 2, Unspecified: 3 });
      expect(PACKET_HEADER_SIZE).to.equal(8);
      expect(DATA_HEADER_SIZE).to.equal(12);
    });

    it('speaks version 1.0, which goes on the wire as 00 00 01 00 like libgphoto2 (not PTPy 64 00 00 00)', () => {
      expect(PTPIP_VERSION).to.equal(0x00010000);
      const p = encodePacket(PacketType.InitCommandRequest, { guid: GUID, friendlyName: '', protocolVersion: PTPIP_VERSION });
      expect(hex(p.subarray(p.length - 4))).to.equal('00000100');
    });
  });

  describe('golden layouts', () => {
    it('Init Command Request: [len][1][GUID @8][host name UTF-16LE + NUL @24][version], len = 24 + 2(chars+1) + 4', () => {
      const host = 'raspberrypi';
      const len = 24 + 2 * (host.length + 1) + 4;
      expect(len).to.equal(52);
      golden(
        PacketType.InitCommandRequest,
        { guid: GUID, friendlyName: host, protocolVersion: PTPIP_VERSION },
        `34000000 01000000 ${hex(GUID)}
         7200 6100 7300 7000 6200 6500 7200 7200 7900 7000 6900 0000
         00000100`,
      );
      // The name starts at byte 24, right after the GUID.
      const p = encodePacket(PacketType.InitCommandRequest, { guid: GUID, friendlyName: host, protocolVersion: PTPIP_VERSION });
      expect(hex(p.subarray(8, 24))).to.equal(hex(GUID));
      expect(hex(p.subarray(24, 26))).to.equal('7200');
    });

    it('Init Command Request with an empty name still carries the NUL unit', () => {
      golden(
        PacketType.InitCommandRequest,
        { guid: GUID, friendlyName: '', protocolVersion: PTPIP_VERSION },
        `1e000000 01000000 ${hex(GUID)} 0000 00000100`,
      );
    });

    it('Init Command Ack: conn# @8, GUID @12, name @28 (payload offsets 0, 4, 20), then the version', () => {
      golden(
        PacketType.InitCommandAck,
        { connectionNumber: 0x01020304, guid: GUID, friendlyName: 'Cam', protocolVersion: PTPIP_VERSION },
        `28000000 02000000 04030201 ${hex(GUID)} 4300 6100 6d00 0000 00000100`,
      );
    });

    it('Init Event Request is 12 bytes with the connection number @8', () => {
      golden(PacketType.InitEventRequest, { connectionNumber: 0xdeadbeef }, '0c000000 03000000 efbeadde');
    });

    it('Init Event Ack is an 8-byte header only', () => {
      golden(PacketType.InitEventAck, {}, '08000000 04000000');
    });

    it('Init Fail: 12 bytes, reason @8, for each reason', () => {
      for (const [name, reason] of Object.entries(InitFailReason)) {
        const wire = `0c000000 05000000 ${u32le(reason)}`;
        expect(hex(encodePacket(PacketType.InitFail, { reason })), name).to.equal(hex(bytes(wire)));
        expect(decodeWhole(bytes(wire)), name).to.deep.equal({ type: 5, reason });
      }
      // RejectedInitiator (1) and Busy (2) spelled out.
      expect(hex(encodePacket(PacketType.InitFail, { reason: InitFailReason.RejectedInitiator }))).to.equal('0c0000000500000001000000');
      expect(hex(encodePacket(PacketType.InitFail, { reason: InitFailReason.Busy }))).to.equal('0c0000000500000002000000');
    });

    it('Operation Request: len = 18 + 4n, dataphase @8, code u16 @12, TID @14, params @18', () => {
      // OpenSession(1), TID 0, as libgphoto2 sends it: no data phase.
      golden(
        PacketType.OperationRequest,
        { dataPhase: DataPhase.NoDataOrIn, code: 0x1002, transactionId: 0, params: [1] },
        '16000000 06000000 01000000 0210 00000000 01000000',
      );
      // GetDeviceInfo: no params, 18 bytes.
      golden(
        PacketType.OperationRequest,
        { dataPhase: DataPhase.NoDataOrIn, code: 0x1001, transactionId: 1, params: [] },
        '12000000 06000000 01000000 0110 01000000',
      );
      // SendObjectInfo(0x10001, 0xFFFFFFFF): data-out is dataphase 2.
      golden(
        PacketType.OperationRequest,
        { dataPhase: DataPhase.Out, code: 0x100c, transactionId: 0x12345678, params: [0x00010001, 0xffffffff] },
        '1a000000 06000000 02000000 0c10 78563412 01000100 ffffffff',
      );
      // Five params: 38 bytes.
      golden(
        PacketType.OperationRequest,
        { dataPhase: 1, code: 0x9999, transactionId: 7, params: [1, 2, 3, 4, 5] },
        '26000000 06000000 01000000 9999 07000000 01000000 02000000 03000000 04000000 05000000',
      );
    });

    it('Operation Response: len = 14 + 4n, code u16 @8, TID @10, params @14', () => {
      golden(PacketType.OperationResponse, { code: 0x2001, transactionId: 5, params: [] }, '0e000000 07000000 0120 05000000');
      // SendObjectInfo's response: storage, parent, new handle.
      golden(
        PacketType.OperationResponse,
        { code: 0x2001, transactionId: 9, params: [0x00010001, 0xffffffff, 0x0000002a] },
        '1a000000 07000000 0120 09000000 01000100 ffffffff 2a000000',
      );
      golden(
        PacketType.OperationResponse,
        { code: 0x2019, transactionId: 0xffffffff, params: [1, 2, 3, 4, 5] },
        '22000000 07000000 1920 ffffffff 01000000 02000000 03000000 04000000 05000000',
      );
    });

    it('Event with 0..3 params: len = 14 + 4n, code u16 @8, TID @10, params @14', () => {
      golden(PacketType.Event, { code: 0x400d, transactionId: 0xffffffff, params: [] }, '0e000000 08000000 0d40 ffffffff');
      golden(PacketType.Event, { code: 0x4002, transactionId: 3, params: [0x2a] }, '12000000 08000000 0240 03000000 2a000000');
      golden(PacketType.Event, { code: 0x4006, transactionId: 0, params: [0x5001, 2] }, '16000000 08000000 0640 00000000 01500000 02000000');
      golden(
        PacketType.Event,
        { code: 0xc101, transactionId: 0, params: [1, 0x80000000, 0xffffffff] },
        '1a000000 08000000 01c1 00000000 01000000 00000080 ffffffff',
      );
    });

    it('Start Data is 20 bytes: TID @8, u64 total length @12', () => {
      golden(PacketType.StartData, { transactionId: 4, totalLength: 1000n }, '14000000 09000000 04000000 e803000000000000');
      // Unknown length.
      golden(PacketType.StartData, { transactionId: 4, totalLength: 0xffffffffffffffffn }, '14000000 09000000 04000000 ffffffffffffffff');
    });

    it("Start Data as libgphoto2 sends it (TID, u32 size, u32 0) reads as that size", () => {
      expect(decodeWhole(bytes('14000000 09000000 0b000000 00000100 00000000'))).to.deep.equal({
        type: 9,
        transactionId: 11,
        totalLength: 65536n,
      });
    });

    it('Start Data keeps the high 32 bits of the total: 5 GiB round-trips exactly (libgphoto2 drops them)', () => {
      const fiveGiB = 5n * 1024n ** 3n; // 0x1_4000_0000
      const wire = '14000000 09000000 07000000 00000040 01000000';
      golden(PacketType.StartData, { transactionId: 7, totalLength: fiveGiB }, wire);
      const decoded = decodeWhole(bytes(wire));
      expect(decoded.type === PacketType.StartData && decoded.totalLength).to.equal(fiveGiB);
      expect(fiveGiB & 0xffffffffn, 'what a 32-bit reader would see').to.equal(0x40000000n);
      // Largest known value: 2^64 - 2.
      golden(PacketType.StartData, { transactionId: 1, totalLength: 2n ** 64n - 2n }, '14000000 09000000 01000000 feffffffffffffff');
    });

    it('Data / End Data header: length = 12 + payload, type, TID @8; payload @12', () => {
      expect(hex(encodeDataHeader(PacketType.Data, 0x0a0b0c0d, 65536))).to.equal(hex(bytes('0c000100 0a000000 0d0c0b0a')));
      expect(hex(encodeDataHeader(PacketType.EndData, 3, 5))).to.equal(hex(bytes('11000000 0c000000 03000000')));
      expect(hex(encodeDataHeader(PacketType.EndData, 3, 0))).to.equal(hex(bytes('0c000000 0c000000 03000000')));
      // Largest payload a u32 length can announce.
      expect(hex(encodeDataHeader(PacketType.Data, 1, 0xffffffff - 12))).to.equal(hex(bytes('ffffffff 0a000000 01000000')));
    });

    it('a whole Data / End Data packet is its header followed by the payload', () => {
      const payload = bytes('0102030405');
      const whole = encodePacket(PacketType.EndData, { transactionId: 3 }, payload);
      expect(hex(whole)).to.equal(hex(bytes('11000000 0c000000 03000000 0102030405')));
      expect(hex(whole)).to.equal(hex(encodeDataHeader(PacketType.EndData, 3, payload.length)) + hex(payload));
      const data = encodePacket(PacketType.Data, { transactionId: 0xffffffff }, new Uint8Array(0));
      expect(hex(data)).to.equal(hex(bytes('0c000000 0a000000 ffffffff')));
    });

    it('Cancel: 12 bytes, TID @8', () => {
      golden(PacketType.Cancel, { transactionId: 42 }, '0c000000 0b000000 2a000000');
    });

    it('Probe Request / Response: 8 bytes, empty', () => {
      golden(PacketType.ProbeRequest, {}, '08000000 0d000000');
      golden(PacketType.ProbeResponse, {}, '08000000 0e000000');
    });
  });

  describe('friendly names', () => {
    it("encodes 'Caméra 日本' as UTF-16LE units and round-trips it in an Init Command Ack", () => {
      const name = 'Caméra 日本';
      const wire = `${u32le(8 + 4 + 16 + 2 * (name.length + 1) + 4)} 02000000 01000000 ${hex(GUID)}
        4300 6100 6d00 e900 7200 6100 2000 e565 2c67 0000 00000100`;
      golden(PacketType.InitCommandAck, { connectionNumber: 1, guid: GUID, friendlyName: name, protocolVersion: PTPIP_VERSION }, wire);
    });

    it('round-trips names longer than 19 characters (PTPy truncated those) and far longer ones', () => {
      for (const name of ['Canon EOS R5 (Studio A, bench 3)', 'x'.repeat(20), 'Nikon Z 8 — 東京スタジオ '.repeat(12), '📷 camera 📷']) {
        const fields = { connectionNumber: 9, guid: GUID, friendlyName: name, protocolVersion: PTPIP_VERSION };
        const p = encodePacket(PacketType.InitCommandAck, fields);
        expect(p.length).to.equal(28 + 2 * (name.length + 1) + 4);
        expect(decodeWhole(p)).to.deep.equal({ type: PacketType.InitCommandAck, ...fields });
        const req = { guid: GUID, friendlyName: name, protocolVersion: PTPIP_VERSION };
        expect(decodeWhole(encodePacket(PacketType.InitCommandRequest, req))).to.deep.equal({ type: 1, ...req });
      }
    });

    it('refuses to encode a name with an embedded NUL (it would end the name early and shift the version)', () => {
      const err = protocolError(() =>
        encodePacket(PacketType.InitCommandRequest, { guid: GUID, friendlyName: 'a\0b', protocolVersion: PTPIP_VERSION }),
      );
      expect(err.field).to.equal('InitCommandRequest.friendlyName');
    });

    it('decodes the GUID as a copy, not a view of the received bytes', () => {
      const wire = encodePacket(PacketType.InitCommandAck, { connectionNumber: 1, guid: GUID, friendlyName: 'c', protocolVersion: PTPIP_VERSION });
      const decoded = decodeWhole(wire);
      wire.fill(0);
      expect(decoded.type === PacketType.InitCommandAck && hex(decoded.guid)).to.equal(hex(GUID));
    });
  });

  describe('round trips', () => {
    const samples: Packet[] = [
      { type: 1, guid: GUID, friendlyName: 'host', protocolVersion: PTPIP_VERSION },
      { type: 2, connectionNumber: 0xffffffff, guid: new Uint8Array(16).fill(0xff), friendlyName: 'Caméra 日本', protocolVersion: 0x00010001 },
      { type: 3, connectionNumber: 1 },
      { type: 4 },
      { type: 5, reason: InitFailReason.Busy },
      { type: 6, dataPhase: 2, code: 0xffff, transactionId: 0xffffffff, params: [0, 0xffffffff, 2, 3, 4] },
      { type: 7, code: 0x2001, transactionId: 0, params: [7] },
      { type: 8, code: 0x4008, transactionId: 1, params: [1, 2] },
      { type: 9, transactionId: 2, totalLength: 2n ** 40n + 3n },
      { type: 10, transactionId: 3 },
      { type: 11, transactionId: 4 },
      { type: 12, transactionId: 5 },
      { type: 13 },
      { type: 14 },
    ];

    it('covers every packet type', () => {
      expect(samples.map((p) => p.type).sort((a, b) => a - b)).to.deep.equal(Object.values(PacketType).sort((a, b) => a - b));
    });

    for (const sample of samples) {
      it(`type ${sample.type} encode → decode gives the same packet`, () => {
        const { type, ...fields } = sample;
        const wire = encodePacket(type, fields as PacketFields<typeof type>);
        expect(split(wire).type).to.equal(type);
        expect(decodeWhole(wire)).to.deep.equal(sample);
      });
    }
  });

  describe('decodePacket rejects malformed packets', () => {
    it('unknown type: ProtocolError at the type field of the packet', () => {
      for (const type of [0, 15, 0x100, 0xffffffff]) {
        const err = protocolError(() => decodePacket(type, new Uint8Array(0), 1000));
        expect(err.field).to.equal('PtpIpPacket.type');
        expect(err.offset).to.equal(1004);
      }
    });

    it('trailing garbage after a fixed-size packet', () => {
      const cases: [PacketTypeCode, string, number][] = [
        [PacketType.InitEventRequest, '01000000 00', 4],
        [PacketType.InitEventAck, '00', 0],
        [PacketType.InitFail, '01000000 00000000', 4],
        [PacketType.StartData, '01000000 0000000000000000 ff', 12],
        [PacketType.Data, '01000000 aa', 4],
        [PacketType.Cancel, '01000000 0000', 4],
        [PacketType.EndData, '01000000 bb', 4],
        [PacketType.ProbeRequest, '00000000', 0],
        [PacketType.ProbeResponse, '01', 0],
      ];
      for (const [type, payload, fixed] of cases) {
        const err = protocolError(() => decodePacket(type, bytes(payload), 100));
        expect(err.offset, `type ${type}`).to.equal(100 + 8 + fixed);
      }
    });

    it('truncated fixed fields', () => {
      protocolError(() => decodePacket(PacketType.InitEventRequest, bytes('010000')));
      protocolError(() => decodePacket(PacketType.InitFail, new Uint8Array(0)));
      protocolError(() => decodePacket(PacketType.StartData, bytes('01000000 00000000 000000')));
      protocolError(() => decodePacket(PacketType.OperationResponse, bytes('0120 050000')));
      protocolError(() => decodePacket(PacketType.Event, bytes('02')));
      protocolError(() => decodePacket(PacketType.Cancel, new Uint8Array(0)));
    });

    it('an Init Command Request whose name has no NUL terminator names the field', () => {
      // GUID, then "AB" running to the end of the packet.
      const err = protocolError(() => decodePacket(PacketType.InitCommandRequest, bytes(`${hex(GUID)} 4100 4200`)));
      expect(err.field).to.equal('InitCommandRequest.friendlyName');
      const ack = protocolError(() => decodePacket(PacketType.InitCommandAck, bytes(`01000000 ${hex(GUID)} 4100 4200 43`)));
      expect(ack.field).to.equal('InitCommandAck.friendlyName');
    });

    it('an Init Command Request with a name but no room left for the version', () => {
      const err = protocolError(() => decodePacket(PacketType.InitCommandRequest, bytes(`${hex(GUID)} 4100 0000 0000`)));
      expect(err.field).to.equal('InitCommandRequest.protocolVersion');
    });

    it('an Init Command Request cut inside the GUID', () => {
      const err = protocolError(() => decodePacket(PacketType.InitCommandRequest, GUID.subarray(0, 10)));
      expect(err.field).to.equal('InitCommandRequest.guid');
    });

    it('6 params in an Operation Request or Response', () => {
      const params6 = [1, 2, 3, 4, 5, 6].map(u32le).join('');
      const req = protocolError(() => decodePacket(PacketType.OperationRequest, bytes(`01000000 0110 01000000 ${params6}`)));
      expect(req.field).to.equal('OperationRequest.params');
      const res = protocolError(() => decodePacket(PacketType.OperationResponse, bytes(`0120 01000000 ${params6}`)));
      expect(res.field).to.equal('OperationResponse.params');
    });

    it('4 params in an Event', () => {
      const err = protocolError(() => decodePacket(PacketType.Event, bytes(`0240 01000000 ${[1, 2, 3, 4].map(u32le).join('')}`)));
      expect(err.field).to.equal('Event.params');
    });

    it('params that are not whole UINT32s', () => {
      protocolError(() => decodePacket(PacketType.OperationRequest, bytes('01000000 0110 01000000 010000')));
      protocolError(() => decodePacket(PacketType.OperationResponse, bytes('0120 01000000 01')));
      protocolError(() => decodePacket(PacketType.Event, bytes('0240 01000000 0100000002')));
    });
  });

  describe('encodePacket / encodeDataHeader reject what cannot go on the wire', () => {
    it('too many params', () => {
      expect(protocolError(() => encodePacket(PacketType.OperationRequest, { dataPhase: 1, code: 1, transactionId: 1, params: [1, 2, 3, 4, 5, 6] })).field)
        .to.equal('OperationRequest.params');
      protocolError(() => encodePacket(PacketType.OperationResponse, { code: 0x2001, transactionId: 1, params: [1, 2, 3, 4, 5, 6] }));
      expect(protocolError(() => encodePacket(PacketType.Event, { code: 0x4002, transactionId: 1, params: [1, 2, 3, 4] })).field).to.equal('Event.params');
    });

    it('values that do not fit their field', () => {
      protocolError(() => encodePacket(PacketType.OperationRequest, { dataPhase: 1, code: 0x10000, transactionId: 1, params: [] }));
      protocolError(() => encodePacket(PacketType.OperationResponse, { code: 0x2001, transactionId: 2 ** 32, params: [] }));
      protocolError(() => encodePacket(PacketType.Event, { code: 0x4002, transactionId: 1, params: [-1] }));
      protocolError(() => encodePacket(PacketType.StartData, { transactionId: 1, totalLength: 2n ** 64n }));
      protocolError(() => encodePacket(PacketType.StartData, { transactionId: 1, totalLength: -1n }));
    });

    it('a GUID that is not 16 bytes', () => {
      const err = protocolError(() =>
        encodePacket(PacketType.InitCommandRequest, { guid: new Uint8Array(15), friendlyName: 'h', protocolVersion: PTPIP_VERSION }),
      );
      expect(err.field).to.equal('InitCommandRequest.guid');
    });

    it('a Data header whose length would not fit in UINT32 (instead of silently wrapping)', () => {
      // 2^32 bytes of payload would otherwise announce a 12-byte packet.
      protocolError(() => encodeDataHeader(PacketType.Data, 1, 2 ** 32));
      protocolError(() => encodeDataHeader(PacketType.Data, 1, 0xffffffff - 11));
      protocolError(() => encodeDataHeader(PacketType.EndData, 1, -1));
      protocolError(() => encodeDataHeader(PacketType.EndData, 1, 1.5));
      protocolError(() => encodeDataHeader(PacketType.EndData, 2 ** 32, 0));
      protocolError(() => encodeDataHeader(PacketType.EndData, -1, 0));
    });
  });
});
