/**
 * `PtpIpTransport` (the PTP/IP initiator) against scripted fake responders
 * written with `node:net` + the packet codec, and against the real
 * `PtpIpServer` through `startVirtualCamera`.
 *
 * The fake responders speak raw packets, so every test pins what goes over
 * the wire, not only what the API returns. See /work/shared/research/ptpy.md §4
 * for the layouts and the PTPy bugs some of these tests guard against.
 */
import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Camera } from '../../../src/camera.js';
import { OperationCode } from '../../../src/core/codes/operations.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import { AbortError, ProtocolError, TimeoutError, TransportError } from '../../../src/core/errors.js';
import type { DataSink, OperationRequest, PtpEvent } from '../../../src/core/transport.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../../src/responder/start.js';
import { PtpIpInitFailError } from '../../../src/transports/ptpip/errors.js';
import { formatGuid } from '../../../src/transports/ptpip/guid.js';
import {
  DataPhase,
  encodeDataHeader,
  encodePacket,
  InitFailReason,
  PacketType,
} from '../../../src/transports/ptpip/packets.js';
import { PtpIpTransport, type PtpIpTransportOptions } from '../../../src/transports/ptpip/transport.js';
import { outcome, rejectionOf } from '../../support/assertions.js';
import { cleanupAfterEach, Wire, type Got, type PacketOf } from './wire.js';

const MiB = 1024 * 1024;
const STORAGE = 0x00010001;

// ---------------------------------------------------------------- fake peer


/** A scripted PTP/IP responder: accepts connections and hands them to the test. */
class FakeResponder {
  readonly server: Server;
  readonly wires: Wire[] = [];
  readonly #accepted: Wire[] = [];
  #wake: Array<() => void> = [];

  private constructor(server: Server) {
    this.server = server;
    server.on('connection', (socket) => {
      const wire = new Wire(socket);
      this.wires.push(wire);
      this.#accepted.push(wire);
      for (const w of this.#wake.splice(0)) w();
    });
  }

  static async listen(host = '127.0.0.1'): Promise<FakeResponder> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const r = new FakeResponder(server);
    cleanups.push(() => r.close());
    return r;
  }

  get port(): number {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('not listening');
    return a.port;
  }

