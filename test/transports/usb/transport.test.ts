/**
 * `UsbTransport` against a scripted fake `USBDevice`: every packet-boundary
 * case of the USB still-image framing, class requests, faults, and an end to
 * end run with the virtual camera behind the fake.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Camera } from '../../../src/camera.js';
import { ContainerType, encodeContainer } from '../../../src/core/container.js';
import { TimeoutError, TransportError } from '../../../src/core/errors.js';
import type { DataSink, OperationRequest, PtpEvent } from '../../../src/core/transport.js';
import { VirtualCamera } from '../../../src/responder/virtual-camera.js';
import { findPtpEndpoints } from '../../../src/transports/usb/endpoints.js';
import { UsbTransport, type UsbTransportOptions } from '../../../src/transports/usb/transport.js';
import { BULK_IN, BULK_OUT, FakeUsbDevice, type FakeDeviceOptions } from './fake-device.js';
import { usbResponderLink } from './usb-responder.js';

const GetObject = 0x1009;
const SendObject = 0x100d;
const OK = 0x2001;

const req = (code: number, transactionId: number, params: number[] = []): OperationRequest => ({ code, sessionId: 1, transactionId, params });
const data = (code: number, tid: number, payload: Uint8Array): Uint8Array => encodeContainer({ type: ContainerType.Data, code, transactionId: tid, payload });
const resp = (tid: number, params: number[] = [], code = OK): Uint8Array => encodeContainer({ type: ContainerType.Response, code, transactionId: tid, params });
const event = (code: number, params: number[] = [], tid = 0xffffffff): Uint8Array => encodeContainer({ type: ContainerType.Event, code, transactionId: tid, params });
const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

function collect(): DataSink & { bytes(): Buffer; starts: Array<bigint | undefined> } {
  const parts: Buffer[] = [];
  const starts: Array<bigint | undefined> = [];
  return { starts, start: (t) => void starts.push(t), write: (c) => void parts.push(Buffer.from(c)), bytes: () => Buffer.concat(parts) };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup(device: FakeDeviceOptions = {}, options: UsbTransportOptions = {}): Promise<{ fake: FakeUsbDevice; t: UsbTransport }> {
  const fake = new FakeUsbDevice(device);
  const t = new UsbTransport(fake.asDevice, { timeoutMs: 2000, cancelTimeoutMs: 1000, ...options });
  cleanups.push(() => t.close());
  await t.open();
  return { fake, t };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('USB transport: endpoints', () => {
  it('finds the still-image interface and its endpoints with their packet sizes', () => {
    const eps = findPtpEndpoints(new FakeUsbDevice({ packetSize: 64 }).asDevice);
    expect(eps).to.deep.include({ kind: 'still-image', interfaceNumber: 0, configurationValue: 1 });
    expect(eps?.bulkIn).to.deep.equal({ endpointNumber: BULK_IN, packetSize: 64 });
    expect(eps?.bulkOut).to.deep.equal({ endpointNumber: BULK_OUT, packetSize: 64 });
    expect(eps?.interruptIn?.endpointNumber).to.equal(3);
  });

  it('finds an MTP device\'s vendor-specific interface by its "MTP" name', async () => {
    const fake = new FakeUsbDevice({ mtpVendorInterface: true, interfaceNumber: 2 });
    expect(findPtpEndpoints(fake.asDevice)?.kind).to.equal('mtp-vendor');
    const t = new UsbTransport(fake.asDevice);
    cleanups.push(() => t.close());
    await t.open();
    expect(fake.calls).to.deep.include({ op: 'claimInterface', iface: 2 });
  });
});

describe('USB transport: open and close', () => {
  it('a camera claimed by another program: the error names the usual culprit and what to do', async () => {
    const fake = new FakeUsbDevice({ claimError: new Error('LIBUSB_ERROR_BUSY') });
    const t = new UsbTransport(fake.asDevice);
    const err = await rejection(t.open());
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/busy: .*(gvfs-gphoto2-volume-monitor|ptpcamerad|WinUSB)/);
    expect(t.isOpen).to.equal(false);
  });

  it('permission denied: the error shows the udev rule to add', async () => {
    const fake = new FakeUsbDevice({ openError: new Error('LIBUSB_ERROR_ACCESS') });
    const err = await rejection(new UsbTransport(fake.asDevice).open());
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/Permission denied.*udev rule.*ID_GPHOTO2/);
  });

  it('does not set the configuration of a configured device', async () => {
    const { fake } = await setup();
    expect(fake.calls.map((c) => c.op)).to.include.members(['open', 'claimInterface']);
    expect(fake.calls.some((c) => c.op === 'selectConfiguration')).to.equal(false);
  });

  it('selects the configuration when none is set', async () => {
    const { fake } = await setup({ configured: false });
    expect(fake.calls).to.deep.include({ op: 'selectConfiguration', value: 1 });
  });

  it('releases the interface and closes the device', async () => {
    const { fake, t } = await setup();
    const disconnects: Array<Error | undefined> = [];
    t.onDisconnect((e) => disconnects.push(e));
    await t.close();
    expect(fake.calls.map((c) => c.op).slice(-2)).to.deep.equal(['releaseInterface', 'close']);
    expect(t.isOpen).to.equal(false);
    expect(disconnects).to.deep.equal([undefined]);
  });
});

describe('USB transport: commands and data out', () => {
  it('sends one container per command and reads the response parameters from its length', async () => {
    const { fake, t } = await setup();
    fake.respond(resp(5, [7, 8]));
    const r = await t.transaction(req(0x1007, 5, [0x10001, 0, 0]));
    expect(r).to.deep.equal({ code: OK, transactionId: 5, params: [7, 8] });
    expect(fake.outTransfers).to.have.length(1);
    expect(Buffer.from(fake.outTransfers[0]!)).to.deep.equal(Buffer.from(encodeContainer({ type: ContainerType.Command, code: 0x1007, transactionId: 5, params: [0x10001, 0, 0] })));
  });

  it('streams header + payload in transfers of the chosen size', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    const payload = bytes(3000);
    fake.respond(resp(2));
    const progress: bigint[] = [];
    await t.transaction(req(SendObject, 2), { dataOut: payload, onProgress: (n) => progress.push(n) });
    const outs = fake.outTransfers.slice(1);
    expect(outs.map((o) => o.length)).to.deep.equal([1024, 1024, 964]); // 12 + 3000 = 3012: no ZLP
    expect(Buffer.from(outs[0]!.subarray(12))).to.deep.equal(Buffer.from(payload.subarray(0, 1012)));
    expect(Buffer.concat(outs.map((o) => Buffer.from(o))).subarray(12)).to.deep.equal(Buffer.from(payload));
    expect(progress.at(-1)).to.equal(3000n);
  });

  it('sends a zero-length packet after a container that is a multiple of the packet size', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    const payload = bytes(1024 - 12);
    fake.respond(resp(3));
    await t.transaction(req(SendObject, 3), { dataOut: { length: payload.length, chunks: [payload.subarray(0, 100), payload.subarray(100)] } });
    expect(fake.outTransfers.slice(1).map((o) => o.length)).to.deep.equal([1024, 0]);
  });

  it('sends no zero-length packet when the container ends mid-packet', async () => {
    const { fake, t } = await setup();
    fake.respond(resp(4));
    await t.transaction(req(SendObject, 4), { dataOut: bytes(100) });
    expect(fake.outTransfers.slice(1).map((o) => o.length)).to.deep.equal([112]);
  });
});

describe('USB transport: data in', () => {
  it('header, data and response in separate packet runs; the sink gets the length first', async () => {
    const { fake, t } = await setup();
    const payload = bytes(100);
    fake.respond(data(GetObject, 1, payload), resp(1));
    const sink = collect();
    const r = await t.transaction(req(GetObject, 1, [1]), { dataIn: sink });
    expect(r.code).to.equal(OK);
    expect(sink.starts).to.deep.equal([100n]);
    expect(sink.bytes()).to.deep.equal(Buffer.from(payload));
  });

  it('an MTP device that sends the header in its own short packet', async () => {
    const { fake, t } = await setup();
    const payload = bytes(2000);
    const c = data(GetObject, 1, payload);
    fake.respondPackets(c.subarray(0, 12));
    fake.respondRaw(c.subarray(12));
    fake.respond(resp(1));
    const sink = collect();
    await t.transaction(req(GetObject, 1), { dataIn: sink });
    expect(sink.bytes()).to.deep.equal(Buffer.from(payload));
  });

  it('data exactly a multiple of 512: the ZLP is expected and swallowed, the next transaction is in step', async () => {
    const { fake, t } = await setup({}, { transferSize: 4096 });
    const payload = bytes(2048 - 12);
    fake.respond(data(GetObject, 1, payload), resp(1));
    expect(fake.bulkIn.packets.filter((p) => p.length === 0)).to.have.length(1); // the fake queued the ZLP
    const sink = collect();
    await t.transaction(req(GetObject, 1), { dataIn: sink });
    expect(sink.bytes()).to.deep.equal(Buffer.from(payload));
    fake.respond(resp(2, [42]));
    expect((await t.transaction(req(0x1001, 2))).params).to.deep.equal([42]);
    expect(fake.bulkIn.packets).to.have.length(0);
  });

  it('a packet-aligned phase longer than one transfer: the ZLP lands in the last transfer', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024, concurrentTransfers: 2 });
    const payload = bytes(4096 - 12);
    fake.respond(data(GetObject, 1, payload), resp(1));
    const sink = collect();
    await t.transaction(req(GetObject, 1), { dataIn: sink });
    expect(sink.bytes()).to.deep.equal(Buffer.from(payload));
    // 1024 (header + data) then 3072 left: 1024, 1024, then 1024 + one packet to take the ZLP.
    expect(fake.inRequests).to.deep.equal([1024, 1024, 1024, 1536, 1024]);
  });

  it('a response glued to the end of the data', async () => {
    const { fake, t } = await setup();
    const payload = bytes(700);
    fake.respondRaw(Buffer.concat([data(GetObject, 1, payload), resp(1, [9])]));
    const sink = collect();
    const r = await t.transaction(req(GetObject, 1), { dataIn: sink });
    expect(sink.bytes()).to.deep.equal(Buffer.from(payload));
    expect(r.params).to.deep.equal([9]);
  });

  it('a response glued to a packet-aligned data phase (a device that skips the ZLP)', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    const payload = bytes(1536 - 12);
    fake.respondRaw(Buffer.concat([data(GetObject, 1, payload), resp(1)]));
    const sink = collect();
    await t.transaction(req(GetObject, 1), { dataIn: sink });
    expect(sink.bytes()).to.deep.equal(Buffer.from(payload));
  });

  it('length 0xFFFFFFFF: reads until a short packet', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    const payload = bytes(5000);
    const c = data(GetObject, 1, payload);
    new DataView(c.buffer, c.byteOffset).setUint32(0, 0xffffffff, true);
    fake.respond(c, resp(1));
    const sink = collect();
    await t.transaction(req(GetObject, 1), { dataIn: sink });
    expect(sink.starts).to.deep.equal([undefined]);
    expect(sink.bytes()).to.deep.equal(Buffer.from(payload));
  });

  it('the device answers with a response and no data: the sink sees nothing', async () => {
    const { fake, t } = await setup();
    fake.respond(resp(1, [], 0x2009));
    const sink = collect();
    expect((await t.transaction(req(GetObject, 1), { dataIn: sink })).code).to.equal(0x2009);
    expect(sink.starts).to.deep.equal([]);
  });

  it('a 3 MiB download into a slow sink keeps at most N transfers in flight', async () => {
    const { fake, t } = await setup({}, { transferSize: 64 * 1024, concurrentTransfers: 3 });
    const payload = bytes(3 * 1024 * 1024);
    fake.respond(data(GetObject, 1, payload), resp(1));
    const parts: Buffer[] = [];
    let maxAhead = 0;
    const sink: DataSink = {
      write: async (c) => {
        parts.push(Buffer.from(c));
        maxAhead = Math.max(maxAhead, fake.bulkIn.waiters.length);
        await new Promise((r) => setTimeout(r, 1));
      },
    };
    await t.transaction(req(GetObject, 1), { dataIn: sink });
    expect(Buffer.concat(parts)).to.deep.equal(Buffer.from(payload));
    expect(fake.bulkIn.maxInFlight).to.be.at.most(3);
    expect(maxAhead).to.be.at.most(3);
    expect(Math.max(...fake.inRequests)).to.equal(64 * 1024);
  });
});

describe('USB transport: events', () => {
  it('delivers interrupt-endpoint events in order during a transaction', async () => {
    const { fake, t } = await setup({ interruptPacketSize: 16 });
    const events: PtpEvent[] = [];
    t.onEvent((e) => events.push(e));
    fake.event(event(0x4002, [0x11], 0)); // 16 bytes: one full packet
    fake.event(event(0x400d, [], 0));
    fake.event(event(0x4004, [1, 2, 3], 0)); // 24 bytes: two packets
    const p = t.transaction(req(0x1001, 1));
    await tick();
    fake.respond(resp(1));
    await p;
    for (let i = 0; i < 10 && events.length < 3; i++) await tick();
    expect(events).to.deep.equal([
      { code: 0x4002, transactionId: 0, params: [0x11] },
      { code: 0x400d, transactionId: 0, params: [] },
      { code: 0x4004, transactionId: 0, params: [1, 2, 3] },
    ]);
  });
});

describe('USB transport: data out, one transfer in flight', () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('sends large transfers one at a time, every byte in order, progress rising to the total', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    fake.outLatencyMs = 3;
    const payload = bytes(10 * 1024);
    const sent: Buffer[] = [];
    fake.onContainer = (c) => {
      sent.push(Buffer.from(c));
      if (c.length > 12 + 100) fake.respond(resp(2));
    };
    const progress: bigint[] = [];
    await t.transaction(req(SendObject, 2), { dataOut: payload, onProgress: (n) => progress.push(n) });
    expect(fake.maxOutInFlight).to.equal(1);
    expect(fake.outTransfers.slice(1).map((o) => o.length)).to.deep.equal([...Array(10).fill(1024), 12]);
    expect(sent.at(-1)!.subarray(12)).to.deep.equal(Buffer.from(payload));
    expect(progress).to.deep.equal([...progress].sort((a, b) => (a < b ? -1 : 1)));
    expect(progress.at(-1)).to.equal(BigInt(payload.length));
  });

  for (const [delta, expected] of [
    [-12, [1024, 1024, 1024, 0]], // 12 + payload = 3072: ends on a packet boundary, so a ZLP follows
    [-11, [1024, 1024, 1024, 1]],
    [-13, [1024, 1024, 1023]],
  ] as const) {
    it(`a ${3 * 1024 + delta}-byte upload: transfers of ${expected.join(', ')}`, async () => {
      const { fake, t } = await setup({}, { transferSize: 1024 });
      fake.outLatencyMs = 2;
      const payload = bytes(3 * 1024 + delta);
      fake.respond(resp(3));
      await t.transaction(req(SendObject, 3), { dataOut: { length: payload.length, chunks: [payload.subarray(0, 700), payload.subarray(700)] } });
      expect(fake.outTransfers.slice(1).map((o) => o.length)).to.deep.equal(expected);
      expect(fake.maxOutInFlight).to.equal(1);
      expect(Buffer.concat(fake.outTransfers.slice(1).map((o) => Buffer.from(o))).subarray(12)).to.deep.equal(Buffer.from(payload));
    });
  }

  it('abort mid-upload: the transfer in flight ends before the Cancel, nothing is sent after it, and no timer is left behind', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    fake.outLatencyMs = 50;
    let inFlightAtCancel: number | undefined;
    let outsAtCancel = 0;
    fake.onCancel = () => {
      inFlightAtCancel = fake.outInFlight;
      outsAtCancel = fake.outTransfers.length;
    };
    const before = timers();
    const controller = new AbortController();
    const pending = rejection(t.transaction(req(SendObject, 5), { dataOut: bytes(8 * 1024), signal: controller.signal }));
    // Abort while the second data transfer is with the device.
    await until(() => fake.outTransfers.length >= 3 && fake.outInFlight >= 1);
    controller.abort(new Error('user abort'));
    expect((await pending as Error).message).to.equal('user abort');
    expect(inFlightAtCancel).to.equal(0);
    expect(fake.outTransfers).to.have.length(outsAtCancel);
    expect(fake.outTransfers).to.have.length(3); // command, two data transfers: none submitted after the abort
    expect(timers()).to.equal(before);
    fake.respond(resp(6, [1]));
    expect(await t.transaction(req(0x1001, 6))).to.deep.equal({ code: OK, transactionId: 6, params: [1] });
  });

  it('a stall in the middle of an upload: the stall is the error, nothing was submitted behind it, the link stays usable', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    fake.outLatencyMs = 2;
    fake.stallOutNumber = 3; // command, first data transfer, then the second stalls
    const before = timers();
    const err = await rejection(t.transaction(req(SendObject, 5), { dataOut: bytes(8 * 1024) }));
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/stalled the bulk OUT endpoint during SendObject \(transaction 5\): data/);
    expect(fake.outTransfers).to.have.length(3);
    expect(fake.calls).to.deep.include({ op: 'clearHalt', direction: 'out', ep: BULK_OUT });
    expect(timers()).to.equal(before);
    expect(t.isOpen).to.equal(true);
    fake.respond(resp(6, [1]));
    expect(await t.transaction(req(0x1001, 6))).to.deep.equal({ code: OK, transactionId: 6, params: [1] });
  });

  it('a source that gives more than it announced fails before the extra bytes are sent', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    const err = await rejection(t.transaction(req(SendObject, 4), { dataOut: { length: 100, chunks: [bytes(100), bytes(5000)] } }));
    expect((err as Error).message).to.match(/gave more than the 100 byte\(s\) it announced/);
    const sentBytes = fake.outTransfers.slice(1).reduce((n, o) => n + o.length, 0);
    expect(sentBytes).to.be.at.most(12 + 100);
  });
});

describe('USB transport: Get Extended Event Data', () => {
  /** An event container announcing `params.length` parameters, cut to its first `keep` bytes. */
  const longEvent = (code: number, params: number[], keep: number): Uint8Array =>
    encodeContainer({ type: ContainerType.Event, code, transactionId: 7, params }).slice(0, keep);
  /** Get Extended Event Data answer: code, transaction ID, count, then (size, bytes) per parameter. */
  const extended = (code: number, tid: number, params: Uint8Array[]): Uint8Array => {
    const out = Buffer.alloc(8 + params.reduce((n, p) => n + 2 + p.length, 0));
    out.writeUInt16LE(code, 0);
    out.writeUInt32LE(tid, 2);
    out.writeUInt16LE(params.length, 6);
    let at = 8;
    for (const p of params) {
      out.writeUInt16LE(p.length, at);
      out.set(p, at + 2);
      at += 2 + p.length;
    }
    return out;
  };
  const u32 = (n: number): Uint8Array => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };

  async function nextEvent(t: UsbTransport): Promise<PtpEvent> {
    return new Promise((resolve) => {
      const off = t.onEvent((e) => {
        off();
        resolve(e);
      });
    });
  }

  it('an event container longer than what came: asks 0x65 (class, interface, IN) and delivers every parameter', async () => {
    const { fake, t } = await setup({ interfaceNumber: 1 });
    fake.extendedEventData = extended(0xc101, 7, [u32(1), u32(2), u32(3), u32(4), u32(5)]);
    const got = nextEvent(t);
    fake.event(longEvent(0xc101, [1, 2, 3, 4, 5], 24)); // length says 32; 24 bytes came, in a short packet
    expect(await got).to.deep.equal({ code: 0xc101, transactionId: 7, params: [1, 2, 3, 4, 5] });
    const ask = fake.calls.find((c) => c.op === 'controlTransferIn');
    expect(ask).to.deep.include({ setup: { requestType: 'class', recipient: 'interface', request: 0x65, value: 0, index: 1 } });
    expect((ask as { length: number }).length).to.be.at.least(32);
  });

  it('parameters of 1 and 2 bytes become numbers; one wider than UINT32 ends the list', async () => {
    const { fake, t } = await setup();
    fake.extendedEventData = extended(0xc102, 9, [Uint8Array.of(0x7f), Uint8Array.of(0x34, 0x12), new Uint8Array(8), u32(4)]);
    const got = nextEvent(t);
    fake.event(longEvent(0xc102, [1, 2, 3, 4, 5], 16));
    expect(await got).to.deep.equal({ code: 0xc102, transactionId: 9, params: [0x7f, 0x1234] });
  });

  it('a device that stalls 0x65: the event is delivered with the parameters that did arrive, and the next one too', async () => {
    const { fake, t } = await setup();
    const events: PtpEvent[] = [];
    t.onEvent((e) => events.push(e));
    fake.event(longEvent(0xc103, [1, 2, 3, 4, 5], 24));
    fake.event(event(0x4002, [42], 0));
    for (let i = 0; i < 50 && events.length < 2; i++) await tick();
    expect(events).to.deep.equal([
      { code: 0xc103, transactionId: 7, params: [1, 2, 3] },
      { code: 0x4002, transactionId: 0, params: [42] },
    ]);
  });

  it('a container cut at a full packet, the rest kept for 0x65: asked for after a short wait, and the events after it arrive intact', async () => {
    const { fake, t } = await setup({ interruptPacketSize: 16 });
    fake.extendedEventData = extended(0xc101, 7, [u32(1), u32(2), u32(3), u32(4), u32(5)]);
    const events: PtpEvent[] = [];
    t.onEvent((e) => events.push(e));
    fake.event(longEvent(0xc101, [1, 2, 3, 4, 5], 16)); // one full packet of a 32-byte container; nothing more comes
    await until(() => events.length === 1);
    expect(fake.calls.filter((c) => c.op === 'controlTransferIn' && c.setup.request === 0x65)).to.have.length(1);
    fake.event(event(0x4002, [42], 0));
    fake.event(event(0x4003, [43], 0));
    await until(() => events.length === 3);
    expect(events).to.deep.equal([
      { code: 0xc101, transactionId: 7, params: [1, 2, 3, 4, 5] },
      { code: 0x4002, transactionId: 0, params: [42] },
      { code: 0x4003, transactionId: 0, params: [43] },
    ]);
  });

  it('a new event container arriving while the rest of a cut one is awaited ends the cut one (0x65) and is delivered itself', async () => {
    const { fake, t } = await setup({ interruptPacketSize: 16 });
    fake.extendedEventData = extended(0xc101, 7, [u32(1), u32(2), u32(3), u32(4), u32(5)]);
    const events: PtpEvent[] = [];
    t.onEvent((e) => events.push(e));
    fake.event(longEvent(0xc101, [1, 2, 3, 4, 5], 16));
    fake.event(event(0x4002, [42], 0)); // 16 bytes: a full packet too, right behind
    await until(() => events.length === 2);
    expect(events).to.deep.equal([
      { code: 0xc101, transactionId: 7, params: [1, 2, 3, 4, 5] },
      { code: 0x4002, transactionId: 0, params: [42] },
    ]);
  });

  it('asks 0x65 for enough bytes for every announced parameter (8 + 6 per parameter)', async () => {
    const { fake, t } = await setup();
    const announced = Array.from({ length: 100 }, (_, i) => i + 1);
    fake.extendedEventData = extended(0xc105, 8, announced.map(u32)); // 8 + 600 bytes
    const got = nextEvent(t);
    // A header announcing 100 parameters and the first three, in a short packet: the rest is on the control pipe.
    const start = Buffer.from(event(0xc105, [1, 2, 3], 8));
    start.writeUInt32LE(12 + 4 * 100, 0);
    fake.event(start);
    expect(await got).to.deep.equal({ code: 0xc105, transactionId: 8, params: announced });
    const ask = fake.calls.find((c) => c.op === 'controlTransferIn' && c.setup.request === 0x65);
    expect((ask as { length: number }).length).to.be.at.least(8 + 6 * 100);
  });

  it('getExtendedEventData() and getDeviceStatus() before open(): a TransportError', async () => {
    const t = new UsbTransport(new FakeUsbDevice().asDevice);
    for (const call of [() => t.getExtendedEventData(), () => t.getDeviceStatus()]) {
      const err = await rejection(call());
      expect(err).to.be.instanceOf(TransportError);
      expect((err as Error).message).to.match(/usb:1234:5678\/FAKE0001 is not open/);
    }
  });

  it('a long container sent whole over full interrupt packets needs no request: all its parameters', async () => {
    const { fake, t } = await setup({ interruptPacketSize: 16 });
    const got = nextEvent(t);
    fake.event(encodeContainer({ type: ContainerType.Event, code: 0xc104, transactionId: 3, params: [1, 2, 3, 4, 5] })); // 32 bytes: two full packets
    expect(await got).to.deep.equal({ code: 0xc104, transactionId: 3, params: [1, 2, 3, 4, 5] });
    expect(fake.calls.some((c) => c.op === 'controlTransferIn')).to.equal(false);
  });
});