  async accept(): Promise<Wire> {
    for (;;) {
      const w = this.#accepted.shift();
      if (w !== undefined) return w;
      await new Promise<void>((r) => this.#wake.push(r));
    }
  }

  async close(): Promise<void> {
    for (const w of this.wires) w.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const RESPONDER_GUID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

/** What the fake responder read from both channels of an opening initiator. */
interface InitRequests {
  readonly cmd: Wire;
  readonly evt: Wire;
  readonly init: PacketOf<typeof PacketType.InitCommandRequest>;
  readonly initEvent: PacketOf<typeof PacketType.InitEventRequest>;
}

/** Accepts both channels of an initiator that is opening and reads their Init requests, acking the command one; the Init Event Ack is left to the test. */
async function acceptInitRequests(
  r: FakeResponder,
  options: { connectionNumber?: number; name?: string } = {},
): Promise<InitRequests> {
  const cmd = await r.accept();
  const init = await cmd.expect(PacketType.InitCommandRequest);
  cmd.send(PacketType.InitCommandAck, {
    connectionNumber: options.connectionNumber ?? 7,
    guid: RESPONDER_GUID,
    friendlyName: options.name ?? 'Fake Camera',
    protocolVersion: 0x00010000,
  });
  const evt = await r.accept();
  const initEvent = await evt.expect(PacketType.InitEventRequest);
  return { cmd, evt, init, initEvent };
}

/** Answers both handshakes of an initiator that is opening, and the Probe Request that ends them. */
async function acceptHandshake(r: FakeResponder, options: { connectionNumber?: number; name?: string } = {}): Promise<InitRequests> {
  const got = await acceptInitRequests(r, options);
  got.evt.send(PacketType.InitEventAck, {});
  await answerProbe(got.evt);
  return got;
}

/** Answers the Probe Request the initiator sends on the event channel after the handshake. */
async function answerProbe(evt: Wire): Promise<void> {
  await evt.expect(PacketType.ProbeRequest);
  evt.send(PacketType.ProbeResponse, {});
}

/** A transport to the fake responder, opened; closed after the test. */
async function openTransport(
  r: FakeResponder,
  options: Partial<PtpIpTransportOptions> = {},
): Promise<{ t: PtpIpTransport; cmd: Wire; evt: Wire }> {
  const t = transport({ port: r.port, ...options });
  const opening = t.open();
  const { cmd, evt } = await acceptHandshake(r);
  await opening;
  return { t, cmd, evt };
}

function transport(options: Partial<PtpIpTransportOptions> & { port: number }): PtpIpTransport {
  const t = new PtpIpTransport({ host: '127.0.0.1', connectTimeoutMs: 10_000, ...options });
  cleanups.push(() => t.close());
  return t;
}

const request = (code: number, transactionId: number, params: number[] = []): OperationRequest => ({
  code,
  sessionId: 1,
  transactionId,
  params,
});

// ---------------------------------------------------------------- helpers

const cleanups = cleanupAfterEach();

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

/** A sink that keeps every byte. */
function collectingSink(): DataSink & { starts: Array<bigint | undefined>; bytes(): Buffer } {
  const parts: Buffer[] = [];
  const starts: Array<bigint | undefined> = [];
  return {
    starts,
    start: (total) => void starts.push(total),
    write: (chunk) => void parts.push(Buffer.from(chunk)),
    bytes: () => Buffer.concat(parts),
  };
}

/** A port on which nothing listens (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function canListenOn(host: string): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(0, host, () => s.close(() => resolve(true)));
  });
}

async function virtualCamera(root?: string, host = '127.0.0.1'): Promise<RunningVirtualCamera> {
  const vcam = await startVirtualCamera({ ...(root !== undefined ? { root } : {}), ptpip: { host, port: 0 } });
  cleanups.push(() => vcam.close());
  return vcam;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ptpts-ptpip-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function openCamera(host: string, port: number): Promise<Camera> {
  const camera = await Camera.open({ transport: new PtpIpTransport({ host, port }) });
  cleanups.push(() => camera.close());
  return camera;
}

// ---------------------------------------------------------------- tests

describe('PtpIpTransport', () => {
  describe('handshake', () => {
    it('sends Init Command Request with a stable default GUID, its name and version 00 00 01 00, then Init Event Request with the connection number', async () => {
      const r = await FakeResponder.listen();
      const guids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const t = transport({ port: r.port, friendlyName: 'Test Rig' });
        const opening = outcome(t.open());
        const cmd = await r.accept();
        const init = await cmd.expect(PacketType.InitCommandRequest);
        expect(init.guid).to.have.length(16);
        expect(formatGuid(init.guid)).to.equal(formatGuid(t.guid));
        expect(init.friendlyName).to.equal('Test Rig');
        guids.push(formatGuid(init.guid));

        // Byte level: header, GUID at 8, UTF-16LE name with its NUL, then the version as libgphoto2 sends it.
        const raw = Buffer.concat(cmd.raw);
        const length = raw.readUInt32LE(0);
        const name = Buffer.from('Test Rig\0', 'utf16le');
        expect(length).to.equal(8 + 16 + name.length + 4);
        expect(raw.readUInt32LE(4)).to.equal(PacketType.InitCommandRequest);
        expect(raw.subarray(24, 24 + name.length).equals(name)).to.equal(true);
        expect([...raw.subarray(length - 4, length)]).to.deep.equal([0x00, 0x00, 0x01, 0x00]);

        cmd.send(PacketType.InitCommandAck, {
          connectionNumber: 0x2a + i,
          guid: RESPONDER_GUID,
          friendlyName: 'A responder with a name well over nineteen characters',
          protocolVersion: 0x00010000,
        });
        const evt = await r.accept();
        const initEvent = await evt.expect(PacketType.InitEventRequest);
        expect(initEvent.connectionNumber).to.equal(0x2a + i);
        expect(Buffer.concat(evt.raw).length).to.equal(12);
        evt.send(PacketType.InitEventAck, {});
        await answerProbe(evt);
        const o = await opening;
        expect(o.ok).to.equal(true);
        expect(t.isOpen).to.equal(true);
        expect(t.connectionNumber).to.equal(0x2a + i);
        expect(t.responderName).to.equal('A responder with a name well over nineteen characters');
        expect(formatGuid(t.responderGuid)).to.equal(formatGuid(RESPONDER_GUID));
        await t.close();
      }
      expect(guids[0]).to.equal(guids[1]);
      expect(guids[0]).to.not.equal('0'.repeat(32));
      expect(guids[0]).to.not.equal('f'.repeat(32)); // PTPy's all-0xFF GUID
    });

    it('sends a configured GUID given as hex (with dashes)', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port, guid: '00112233-4455-6677-8899-AABBCCDDEEFF' });
      const opening = outcome(t.open());
      const { init } = await acceptHandshake(r);
      expect(Buffer.from(init.guid).toString('hex')).to.equal('00112233445566778899aabbccddeeff');
      expect((await opening).ok).to.equal(true);
    });

    it('resolves open() only after Init Event Ack', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port });
      let opened = false;
      const opening = outcome(t.open().then(() => (opened = true)));
      const { evt } = await acceptInitRequests(r, { connectionNumber: 1, name: 'x' });
      await ticks(20);
      expect(opened, 'open() resolved before Init Event Ack').to.equal(false);
      expect(t.isOpen).to.equal(false);
      evt.send(PacketType.InitEventAck, {});
      await evt.expect(PacketType.ProbeRequest);
      await ticks(20);
      expect(opened, 'open() resolved before the Probe Response').to.equal(false);
      evt.send(PacketType.ProbeResponse, {});
      expect((await opening).ok).to.equal(true);
      expect(opened).to.equal(true);
      expect(t.isOpen).to.equal(true);
    });

    for (const [reason, hint] of [
      [InitFailReason.RejectedInitiator, /pair|GUID/i],
      [InitFailReason.Busy, /busy/i],
      [InitFailReason.Unspecified, /refused/i],
    ] as const) {
      it(`turns Init Fail reason ${reason} on the command channel into PtpIpInitFailError saying what to do`, async () => {
        const r = await FakeResponder.listen();
        const t = transport({ port: r.port });
        const opening = rejectionOf(t.open());
        const cmd = await r.accept();
        await cmd.expect(PacketType.InitCommandRequest);
        cmd.send(PacketType.InitFail, { reason });
        const err = await opening;
        expect(err).to.be.instanceOf(PtpIpInitFailError);
        expect(err).to.be.instanceOf(TransportError);
        const e = err as PtpIpInitFailError;
        expect(e.code).to.equal('ERR_PTP_TRANSPORT');
        expect(e.reason).to.equal(reason);
        expect(e.message).to.match(hint);
        expect(e.message).to.match(/command/);
        expect(t.isOpen).to.equal(false);
        await cmd.closed; // the initiator let go of the socket
        expect(r.wires).to.have.length(1); // and never opened an event channel
      });
    }

    it('turns Init Fail on the event channel into PtpIpInitFailError and closes both channels', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port });
      const opening = rejectionOf(t.open());
      const { cmd, evt } = await acceptInitRequests(r, { connectionNumber: 3, name: 'x' });
      evt.send(PacketType.InitFail, { reason: InitFailReason.Busy });
      const err = await opening;
      expect(err).to.be.instanceOf(PtpIpInitFailError);
      expect((err as PtpIpInitFailError).reason).to.equal(InitFailReason.Busy);
      expect((err as Error).message).to.match(/event/);
      expect(t.isOpen).to.equal(false);
      await Promise.all([cmd.closed, evt.closed]);
    });

    it('reports a refused connection as TransportError naming the port', async () => {
      const port = await freePort();
      const t = transport({ port });
      const err = await rejectionOf(t.open());
      expect(err).to.be.instanceOf(TransportError);
      expect((err as Error).message).to.include(String(port));
      expect((err as Error).message).to.match(/ECONNREFUSED/);
      expect(t.isOpen).to.equal(false);
    });

    it('times out (TimeoutError) against a port that accepts but never answers', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port, connectTimeoutMs: 200 });
      const err = await rejectionOf(t.open());
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as TimeoutError).timeoutMs).to.equal(200);
      expect(t.isOpen).to.equal(false);
      const cmd = await r.accept();
      await cmd.closed; // the half-open connection is not leaked
    });

    it('rejects open() with TransportError when the responder drops the command channel mid handshake', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port });
      let disconnects = 0;
      t.onDisconnect(() => disconnects++);
      const opening = rejectionOf(t.open());
      const cmd = await r.accept();
      await cmd.expect(PacketType.InitCommandRequest);
      // Half an Init Command Ack, then gone.
      await cmd.write(cmd.bytes(PacketType.InitCommandAck, { connectionNumber: 1, guid: RESPONDER_GUID, friendlyName: 'x', protocolVersion: 0x00010000 }).subarray(0, 13));
      cmd.destroy();
      const err = await opening;
      expect(err).to.be.instanceOf(TransportError);
      expect(t.isOpen).to.equal(false);
      expect(disconnects).to.equal(0); // never open, so no disconnect to report
    });

    it('rejects open() with TransportError when the command channel drops between the two handshakes', async () => {
      const r = await FakeResponder.listen();
      // The pause (a camera quirk option) lets the close land while no handshake step is waiting.
      const t = transport({ port: r.port, quirks: { eventChannelDelayMs: 100 } });
      let disconnects = 0;
      t.onDisconnect(() => disconnects++);
      const opening = outcome(t.open());
      const cmd = await r.accept();
      await cmd.expect(PacketType.InitCommandRequest);
      cmd.send(PacketType.InitCommandAck, { connectionNumber: 1, guid: RESPONDER_GUID, friendlyName: 'x', protocolVersion: 0x00010000 });
      cmd.socket.end();
      await cmd.closed;
      // A responder that still acks the event channel must not make open() succeed on a dead command channel.
      const evt = await r.accept();
      await evt.expect(PacketType.InitEventRequest).catch(() => undefined);
      if (!evt.isClosed) evt.send(PacketType.InitEventAck, {});
      const o = await opening;
      expect(o.ok, 'open() resolved with its command channel closed').to.equal(false);
      expect(!o.ok && o.error).to.be.instanceOf(TransportError);
      expect(t.isOpen).to.equal(false);
      expect(disconnects).to.equal(0);
    });

    it('rejects open() with TransportError when the responder drops the event channel mid handshake', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port });
      const opening = rejectionOf(t.open());
      const { cmd, evt } = await acceptInitRequests(r, { connectionNumber: 1, name: 'x' });
      evt.destroy();
      const err = await opening;
      expect(err).to.be.instanceOf(TransportError);
      expect(err).to.not.be.instanceOf(TimeoutError);
      expect(t.isOpen).to.equal(false);
      await cmd.closed;
    });
  });

  describe('against the real server over IPv6 and host names', () => {
    it('works over IPv6 loopback (::1)', async function () {
      if (!(await canListenOn('::1'))) this.skip(); // no IPv6 loopback on this machine
      const vcam = await virtualCamera(undefined, '::1');
      expect(vcam.server!.address.host).to.equal('::1');
      const t = new PtpIpTransport({ host: '::1', port: vcam.server!.address.port });
      expect(t.description).to.equal(`ptpip://[::1]:${vcam.server!.address.port}`);
      const camera = await Camera.open({ transport: t });
      cleanups.push(() => camera.close());
      expect(camera.deviceInfo.model).to.equal('Virtual Camera');
      expect(t.responderName).to.equal('ptpts Virtual Camera');
      await camera.session(async (c) => expect(await c.getStorageIds()).to.deep.equal([STORAGE]));
    });

    it('works with a host name (localhost)', async () => {
      const vcam = await virtualCamera(undefined, 'localhost');
      const camera = await openCamera('localhost', vcam.server!.address.port);
      expect((camera.transport as PtpIpTransport).description).to.equal(`ptpip://localhost:${vcam.server!.address.port}`);
      await camera.session(async (c) => expect(await c.getStorageIds()).to.deep.equal([STORAGE]));
    });
  });

  describe('framing', () => {
    it('handles a handshake and a data-in response that arrive one byte per TCP write', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port });
      const opening = outcome(t.open());
      const cmd = await r.accept();
      await cmd.expect(PacketType.InitCommandRequest);
      const trickle = async (w: Wire, bytes: Uint8Array): Promise<void> => {
        for (let i = 0; i < bytes.length; i++) {
          await w.write(bytes.subarray(i, i + 1));
          await tick();
        }
      };
      await trickle(cmd, encodePacket(PacketType.InitCommandAck, { connectionNumber: 9, guid: RESPONDER_GUID, friendlyName: 'Slow', protocolVersion: 0x00010000 }));
      const evt = await r.accept();
      await evt.expect(PacketType.InitEventRequest);
      await trickle(evt, encodePacket(PacketType.InitEventAck, {}));
      await evt.expect(PacketType.ProbeRequest);
      await trickle(evt, encodePacket(PacketType.ProbeResponse, {}));
      expect((await opening).ok).to.equal(true);
      expect(t.responderName).to.equal('Slow');

      const payload = randomBytes(300);
      const sink = collectingSink();
      const progress: Array<[bigint, bigint | undefined]> = [];
      const call = outcome(t.transaction(request(OperationCode.GetDeviceInfo, 0), { dataIn: sink, onProgress: (d, n) => progress.push([d, n]) }));
      const op = await cmd.expect(PacketType.OperationRequest);
      expect(op).to.deep.include({ code: OperationCode.GetDeviceInfo, transactionId: 0, dataPhase: DataPhase.NoDataOrIn });
      await trickle(cmd, Buffer.concat([
        encodePacket(PacketType.StartData, { transactionId: 0, totalLength: 300n }),
        encodeDataHeader(PacketType.Data, 0, 100), payload.subarray(0, 100),
        encodeDataHeader(PacketType.EndData, 0, 200), payload.subarray(100),
        encodePacket(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 0, params: [1, 2] }),
      ]));
      const o = await call;
      expect(o.ok).to.equal(true);
      expect(o.ok && o.value).to.deep.equal({ code: ResponseCode.OK, transactionId: 0, params: [1, 2] });
      expect(sink.starts).to.deep.equal([300n]);
      expect(sink.bytes().equals(payload)).to.equal(true);
      expect(progress.at(-1)).to.deep.equal([300n, 300n]);
    });

    it('announces a data-out phase in the Operation Request and sends Start Data, Data and End Data with the TID', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd } = await openTransport(r);
      const payload = randomBytes(3 * MiB + 5);
      const call = outcome(t.transaction(request(OperationCode.SendObject, 4), {
        dataOut: { length: payload.length, chunks: [payload.subarray(0, 10), payload.subarray(10)] },
      }));
      const op = await cmd.expect(PacketType.OperationRequest);
      expect(op).to.deep.include({ dataPhase: DataPhase.Out, code: OperationCode.SendObject, transactionId: 4 });
      const start = await cmd.expect(PacketType.StartData);
      expect(start).to.deep.include({ transactionId: 4, totalLength: BigInt(payload.length) });
      const got: Buffer[] = [];
      for (;;) {
        const d = await cmd.next();
        if (d.kind !== 'data') throw new Error('expected data');
        expect(d.transactionId).to.equal(4);
        got.push(Buffer.from(d.chunk));
        if (d.type === PacketType.EndData && d.last) break;
      }
      expect(Buffer.concat(got).equals(payload)).to.equal(true);
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 4, params: [] });
      expect((await call).ok).to.equal(true);
    });
  });

  describe('data-out lengths', () => {
    for (const [label, announced, actual] of [['shorter', 100, 50], ['longer', 100, 150]] as const) {
      it(`rejects with ProtocolError when a source yields ${label} than its length, never ends the phase, and drops the out-of-step link`, async () => {
        const r = await FakeResponder.listen();
        const { t, cmd } = await openTransport(r);
        let disconnects = 0;
        t.onDisconnect(() => disconnects++);
        const o = await outcome(t.transaction(request(OperationCode.SendObject, 3), {
          dataOut: { length: announced, chunks: [new Uint8Array(actual - 10), new Uint8Array(10)] },
        }));
        expect(o.ok).to.equal(false);
        expect(!o.ok && o.error).to.be.instanceOf(ProtocolError);
        await cmd.closed;
        const got: Got[] = [];
        for (;;) {
          const g = await cmd.next().catch(() => undefined);
          if (g === undefined) break;
          got.push(g);
        }
        // The responder never saw the phase complete, so it cannot store a wrong object.
        expect(got.some((g) => g.kind === 'data' && g.type === PacketType.EndData)).to.equal(false);
        expect(t.isOpen).to.equal(false);
        expect(disconnects).to.equal(1);
      });
    }
  });

  describe('data-in lengths', () => {
    it('rejects with ProtocolError when the data phase is shorter than Start Data announced', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd } = await openTransport(r);
      const call = outcome(t.transaction(request(OperationCode.GetObject, 1, [5]), { dataIn: collectingSink() }));
      await cmd.expect(PacketType.OperationRequest);
      cmd.send(PacketType.StartData, { transactionId: 1, totalLength: 10n });
      cmd.sendData(PacketType.Data, 1, Uint8Array.of(1, 2, 3, 4, 5));
      cmd.sendData(PacketType.EndData, 1, new Uint8Array(0));
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 1, params: [] });
      const o = await call;
      expect(o.ok).to.equal(false);
      expect(!o.ok && o.error).to.be.instanceOf(ProtocolError);
      expect((!o.ok && (o.error as Error).message) || '').to.match(/5 of 10/);
    });

    it('rejects with ProtocolError when the response comes before End Data of a phase nobody cancelled, and stays usable', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd } = await openTransport(r);
      const call = outcome(t.transaction(request(OperationCode.GetObject, 1, [5]), { dataIn: collectingSink() }));
      await cmd.expect(PacketType.OperationRequest);
      cmd.send(PacketType.StartData, { transactionId: 1, totalLength: 10n });
      cmd.sendData(PacketType.Data, 1, Uint8Array.of(1, 2, 3, 4, 5));
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 1, params: [] });
      const o = await call;
      expect(o.ok).to.equal(false);
      expect(!o.ok && o.error).to.be.instanceOf(ProtocolError);
      expect((!o.ok && (o.error as Error).message) || '').to.match(/before End Data/);
      const next = outcome(t.transaction(request(OperationCode.CloseSession, 2)));
      await cmd.expect(PacketType.OperationRequest);
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 2, params: [] });
      expect((await next).ok).to.equal(true);
    });

    it('passes a 64-bit total (2^32 + 5) to sink.start() and progress untruncated, then fails with TransportError when the link drops', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd } = await openTransport(r);
      const sink = collectingSink();
      const progress: Array<[bigint, bigint | undefined]> = [];
      const call = outcome(t.transaction(request(OperationCode.GetObject, 1, [5]), { dataIn: sink, onProgress: (d, n) => progress.push([d, n]) }));
      await cmd.expect(PacketType.OperationRequest);
      cmd.send(PacketType.StartData, { transactionId: 1, totalLength: 2n ** 32n + 5n });
      cmd.sendData(PacketType.Data, 1, new Uint8Array(100));
      while (progress.length === 0) await tick();
      cmd.destroy();
      const o = await call;
      expect(sink.starts).to.deep.equal([4294967301n]);
      expect(progress[0]).to.deep.equal([100n, 4294967301n]);
      expect(o.ok).to.equal(false);
      expect(!o.ok && o.error).to.be.instanceOf(TransportError);
      expect(t.isOpen).to.equal(false);
    });
  });

  describe('events and probes', () => {
    it('delivers events from the event channel in order, also while a transaction is in progress', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd, evt } = await openTransport(r);
      const seen: PtpEvent[] = [];
      let wake: (() => void) | undefined;
      const off = t.onEvent((e) => {
        seen.push(e);
        wake?.();
      });
      const waitFor = async (n: number): Promise<void> => {
        while (seen.length < n) await new Promise<void>((res) => (wake = res));
      };
      for (let i = 0; i < 5; i++) evt.send(PacketType.Event, { code: 0x4002, transactionId: 0xffffffff, params: [i] });
      await waitFor(5);

      const call = outcome(t.transaction(request(OperationCode.InitiateCapture, 2)));
      await cmd.expect(PacketType.OperationRequest);
      // Events while the command waits for its response; the response only goes once they arrived.
      for (let i = 5; i < 10; i++) evt.send(PacketType.Event, { code: 0x4002, transactionId: 2, params: [i, i + 1, i + 2] });
      await waitFor(10);
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 2, params: [] });
      expect((await call).ok).to.equal(true);

      expect(seen.map((e) => e.params[0])).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(seen[7]).to.deep.equal({ code: 0x4002, transactionId: 2, params: [7, 8, 9] });

      off();
      evt.send(PacketType.Event, { code: 0x400d, transactionId: 2, params: [] });
      evt.send(PacketType.ProbeRequest, {});
      await evt.expect(PacketType.ProbeResponse); // the event was processed before the probe
      expect(seen).to.have.length(10);
    });

    it('answers a Probe Request on either channel with a Probe Response', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd, evt } = await openTransport(r);
      cmd.send(PacketType.ProbeRequest, {});
      await cmd.expect(PacketType.ProbeResponse);
      evt.send(PacketType.ProbeRequest, {});
      await evt.expect(PacketType.ProbeResponse);
      // A probe in the middle of a transaction does not disturb it.
      const call = outcome(t.transaction(request(OperationCode.GetStorageIDs, 1), { dataIn: collectingSink() }));
      await cmd.expect(PacketType.OperationRequest);
      cmd.send(PacketType.StartData, { transactionId: 1, totalLength: 4n });
      cmd.send(PacketType.ProbeRequest, {});
      await cmd.expect(PacketType.ProbeResponse);
      cmd.sendData(PacketType.EndData, 1, new Uint8Array(4));
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 1, params: [] });
      expect((await call).ok).to.equal(true);
      expect(t.isOpen).to.equal(true);
    });
  });

  describe('the Probe Request after the handshake, and probe()', () => {
    /** Answers both handshakes but never a probe; resolves with the channels and how long open() took. */
    async function openIgnoringProbes(
      r: FakeResponder,
      t: PtpIpTransport,
      signal?: AbortSignal,
    ): Promise<{ opened: Promise<{ ok: boolean; error?: unknown; ms: number }>; cmd: Wire; evt: Wire }> {
      const started = performance.now();
      const opened = outcome(t.open(signal)).then((o) => ({ ...o, ms: performance.now() - started }));
      const { cmd, evt } = await acceptInitRequests(r, { connectionNumber: 1, name: 'Mute' });
      evt.send(PacketType.InitEventAck, {});
      await evt.expect(PacketType.ProbeRequest);
      return { opened, cmd, evt };
    }

    it('a responder that ignores the probe still gets connected, after the short probe timeout only', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port, probeTimeoutMs: 200 });
      const { opened } = await openIgnoringProbes(r, t);
      const o = await opened;
      expect(o.ok).to.equal(true);
      expect(o.ms).to.be.within(150, 2000);
      expect(t.isOpen).to.equal(true);
    });

    it('probeTimeoutMs 0 still sends the probe but does not wait for its answer', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port, probeTimeoutMs: 0 });
      const { opened } = await openIgnoringProbes(r, t);
      const o = await opened;
      expect(o.ok).to.equal(true);
      expect(o.ms).to.be.below(1000);
    });

    it('probe() on a transport that is not open fails at once with TransportError', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port });
      const started = performance.now();
      expect(await rejectionOf(t.probe({ awaitResponse: true, timeoutMs: 5000 }))).to.be.instanceOf(TransportError);
      const opening = t.open();
      await acceptHandshake(r);
      await opening;
      await t.close();
      expect(await rejectionOf(t.probe({ awaitResponse: true, timeoutMs: 5000 }))).to.be.instanceOf(TransportError);
      expect(await rejectionOf(t.probe())).to.be.instanceOf(TransportError);
      expect(performance.now() - started).to.be.below(3000);
    });

    it('probe() resolves on the Probe Response, times out with TimeoutError, and aborts with AbortError; the link stays up', async () => {
      const r = await FakeResponder.listen();
      const { t, evt } = await openTransport(r);
      const answered = outcome(t.probe({ awaitResponse: true, timeoutMs: 5000 }));
      await evt.expect(PacketType.ProbeRequest);
      evt.send(PacketType.ProbeResponse, {});
      expect((await answered).ok).to.equal(true);

      const started = performance.now();
      const timedOut = await rejectionOf(t.probe({ awaitResponse: true, timeoutMs: 100 }));
      expect(timedOut).to.be.instanceOf(TimeoutError);
      expect(performance.now() - started).to.be.below(2000);
      await evt.expect(PacketType.ProbeRequest);

      const controller = new AbortController();
      const aborted = rejectionOf(t.probe({ awaitResponse: true, timeoutMs: 5000, signal: controller.signal }));
      await evt.expect(PacketType.ProbeRequest);
      controller.abort();
      expect(await aborted).to.be.instanceOf(AbortError);
      expect(t.isOpen).to.equal(true);
    });

    it('the event channel dropped while probe() waits: it rejects with TransportError, the transport disconnects and closes the command channel', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd, evt } = await openTransport(r);
      const disconnects: Array<Error | undefined> = [];
      t.onDisconnect((e) => disconnects.push(e));
      const started = performance.now();
      const probing = rejectionOf(t.probe({ awaitResponse: true, timeoutMs: 5000 }));
      await evt.expect(PacketType.ProbeRequest);
      evt.destroy();
      expect(await probing).to.be.instanceOf(TransportError);
      expect(performance.now() - started).to.be.below(2000);
      expect(t.isOpen).to.equal(false);
      await cmd.closed;
      await ticks(5);
      expect(disconnects).to.have.length(1);
      expect(disconnects[0]).to.be.instanceOf(TransportError);
    });

    it('open(signal) aborted while it waits for the Probe Response rejects with AbortError at once', async () => {
      const r = await FakeResponder.listen();
      const t = transport({ port: r.port, probeTimeoutMs: 3000 });
      const controller = new AbortController();
      const { opened, cmd } = await openIgnoringProbes(r, t, controller.signal);
      setTimeout(() => controller.abort(), 100);
      const o = await opened;
      expect(o.ok).to.equal(false);
      expect(o.error).to.be.instanceOf(AbortError);
      expect(o.ms).to.be.below(1500);
      expect(t.isOpen).to.equal(false);
      await cmd.closed;
    });

    it('open(signal) hands its signal to the quirks\' afterConnect: an abort stops a probe waiting there', async () => {
      const r = await FakeResponder.listen();
      const t = transport({
        port: r.port,
        probeTimeoutMs: 0,
        quirks: { afterConnect: (tr, { signal }) => tr.probe({ awaitResponse: true, timeoutMs: 3000, ...(signal !== undefined ? { signal } : {}) }) },
      });
      const controller = new AbortController();
      const { opened, cmd, evt } = await openIgnoringProbes(r, t, controller.signal);
      await evt.expect(PacketType.ProbeRequest); // the quirk's own probe
      setTimeout(() => controller.abort(), 100);
      const o = await opened;
      expect(o.ok).to.equal(false);
      expect(o.error).to.be.instanceOf(AbortError);
      expect(o.ms).to.be.below(1500);
      expect(t.isOpen).to.equal(false);
      await cmd.closed;
    });
  });

  describe('abort', () => {
    it('sends Cancel with the TID, rejects with the abort reason once TransactionCancelled arrives, and the next transaction works', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd, evt } = await openTransport(r);
      const controller = new AbortController();
      const reason = new AbortError('user pressed stop');
      let written = 0;
      const sink: DataSink = {
        write: (chunk) => {
          written += chunk.length;
          if (!controller.signal.aborted) controller.abort(reason);
        },
      };
      const call = outcome(t.transaction(request(OperationCode.GetObject, 5, [1]), { dataIn: sink, signal: controller.signal }));
      await cmd.expect(PacketType.OperationRequest);
      cmd.send(PacketType.StartData, { transactionId: 5, totalLength: BigInt(10 * MiB) });
      cmd.sendData(PacketType.Data, 5, new Uint8Array(64 * 1024));
      // The Cancel may travel on either channel; it must name transaction 5.
      const cancel = await Promise.race([
        cmd.seen((p) => p.type === PacketType.Cancel),
        evt.seen((p) => p.type === PacketType.Cancel),
      ]);
      expect(cancel).to.deep.equal({ type: PacketType.Cancel, transactionId: 5 });
      // Data already in flight, then the responder gives up the phase (no End Data) and says so.
      cmd.sendData(PacketType.Data, 5, new Uint8Array(64 * 1024));
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.TransactionCancelled, transactionId: 5, params: [] });
      const o = await call;
      expect(o.ok).to.equal(false);
      expect(!o.ok && o.error).to.equal(reason);
      expect(written).to.be.greaterThan(0);
      expect(t.isOpen).to.equal(true);

      // Resynchronised: the next transaction on the same connection runs normally.
      const sink2 = collectingSink();
      const next = outcome(t.transaction(request(OperationCode.GetStorageIDs, 6), { dataIn: sink2 }));
      if (cmd.packets.some((p) => p.type === PacketType.Cancel)) await cmd.expect(PacketType.Cancel);
      const second = await cmd.expect(PacketType.OperationRequest);
      expect(second).to.deep.include({ code: OperationCode.GetStorageIDs, transactionId: 6 });
      cmd.sendDataPhase(6, Uint8Array.of(1, 0, 0, 0, 1, 0, 1, 0));
      cmd.send(PacketType.OperationResponse, { code: ResponseCode.OK, transactionId: 6, params: [] });
      const n = await next;
      expect(n.ok).to.equal(true);
      expect(n.ok && n.value.code).to.equal(ResponseCode.OK);
      expect([...sink2.bytes()]).to.deep.equal([1, 0, 0, 0, 1, 0, 1, 0]);
    });
  });

  describe('abort against the real server', () => {
    it('aborts a GetObject download mid-way: AbortError at once, and the link is usable right after', async () => {
      const root = await tempDir();
      const file = path.join(root, 'big.bin');
      await writeFile(file, '');
      await truncate(file, 64 * MiB);
      await writeFile(path.join(root, 'small.txt'), 'hello');
      const vcam = await virtualCamera(root);
      // A long grace period: if the transport never settled the cancelled call, the next call would hang.
      const camera = await Camera.open({ transport: new PtpIpTransport({ host: '127.0.0.1', port: vcam.server!.address.port }), cancelGraceMs: 60_000 });
      cleanups.push(() => camera.close());
      await camera.session(async (c) => {
        const handles = await c.getObjectHandles(STORAGE, { parent: 'root' });
        const infos = await Promise.all(handles.map(async (h) => ({ h, name: (await c.getObjectInfo(h)).filename })));
        const big = infos.find((i) => i.name === 'big.bin')!.h;
        const small = infos.find((i) => i.name === 'small.txt')!.h;
        const controller = new AbortController();
        const reason = new AbortError('enough');
        let received = 0;
        const err = await rejectionOf(c.getObject(big, {
          signal: controller.signal,
          to: {
            write: (chunk: Uint8Array) => {
              received += chunk.length;
              if (received >= MiB) controller.abort(reason);
            },
          },
        }));
        expect(err).to.equal(reason);
        expect(received).to.be.lessThan(64 * MiB);
        expect(Buffer.from(await c.getObject(small)).toString()).to.equal('hello');
        expect(camera.transport.isOpen).to.equal(true);
      });
    });

    it('aborts an upload mid-way: the call rejects with the reason, nothing is left on disk, the next upload works', async () => {
      const root = await tempDir();
      const vcam = await virtualCamera(root);
      const camera = await Camera.open({ transport: new PtpIpTransport({ host: '127.0.0.1', port: vcam.server!.address.port }), cancelGraceMs: 60_000 });
      cleanups.push(() => camera.close());
      const controller = new AbortController();
      const reason = new AbortError('stop the upload');
      const chunk = randomBytes(MiB);
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 32; i++) {
          if (i === 4) controller.abort(reason);
          yield chunk;
          await tick();
        }
      };
      await camera.session(async (c) => {
        const err = await rejectionOf(c.uploadObject('big.bin', { length: 32 * MiB, chunks: chunks() }, { parent: 'root' }, { signal: controller.signal }));
        expect(err).to.equal(reason);
        await c.uploadObject('after.txt', new TextEncoder().encode('still here'), { parent: 'root' });
      });
      expect((await readdir(root)).sort()).to.deep.equal(['after.txt']);
      expect(await readFile(path.join(root, 'after.txt'), 'utf8')).to.equal('still here');
    });
  });

  describe('a dropped connection', () => {
    it('mid data phase: the call rejects with TransportError, onDisconnect fires once, isOpen is false', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd, evt } = await openTransport(r);
      const disconnects: Array<Error | undefined> = [];
      t.onDisconnect((e) => disconnects.push(e));
      const sink = collectingSink();
      const call = outcome(t.transaction(request(OperationCode.GetObject, 1, [1]), { dataIn: sink }));
      await cmd.expect(PacketType.OperationRequest);
      cmd.send(PacketType.StartData, { transactionId: 1, totalLength: 1000n });
      cmd.sendData(PacketType.Data, 1, new Uint8Array(100));
      // Half of a Data packet header, then the link dies.
      await cmd.write(encodeDataHeader(PacketType.Data, 1, 100).subarray(0, 6));
      cmd.destroy();
      const o = await call;
      expect(o.ok).to.equal(false);
      expect(!o.ok && o.error).to.be.instanceOf(TransportError);
      expect(t.isOpen).to.equal(false);
      await evt.closed; // the transport closed the event channel too
      await ticks(5);
      expect(disconnects).to.have.length(1);
      expect(disconnects[0]).to.be.instanceOf(TransportError);
      // Later calls fail at once instead of hanging.
      expect(await rejectionOf(t.transaction(request(OperationCode.GetStorageIDs, 2)))).to.be.instanceOf(TransportError);
    });

    it('event channel dropped while a call waits: the call rejects with TransportError and onDisconnect fires once', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd, evt } = await openTransport(r);
      let disconnects = 0;
      t.onDisconnect(() => disconnects++);
      const call = outcome(t.transaction(request(OperationCode.InitiateCapture, 1)));
      await cmd.expect(PacketType.OperationRequest);
      evt.destroy();
      const o = await call;
      expect(o.ok).to.equal(false);
      expect(!o.ok && o.error).to.be.instanceOf(TransportError);
      await cmd.closed;
      await ticks(5);
      expect(disconnects).to.equal(1);
      expect(t.isOpen).to.equal(false);
    });

    it('close() during a call rejects it with TransportError and reports one disconnect without an error', async () => {
      const r = await FakeResponder.listen();
      const { t, cmd } = await openTransport(r);
      const disconnects: Array<Error | undefined> = [];
      t.onDisconnect((e) => disconnects.push(e));
      const call = outcome(t.transaction(request(OperationCode.InitiateCapture, 1)));
      await cmd.expect(PacketType.OperationRequest);
      await t.close();
      await t.close(); // idempotent
      const o = await call;
      expect(!o.ok && o.error).to.be.instanceOf(TransportError);
      await ticks(5);
      expect(disconnects).to.deep.equal([undefined]);
      expect(t.isOpen).to.equal(false);
    });
  });

  describe('data out to the real server', () => {
    it('uploads 3 MiB from a { length, chunks } async generator byte-identical, with progress ending at the total', async () => {
      const root = await tempDir();
      const vcam = await virtualCamera(root);
      const camera = await openCamera('127.0.0.1', vcam.server!.address.port);
      const payload = randomBytes(3 * MiB);
      const sizes = [1, 65_536, 1_000_000, 7, 2 * MiB];
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        let at = 0;
        for (let i = 0; at < payload.length; i++) {
          const n = sizes[i % sizes.length]!;
          yield payload.subarray(at, at + n);
          at += n;
          await tick();
        }
      };
      const progress: Array<[bigint, bigint | undefined]> = [];
      await camera.session(async (c) => {
        await c.uploadObject('upload.bin', { length: payload.length, chunks: chunks() }, { parent: 'root' }, {
          onProgress: (d, n) => progress.push([d, n]),
        });
      });
      const onDisk = await readFile(path.join(root, 'upload.bin'));
      expect(onDisk.length).to.equal(payload.length);
      expect(onDisk.equals(payload)).to.equal(true);
      expect(progress.at(-1)).to.deep.equal([BigInt(payload.length), BigInt(payload.length)]);
    });

    it('uploads an empty object (0 bytes)', async () => {
      const root = await tempDir();
      const vcam = await virtualCamera(root);
      const camera = await openCamera('127.0.0.1', vcam.server!.address.port);
      await camera.session(async (c) => {
        await c.uploadObject('empty.txt', new Uint8Array(0), { parent: 'root' });
        await c.uploadObject('empty2.txt', { length: 0, chunks: (async function* () {})() }, { parent: 'root' });
        expect(await c.getNumObjects(STORAGE, { parent: 'root' })).to.equal(2);
      });
      expect((await stat(path.join(root, 'empty.txt'))).size).to.equal(0);
      expect((await stat(path.join(root, 'empty2.txt'))).size).to.equal(0);
    });
  });

  describe('memory', () => {
    it('downloads 512 MiB into a slow sink without RSS growing by more than ~150 MB (backpressure)', async function () {
      this.timeout(120_000);
      const SIZE = 512 * MiB;
      const root = await tempDir();
      const file = path.join(root, 'huge.bin');
      await writeFile(file, '');
      await truncate(file, SIZE); // sparse: costs no disk
      const vcam = await virtualCamera(root);
      const camera = await openCamera('127.0.0.1', vcam.server!.address.port);
      await camera.session(async (c) => {
        const [handle] = await c.getObjectHandles(STORAGE, { parent: 'root' });
        const rss = (): number => process.memoryUsage().rss;
        const before = rss();
        let peak = before;
        let received = 0;
        let sinceSleep = 0;
        let stalled = false;
        const sink: DataSink = {
          write: async (chunk) => {
            received += chunk.length;
            sinceSleep += chunk.length;
            if (!stalled && received >= 32 * MiB) {
              // Stop consuming until memory stops moving. With backpressure the socket pauses and the
              // server waits for drain, so RSS settles at once; without it, the rest of the file would
              // pile up in memory meanwhile, however fast or slow this machine is.
              stalled = true;
              let last = rss();
              for (let stable = 0, i = 0; stable < 8 && i < 400; i++) {
                await new Promise((res) => setTimeout(res, 25));
                const now = rss();
                peak = Math.max(peak, now);
                stable = now - last < MiB ? stable + 1 : 0;
                last = now;
              }
            }
            if (sinceSleep >= 4 * MiB) {
              sinceSleep = 0;
              peak = Math.max(peak, rss());
              await new Promise((res) => setTimeout(res, 1)); // a slow-ish consumer
            }
          },
        };
        const n = await c.getObject(handle!, { to: sink, timeoutMs: 0 });
        peak = Math.max(peak, rss());
        expect(n).to.equal(BigInt(SIZE));
        expect(received).to.equal(SIZE);
        const growth = (peak - before) / MiB;
        expect(growth, `RSS grew by ${growth.toFixed(0)} MiB`).to.be.lessThan(150);
      });
    });
  });
});

describe('PtpIpTransport and a caller\'s long-lived AbortSignal', () => {
  it('listens once per signal, however many transactions carry it, and lets go of it on close', async () => {
    const emu = await startVirtualCamera({ ptpip: { port: 0 } });
    const t = new PtpIpTransport({ host: '127.0.0.1', port: emu.server!.address.port });
    try {
      await t.open();
      const signal = new AbortController().signal;
      for (let id = 0; id < 5; id++) {
        const sink: DataSink = { write: () => undefined };
        const r = await t.transaction({ code: OperationCode.GetDeviceInfo, sessionId: 0, transactionId: 0, params: [] }, { dataIn: sink, signal });
        expect(r.code).to.equal(ResponseCode.OK);
      }
      expect(getEventListeners(signal, 'abort')).to.have.length(1);
      await t.close();
      // A signal kept by the application must not keep a closed transport (and its sockets' objects) alive.
      expect(getEventListeners(signal, 'abort')).to.have.length(0);
    } finally {
      await t.close();
      await emu.close();
    }
  });
});