describe('USB transport: cancel, stalls, disconnects, timeouts', () => {
  it('abort sends Cancel (0x64) with CancelTransaction + transaction ID, polls status (0x67) until OK, and the next transaction works', async () => {
    const { fake, t } = await setup({}, { transferSize: 1024 });
    const c = data(GetObject, 7, bytes(5000));
    fake.respondRaw(c.subarray(0, 2048), false); // the device stops mid-phase
    fake.statusReplies.push(0x2019, 0x2019);
    const controller = new AbortController();
    const sink: DataSink = { write: () => controller.abort(new Error('enough')) };
    const err = await rejection(t.transaction(req(GetObject, 7), { dataIn: sink, signal: controller.signal }));
    expect((err as Error).message).to.equal('enough');
    const cancel = fake.calls.find((x) => x.op === 'controlTransferOut');
    expect(cancel).to.deep.equal({
      op: 'controlTransferOut',
      setup: { requestType: 'class', recipient: 'interface', request: 0x64, value: 0, index: 0 },
      data: Uint8Array.from([0x01, 0x40, 7, 0, 0, 0]),
    });
    const polls = fake.calls.filter((x) => x.op === 'controlTransferIn');
    expect(polls).to.have.length(3);
    expect(polls[0]).to.deep.include({ setup: { requestType: 'class', recipient: 'interface', request: 0x67, value: 0, index: 0 } });
    fake.respond(resp(8, [1]));
    expect(await t.transaction(req(0x1001, 8))).to.deep.equal({ code: OK, transactionId: 8, params: [1] });
  });

  it('a stall on bulk IN: clear halt, a typed error, and the link stays usable', async () => {
    const { fake, t } = await setup();
    fake.bulkIn.stallNext = true;
    const err = await rejection(t.transaction(req(GetObject, 1), { dataIn: collect() }));
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/stalled the bulk IN endpoint during GetObject \(transaction 1\)/);
    expect(fake.calls).to.deep.include({ op: 'clearHalt', direction: 'in', ep: BULK_IN });
    expect(t.isOpen).to.equal(true);
    fake.respond(resp(2));
    expect((await t.transaction(req(0x1001, 2))).code).to.equal(OK);
  });

  it('a stall on bulk OUT: clear halt and a typed error', async () => {
    const { fake, t } = await setup();
    fake.stallNextOut = true;
    const err = await rejection(t.transaction(req(0x1001, 1)));
    expect(err).to.be.instanceOf(TransportError);
    expect(fake.calls).to.deep.include({ op: 'clearHalt', direction: 'out', ep: BULK_OUT });
  });

  it('a stall on bulk OUT from a device without Get Device Status still cancels the transaction', async () => {
    // QEMU's usb-mtp stalls the ZLP after a packet-aligned upload and answers no status request:
    // without the Cancel it would take the next command as more upload data.
    const { fake, t } = await setup();
    fake.stallNextOut = true;
    fake.stallStatus = true;
    const err = await rejection(t.transaction(req(SendObject, 4), { dataOut: bytes(500) }));
    expect(err).to.be.instanceOf(TransportError);
    expect(fake.calls.some((c) => c.op === 'controlTransferOut' && (c as { setup: USBControlTransferParameters }).setup.request === 0x64)).to.equal(true);
    expect(t.isOpen).to.equal(true);
  });

  it('accepts a response container with a few stray bytes after its last parameter (uMTP-Responder 1.3.10)', async () => {
    const { fake, t } = await setup();
    const short = new Uint8Array(13);
    const v = new DataView(short.buffer);
    v.setUint32(0, 13, true);
    v.setUint16(4, ContainerType.Response, true);
    v.setUint16(6, 0x201e, true); // SessionAlreadyOpen
    v.setUint32(8, 1, true);
    fake.respondRaw(short);
    const r = await t.transaction(req(0x1002, 1, [1]));
    expect(r).to.deep.equal({ code: 0x201e, transactionId: 1, params: [] });
  });

  it('unplugged mid-transfer: TransportError, onDisconnect once, no hang', async () => {
    const { fake, t } = await setup();
    const disconnects: Array<Error | undefined> = [];
    t.onDisconnect((e) => disconnects.push(e));
    const c = data(GetObject, 1, bytes(5000));
    fake.respondRaw(c.subarray(0, 1024), false);
    const p = t.transaction(req(GetObject, 1), { dataIn: collect() });
    await new Promise((r) => setTimeout(r, 10));
    fake.disconnect();
    const err = await rejection(p);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/disconnected/);
    await new Promise((r) => setTimeout(r, 10));
    expect(disconnects).to.have.length(1);
    expect(disconnects[0]).to.be.instanceOf(TransportError);
    expect(t.isOpen).to.equal(false);
    expect(await rejection(t.transaction(req(0x1001, 2)))).to.be.instanceOf(TransportError);
  });

  it('a device that stops answering: TimeoutError naming the operation; a late answer does not shift later transactions', async () => {
    const { fake, t } = await setup({}, { timeoutMs: 100 });
    const err = await rejection(t.transaction(req(0x1007, 3, [0xffffffff])));
    expect(err).to.be.instanceOf(TimeoutError);
    expect((err as Error).message).to.match(/GetObjectHandles \(transaction 3\): response got nothing for 100 ms/);
    expect(t.isOpen).to.equal(true);
    // The device wakes up: the cancelled transaction's late response is skipped.
    fake.respond(resp(3, [], 0x201f));
    fake.respond(resp(4, [5]));
    expect(await t.transaction(req(0x1001, 4))).to.deep.equal({ code: OK, transactionId: 4, params: [5] });
  });

  it('Device Reset sends class request 0x66', async () => {
    const { fake, t } = await setup();
    await t.reset();
    expect(fake.calls.at(-1)).to.deep.equal({
      op: 'controlTransferOut',
      setup: { requestType: 'class', recipient: 'interface', request: 0x66, value: 0, index: 0 },
      data: undefined,
    });
  });
});

describe('USB transport: end to end with the virtual camera', () => {
  it('Camera.open lists storage and downloads a file byte-identical', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'ptpts-usb-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const content = bytes(1024 * 1024 + 500); // several transfers, not packet-aligned
    await writeFile(path.join(root, 'IMG_0001.JPG'), content);
    const vcam = await VirtualCamera.create({ storages: [{ root }] });
    const fake = new FakeUsbDevice();
    vcam.attach(usbResponderLink(fake));
    const camera = await Camera.open({ transport: new UsbTransport(fake.asDevice, { transferSize: 256 * 1024 }) });
    cleanups.push(() => camera.close());
    const session = await camera.openSession();
    cleanups.push(() => session.close());
    const storages = await camera.getStorageIds();
    expect(storages).to.have.length(1);
    const handles = await camera.getObjectHandles(storages[0]!);
    const infos = await Promise.all(handles.map(async (h) => ({ h, info: await camera.getObjectInfo(h) })));
    const file = infos.find((x) => x.info.filename === 'IMG_0001.JPG');
    expect(file).to.not.equal(undefined);
    const got = await camera.getObject(file!.h);
    expect(Buffer.from(got)).to.deep.equal(Buffer.from(content));
  });
});
