/**
 * `PtpIpServer` (the PTP/IP responder host) against scripted fake initiators
 * written with `node:net` + the packet codec, and against `PtpIpTransport`.
 * The virtual camera behind it serves a temporary folder, so uploads and
 * leftovers can be checked on disk.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Camera } from '../../../src/camera.js';
import { OperationCode } from '../../../src/core/codes/operations.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import { decodeObjectHandles, decodeStorageIds } from '../../../src/core/datasets/id-arrays.js';
import { decodeObjectInfo, encodeObjectInfo, objectInfoFor } from '../../../src/core/datasets/object-info.js';
import { startVirtualCamera } from '../../../src/responder/start.js';
import { VirtualCamera } from '../../../src/responder/virtual-camera.js';
import { PtpIpInitFailError } from '../../../src/transports/ptpip/errors.js';
import {
  DataPhase,
  encodeDataHeader,
  encodePacket,
  InitFailReason,
  PacketType,
  PTPIP_VERSION,
} from '../../../src/transports/ptpip/packets.js';
import { PtpIpServer, type PtpIpServerOptions } from '../../../src/transports/ptpip/server.js';
import { PtpIpTransport } from '../../../src/transports/ptpip/transport.js';
import { rejectionOf } from '../../support/assertions.js';
import { cleanupAfterEach, Wire, type PacketOf } from './wire.js';

const MiB = 1024 * 1024;
const STORAGE = 0x00010001;
const ALL = 0xffffffff;
const GUID_A = '0123456789abcdef0123456789abcdef';
const GUID_B = 'fedcba9876543210fedcba9876543210';
const guidBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/-/g, ''), 'hex'));

// ---------------------------------------------------------------- fake initiator


/** Opens a raw TCP connection to the server. */
async function connectWire(port: number, host = '127.0.0.1'): Promise<Wire> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const wire = new Wire(socket);
  cleanups.push(async () => wire.destroy());
  return wire;
}

/** Runs both handshakes as an initiator. */
async function initiate(
  port: number,
  guid = GUID_A,
  name = 'fake initiator',
): Promise<{ cmd: Wire; evt: Wire; ack: PacketOf<typeof PacketType.InitCommandAck> }> {
  const cmd = await connectWire(port);
  cmd.send(PacketType.InitCommandRequest, { guid: guidBytes(guid), friendlyName: name, protocolVersion: PTPIP_VERSION });
  const ack = await cmd.expect(PacketType.InitCommandAck);
  const evt = await connectWire(port);
  evt.send(PacketType.InitEventRequest, { connectionNumber: ack.connectionNumber });
  await evt.expect(PacketType.InitEventAck);
  return { cmd, evt, ack };
}

interface Reply {
  readonly response: PacketOf<typeof PacketType.OperationResponse>;
  readonly total: bigint | undefined;
  readonly data: Buffer | undefined;
}

/** Reads a data phase (if any) and the response of transaction `tid`. */
async function reply(cmd: Wire, tid: number): Promise<Reply> {
  let total: bigint | undefined;
  const parts: Buffer[] = [];
  let ended = false;
  for (;;) {
    const got = await cmd.next();
    if (got.kind === 'data') {
      expect(got.transactionId).to.equal(tid);
      expect(total, 'Data before Start Data').to.not.equal(undefined);
      expect(ended, 'Data after End Data').to.equal(false);
      parts.push(Buffer.from(got.chunk));
      if (got.type === PacketType.EndData && got.last) ended = true;
      continue;
    }
    const p = got.packet;
    if (p.type === PacketType.StartData) {
      expect(p.transactionId).to.equal(tid);
      total = p.totalLength;
      continue;
    }
    if (p.type === PacketType.OperationResponse) {
      expect(p.transactionId).to.equal(tid);
      if (total !== undefined) expect(ended, 'response before End Data').to.equal(true);
      return { response: p, total, data: total !== undefined ? Buffer.concat(parts) : undefined };
    }
    throw new Error(`unexpected packet type ${p.type} on the command channel`);
  }
}

/** One whole transaction as an initiator; `out` is sent as a well-formed data phase. */
async function call(cmd: Wire, code: number, tid: number, params: number[] = [], out?: Uint8Array): Promise<Reply> {
  cmd.send(PacketType.OperationRequest, {
    dataPhase: out !== undefined ? DataPhase.Out : DataPhase.NoDataOrIn,
    code,
    transactionId: tid,
    params,
  });
  if (out !== undefined) cmd.sendDataPhase(tid, out);
  return reply(cmd, tid);
}

// ---------------------------------------------------------------- helpers

const cleanups = cleanupAfterEach();

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for `check` to hold, re-checking every few ms. `limitMs` only bounds a
 * failing test; a passing one returns as soon as the condition holds.
 */
async function eventually(check: () => boolean | Promise<boolean>, what: string, limitMs = 5000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

/** Resolves when `p` settles; fails the test if that takes longer than `limitMs` (a guard, not a measurement). */
async function within<T>(p: Promise<T>, what: string, limitMs = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for: ${what}`)), limitMs);
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ptpts-ptpip-server-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Temp files of the object store (uploads in progress). */
async function tempFiles(root: string): Promise<string[]> {
  return (await readdir(root)).filter((n) => n.startsWith('.ptpts-'));
}

interface Served {
  readonly server: PtpIpServer;
  readonly device: VirtualCamera;
  readonly root: string;
  readonly port: number;
  readonly logs: string[];
  /** Resolves once a log line matching `re` has appeared `count` times in all. */
  logged(re: RegExp, count?: number): Promise<void>;
}

/** A PtpIpServer on a free loopback port, serving a temporary folder through a virtual camera. */
async function serve(options: Partial<Omit<PtpIpServerOptions, 'attach'>> = {}, root?: string): Promise<Served> {
  const dir = root ?? (await tempDir());
  const device = await VirtualCamera.create({ storages: [{ root: dir }] });
  const logs: string[] = [];
  const wakers: Array<() => void> = [];
  const server = await PtpIpServer.listen({
    port: 0,
    ...options,
    attach: (link) => void device.attach(link),
    log: (line) => {
      logs.push(line);
      for (const w of wakers.splice(0)) w();
    },
  });
  cleanups.push(() => server.close());
  return {
    server,
    device,
    root: dir,
    port: server.address.port,
    logs,
    async logged(re, count = 1) {
      await within((async () => {
        while (logs.filter((l) => re.test(l)).length < count) await new Promise<void>((r) => wakers.push(r));
      })(), `log line ${re}`);
    },
  };
}

async function openCamera(port: number, guid?: string): Promise<Camera> {
  const camera = await Camera.open({
    transport: new PtpIpTransport({ host: '127.0.0.1', port, ...(guid !== undefined ? { guid } : {}) }),
  });
  cleanups.push(() => camera.close());
  return camera;
}

/** Checks that an initiator can connect and work: a session, an upload, a listing. */
async function worksAgain(s: Served, name = 'proof.txt'): Promise<void> {
  const camera = await openCamera(s.port);
  await camera.session(async (c) => {
    await c.uploadObject(name, new TextEncoder().encode('ok'), { parent: 'root' });
    const handles = await c.getObjectHandles(STORAGE, { parent: 'root' });
    const names = await Promise.all(handles.map(async (h) => (await c.getObjectInfo(h)).filename));
    expect(names).to.include(name);
  });
  await camera.close();
  expect(await readFile(path.join(s.root, name), 'utf8')).to.equal('ok');
}

// ---------------------------------------------------------------- tests

describe('PtpIpServer', () => {
  it('binds to 127.0.0.1 by default', async () => {
    const device = await VirtualCamera.create({ storages: [{ root: await tempDir() }] });
    const server = await PtpIpServer.listen({ port: 0, attach: (link) => void device.attach(link) });
    cleanups.push(() => server.close());
    expect(server.address.host).to.equal('127.0.0.1');
    expect(server.url).to.equal(`ptpip://127.0.0.1:${server.address.port}`);
    const vcam = await startVirtualCamera({ ptpip: { port: 0 } });
    cleanups.push(() => vcam.close());
    expect(vcam.server!.address.host).to.equal('127.0.0.1');
    expect(vcam.url).to.equal(`ptpip://127.0.0.1:${vcam.server!.address.port}`);
  });

  it('answers the handshake: its GUID and name in Init Command Ack, version 1.0, a connection number for Init Event', async () => {
    const s = await serve({ guid: GUID_B, friendlyName: 'Bench Camera' });
    const { cmd, ack } = await initiate(s.port);
    expect(Buffer.from(ack.guid).toString('hex')).to.equal(GUID_B);
    expect(ack.friendlyName).to.equal('Bench Camera');
    expect(ack.protocolVersion).to.equal(PTPIP_VERSION);
    expect(ack.connectionNumber).to.not.equal(0);
    const r = await call(cmd, OperationCode.GetDeviceInfo, 0);
    expect(r.response.code).to.equal(ResponseCode.OK);
    expect(r.data!.length).to.be.greaterThan(0);
  });

  describe('one initiator at a time', () => {
    it('refuses a second initiator with Init Fail 2 (Busy), and accepts a new one after the first disconnects', async () => {
      const s = await serve();
      const first = await initiate(s.port, GUID_A, 'first');

      const second = await connectWire(s.port);
      second.send(PacketType.InitCommandRequest, { guid: guidBytes(GUID_B), friendlyName: 'second', protocolVersion: PTPIP_VERSION });
      const fail = await second.expect(PacketType.InitFail);
      expect(fail.reason).to.equal(InitFailReason.Busy);
      await second.closed;

      // The same through PtpIpTransport: a typed error that says "busy".
      const err = await rejectionOf(new PtpIpTransport({ host: '127.0.0.1', port: s.port }).open());
      expect(err).to.be.instanceOf(PtpIpInitFailError);
      expect((err as PtpIpInitFailError).reason).to.equal(InitFailReason.Busy);
      expect((err as Error).message).to.match(/busy/i);

      // The first one is undisturbed.
      expect((await call(first.cmd, OperationCode.OpenSession, 0, [1])).response.code).to.equal(ResponseCode.OK);

      first.cmd.destroy();
      first.evt.destroy();
      await s.logged(/"first" disconnected/);
      const third = await initiate(s.port, GUID_B, 'third');
      expect((await call(third.cmd, OperationCode.OpenSession, 0, [1])).response.code).to.equal(ResponseCode.OK);
    });

    it('frees the slot when an initiator never opens its event channel (handshake timeout)', async () => {
      const s = await serve({ handshakeTimeoutMs: 100 });
      const cmd = await connectWire(s.port);
      cmd.send(PacketType.InitCommandRequest, { guid: guidBytes(GUID_A), friendlyName: 'half', protocolVersion: PTPIP_VERSION });
      await cmd.expect(PacketType.InitCommandAck);
      await within(cmd.closed, 'the server to drop a command channel without an event channel');
      await s.logged(/"half" disconnected/);
      await worksAgain(s);
    });
  });

  describe('allowGuids', () => {
    it('refuses a GUID not in the list with Init Fail 1 and accepts one in the list', async () => {
      const s = await serve({ allowGuids: ['01234567-89AB-CDEF-0123-456789ABCDEF'] });
      const stranger = await connectWire(s.port);
      stranger.send(PacketType.InitCommandRequest, { guid: guidBytes(GUID_B), friendlyName: 'stranger', protocolVersion: PTPIP_VERSION });
      expect((await stranger.expect(PacketType.InitFail)).reason).to.equal(InitFailReason.RejectedInitiator);
      await stranger.closed;

      const err = await rejectionOf(new PtpIpTransport({ host: '127.0.0.1', port: s.port, guid: GUID_B }).open());
      expect(err).to.be.instanceOf(PtpIpInitFailError);
      expect((err as PtpIpInitFailError).reason).to.equal(InitFailReason.RejectedInitiator);
      expect((err as Error).message).to.match(/GUID|pair/);

      const camera = await openCamera(s.port, GUID_A);
      await camera.session(async (c) => expect(await c.getStorageIds()).to.deep.equal([STORAGE]));
    });
  });

  describe('probes', () => {
    it('answers a Probe Request on both channels', async () => {
      const s = await serve();
      const { cmd, evt } = await initiate(s.port);
      cmd.send(PacketType.ProbeRequest, {});
      await cmd.expect(PacketType.ProbeResponse);
      evt.send(PacketType.ProbeRequest, {});
      await evt.expect(PacketType.ProbeResponse);
      // And the session goes on.
      expect((await call(cmd, OperationCode.OpenSession, 0, [1])).response.code).to.equal(ResponseCode.OK);
    });
  });

  describe('cancel', () => {
    it('stops sending a large GetObject on Cancel, answers TransactionCancelled, and the connection stays usable', async () => {
      const SIZE = 256 * MiB;
      const root = await tempDir();
      const file = path.join(root, 'big.bin');
      await writeFile(file, '');
      await truncate(file, SIZE);
      const s = await serve({}, root);
      const { cmd } = await initiate(s.port);
      expect((await call(cmd, OperationCode.OpenSession, 0, [1])).response.code).to.equal(ResponseCode.OK);
      const list = await call(cmd, OperationCode.GetObjectHandles, 1, [STORAGE, 0, ALL]);
      const [handle] = decodeObjectHandles(list.data!);

      cmd.send(PacketType.OperationRequest, { dataPhase: DataPhase.NoDataOrIn, code: OperationCode.GetObject, transactionId: 2, params: [handle!] });
      const start = await cmd.expect(PacketType.StartData);
      expect(start).to.deep.include({ transactionId: 2, totalLength: BigInt(SIZE) });
      const first = await cmd.next();
      expect(first.kind).to.equal('data');
      // Stop reading, so the server cannot finish however fast it is, and cancel.
      cmd.socket.pause();
      cmd.send(PacketType.Cancel, { transactionId: 2 });
      await sleep(20); // let the Cancel get there while the pipe is full
      cmd.socket.resume();

      let received = first.kind === 'data' ? first.chunk.length : 0;
      let endData = false;
      let response: PacketOf<typeof PacketType.OperationResponse> | undefined;
      while (response === undefined) {
        const got = await cmd.next();
        if (got.kind === 'data') {
          expect(got.transactionId).to.equal(2);
          received += got.chunk.length;
          if (got.type === PacketType.EndData) endData = true;
        } else if (got.packet.type === PacketType.OperationResponse) response = got.packet;
        else throw new Error(`unexpected packet type ${got.packet.type}`);
      }
      expect(response).to.deep.include({ code: ResponseCode.TransactionCancelled, transactionId: 2 });
      expect(endData, 'End Data after Cancel').to.equal(false);
      expect(received).to.be.lessThan(SIZE / 4);

      // The same connection goes on in step.
      const ids = await call(cmd, OperationCode.GetStorageIDs, 3);
      expect(ids.response.code).to.equal(ResponseCode.OK);
      expect(decodeStorageIds(ids.data!)).to.deep.equal([STORAGE]);
      const part = await call(cmd, OperationCode.GetPartialObject, 4, [handle!, 0, 1000]);
      expect(part.response.code).to.equal(ResponseCode.OK);
      expect(part.data!.length).to.equal(1000);
    });
  });

  describe('cancel before or after the data', () => {
    /** OpenSession + SendObjectInfo for `name` of `size` bytes, as transactions 0 and 1. */
    async function announce(cmd: Wire, name: string, size: number): Promise<void> {
      expect((await call(cmd, OperationCode.OpenSession, 0, [1])).response.code).to.equal(ResponseCode.OK);
      const info = encodeObjectInfo(objectInfoFor({ filename: name, size }));
      expect((await call(cmd, OperationCode.SendObjectInfo, 1, [0, ALL], info)).response.code).to.equal(ResponseCode.OK);
    }

    it('answers TransactionCancelled to an upload cancelled before its Start Data', async () => {
      const s = await serve();
      const { cmd } = await initiate(s.port);
      await announce(cmd, 'never.bin', 100);
      cmd.send(PacketType.OperationRequest, { dataPhase: DataPhase.Out, code: OperationCode.SendObject, transactionId: 2, params: [] });
      cmd.send(PacketType.Cancel, { transactionId: 2 });
      const r = await reply(cmd, 2);
      expect(r.response.code).to.equal(ResponseCode.TransactionCancelled);
      expect((await call(cmd, OperationCode.GetStorageIDs, 3)).response.code).to.equal(ResponseCode.OK);
      expect(await readdir(s.root)).to.deep.equal([]);
    });

    it('skips the late data of an upload cancelled on the event channel, and stays in step', async () => {
      const s = await serve();
      const { cmd, evt } = await initiate(s.port);
      await announce(cmd, 'cut.bin', 8 * MiB);
      cmd.send(PacketType.OperationRequest, { dataPhase: DataPhase.Out, code: OperationCode.SendObject, transactionId: 2, params: [] });
      cmd.send(PacketType.StartData, { transactionId: 2, totalLength: BigInt(8 * MiB) });
      cmd.sendData(PacketType.Data, 2, randomBytes(MiB));
      await eventually(async () => (await tempFiles(s.root)).length > 0, 'the upload to start');
      evt.send(PacketType.Cancel, { transactionId: 2 });
      const r = await reply(cmd, 2);
      expect(r.response.code).to.equal(ResponseCode.TransactionCancelled);
      // Data the initiator had already sent when it cancelled arrives after the response.
      cmd.sendData(PacketType.Data, 2, randomBytes(MiB));
      cmd.sendData(PacketType.EndData, 2, randomBytes(10));
      const ids = await call(cmd, OperationCode.GetStorageIDs, 3);
      expect(ids.response.code).to.equal(ResponseCode.OK);
      expect(cmd.isClosed).to.equal(false);
      expect(await readdir(s.root)).to.deep.equal([]);
    });

    it('does not carry a cancel over to the next request with the same transaction ID (0 outside a session)', async () => {
      const s = await serve();
      const { cmd } = await initiate(s.port);
      await cmd.write(Buffer.concat([
        encodePacket(PacketType.OperationRequest, { dataPhase: DataPhase.NoDataOrIn, code: OperationCode.GetDeviceInfo, transactionId: 0, params: [] }),
        encodePacket(PacketType.Cancel, { transactionId: 0 }),
      ]));
      expect((await reply(cmd, 0)).response.code).to.equal(ResponseCode.TransactionCancelled);
      expect((await call(cmd, OperationCode.OpenSession, 0, [1])).response.code).to.equal(ResponseCode.OK);
      expect((await call(cmd, OperationCode.GetStorageIDs, 1)).response.code).to.equal(ResponseCode.OK);
    });

    it('cancels a request whose Cancel arrives in the same TCP segment', async () => {
      const root = await tempDir();
      await writeFile(path.join(root, 'a.bin'), randomBytes(3 * MiB));
      const s = await serve({}, root);
      const { cmd } = await initiate(s.port);
      await call(cmd, OperationCode.OpenSession, 0, [1]);
      const [handle] = decodeObjectHandles((await call(cmd, OperationCode.GetObjectHandles, 1, [STORAGE, 0, ALL])).data!);
      await cmd.write(Buffer.concat([
        encodePacket(PacketType.OperationRequest, { dataPhase: DataPhase.NoDataOrIn, code: OperationCode.GetObject, transactionId: 2, params: [handle!] }),
        encodePacket(PacketType.Cancel, { transactionId: 2 }),
      ]));
      let response: PacketOf<typeof PacketType.OperationResponse> | undefined;
      let endData = false;
      while (response === undefined) {
        const got = await cmd.next();
        if (got.kind === 'data') endData ||= got.type === PacketType.EndData;
        else if (got.packet.type === PacketType.OperationResponse) response = got.packet;
      }
      expect(response).to.deep.include({ code: ResponseCode.TransactionCancelled, transactionId: 2 });
      expect(endData).to.equal(false);
      expect((await call(cmd, OperationCode.GetStorageIDs, 3)).response.code).to.equal(ResponseCode.OK);
    });
  });

  describe('handshake errors', () => {
    it('answers an Init Event Request with an unknown connection number with Init Fail', async () => {
      const s = await serve();
      const evt = await connectWire(s.port);
      evt.send(PacketType.InitEventRequest, { connectionNumber: 0xdead });
      const fail = await evt.expect(PacketType.InitFail);
      expect(fail.reason).to.not.equal(undefined);
      await evt.closed;
      expect(s.logs.some((l) => /unknown connection/.test(l))).to.equal(true);
      await worksAgain(s);
    });

    it('closes a connection that sends nothing after the handshake timeout', async () => {
      const s = await serve({ handshakeTimeoutMs: 100 });
      const idle = await connectWire(s.port);
      await within(idle.closed, 'the server to close an idle connection');
      expect(idle.packets).to.deep.equal([]);
      await worksAgain(s);
    });
  });

  describe('uploads', () => {
    it("accepts gphoto2's empty upload: Start Data(0) and no End Data", async () => {
      const s = await serve();
      const { cmd } = await initiate(s.port);
      expect((await call(cmd, OperationCode.OpenSession, 0, [1])).response.code).to.equal(ResponseCode.OK);
      const info = encodeObjectInfo(objectInfoFor({ filename: 'EMPTY.TXT', size: 0 }));
      const placed = await call(cmd, OperationCode.SendObjectInfo, 1, [0, ALL], info);
      expect(placed.response.code).to.equal(ResponseCode.OK);
      const [storage, , handle] = placed.response.params;
      expect(storage).to.equal(STORAGE);

      cmd.send(PacketType.OperationRequest, { dataPhase: DataPhase.Out, code: OperationCode.SendObject, transactionId: 2, params: [] });
      cmd.send(PacketType.StartData, { transactionId: 2, totalLength: 0n }); // and nothing more, as gphoto2 does
      const sent = await reply(cmd, 2);
      expect(sent.response.code).to.equal(ResponseCode.OK);
      expect((await stat(path.join(s.root, 'EMPTY.TXT'))).size).to.equal(0);

      // Still in step: the object is there, with size 0.
      const got = await call(cmd, OperationCode.GetObjectInfo, 3, [handle!]);
      expect(got.response.code).to.equal(ResponseCode.OK);
      expect(decodeObjectInfo(got.data!)).to.deep.include({ filename: 'EMPTY.TXT', objectCompressedSize: 0 });
      // An empty End Data after it (what ptpts itself sends) is tolerated too.
      const info2 = encodeObjectInfo(objectInfoFor({ filename: 'EMPTY2.TXT', size: 0 }));
      expect((await call(cmd, OperationCode.SendObjectInfo, 4, [0, ALL], info2)).response.code).to.equal(ResponseCode.OK);
      expect((await call(cmd, OperationCode.SendObject, 5, [], new Uint8Array(0))).response.code).to.equal(ResponseCode.OK);
      expect((await stat(path.join(s.root, 'EMPTY2.TXT'))).size).to.equal(0);
    });

    it('receives a multi-packet upload split at odd places byte-identical', async () => {
      const s = await serve();
      const { cmd } = await initiate(s.port);
      await call(cmd, OperationCode.OpenSession, 0, [1]);
      const payload = randomBytes(2 * MiB + 3);
      const info = encodeObjectInfo(objectInfoFor({ filename: 'split.bin', size: payload.length }));
      expect((await call(cmd, OperationCode.SendObjectInfo, 1, [0, ALL], info)).response.code).to.equal(ResponseCode.OK);
      const stream = Buffer.concat([
        encodePacket(PacketType.OperationRequest, { dataPhase: DataPhase.Out, code: OperationCode.SendObject, transactionId: 2, params: [] }),
        encodePacket(PacketType.StartData, { transactionId: 2, totalLength: BigInt(payload.length) }),
        encodeDataHeader(PacketType.Data, 2, 1), payload.subarray(0, 1),
        encodeDataHeader(PacketType.Data, 2, MiB), payload.subarray(1, 1 + MiB),
        encodeDataHeader(PacketType.EndData, 2, payload.length - 1 - MiB), payload.subarray(1 + MiB),
      ]);
      for (const [a, b] of [[0, 5], [5, 31], [31, 100_000], [100_000, stream.length]] as const) {
        await cmd.write(stream.subarray(a, b));
        await tick();
      }
      expect((await reply(cmd, 2)).response.code).to.equal(ResponseCode.OK);
      expect((await readFile(path.join(s.root, 'split.bin'))).equals(payload)).to.equal(true);
    });
  });

  describe('fault injection', () => {
    it('survives an initiator destroyed mid data-out phase: no temp file left, and a new initiator works', async () => {
      const s = await serve();
      const { cmd, evt } = await initiate(s.port, GUID_A, 'doomed');
      await call(cmd, OperationCode.OpenSession, 0, [1]);
      const info = encodeObjectInfo(objectInfoFor({ filename: 'partial.bin', size: 16 * MiB }));
      expect((await call(cmd, OperationCode.SendObjectInfo, 1, [0, ALL], info)).response.code).to.equal(ResponseCode.OK);
      cmd.send(PacketType.OperationRequest, { dataPhase: DataPhase.Out, code: OperationCode.SendObject, transactionId: 2, params: [] });
      cmd.send(PacketType.StartData, { transactionId: 2, totalLength: BigInt(16 * MiB) });
      cmd.sendData(PacketType.Data, 2, randomBytes(MiB));
      await eventually(async () => (await tempFiles(s.root)).length > 0, 'the upload to start writing its temp file');
      cmd.destroy();
      evt.destroy();
      await s.logged(/"doomed" disconnected/);
      await eventually(async () => (await tempFiles(s.root)).length === 0, 'the temp file to be removed');
      expect(await readdir(s.root)).to.deep.equal([]);
      await worksAgain(s);
      expect((await readdir(s.root)).sort()).to.deep.equal(['proof.txt']);
    });

    it('survives initiators destroyed mid handshake, and a new initiator works', async () => {
      const s = await serve();
      // 1. Half an Init Command Request.
      const a = await connectWire(s.port);
      await a.write(encodePacket(PacketType.InitCommandRequest, { guid: guidBytes(GUID_A), friendlyName: 'a', protocolVersion: PTPIP_VERSION }).subarray(0, 20));
      a.destroy();
      // 2. A whole command handshake, then gone before the event channel.
      const b = await connectWire(s.port);
      b.send(PacketType.InitCommandRequest, { guid: guidBytes(GUID_A), friendlyName: 'b', protocolVersion: PTPIP_VERSION });
      await b.expect(PacketType.InitCommandAck);
      b.destroy();
      await s.logged(/"b" disconnected/);
      // 3. Both channels up, then the event channel dies: the session goes with it.
      const c = await initiate(s.port, GUID_A, 'c');
      c.evt.destroy();
      await within(c.cmd.closed, 'the server to drop the command channel with the event channel');
      await s.logged(/"c" disconnected/);
      await worksAgain(s);
      expect(await tempFiles(s.root)).to.deep.equal([]);
    });
  });

  describe('garbage from an initiator', () => {
    it('closes a connection that sends a bogus packet type or a length under 8, and keeps serving the connected initiator', async () => {
      const s = await serve();
      const camera = await openCamera(s.port);
      await camera.session(async (c) => {
        expect(await c.getStorageIds()).to.deep.equal([STORAGE]);
        const bogusType = await connectWire(s.port);
        await bogusType.write(Buffer.from('0800000063000000', 'hex')); // length 8, type 99
        const shortLength = await connectWire(s.port);
        await shortLength.write(Buffer.from('0400000001000000', 'hex')); // length 4 < header
        const wrongRole = await connectWire(s.port);
        wrongRole.send(PacketType.InitCommandAck, { connectionNumber: 1, guid: guidBytes(GUID_A), friendlyName: 'x', protocolVersion: PTPIP_VERSION });
        await within(Promise.all([bogusType.closed, shortLength.closed, wrongRole.closed]), 'the server to close the garbage connections');
        expect(await c.getStorageIds()).to.deep.equal([STORAGE]);
        expect(camera.transport.isOpen).to.equal(true);
      });
    });

    it('drops a session whose command channel turns to garbage, and accepts the next initiator', async () => {
      const s = await serve();
      const { cmd, evt } = await initiate(s.port, GUID_A, 'babbler');
      await call(cmd, OperationCode.OpenSession, 0, [1]);
      await cmd.write(Buffer.from('0300000006000000ffffffff', 'hex'));
      await within(Promise.all([cmd.closed, evt.closed]), 'the server to drop the session');
      await s.logged(/"babbler" disconnected/);
      await worksAgain(s);
    });

    it('drops a session that sends Data outside any data phase', async () => {
      const s = await serve();
      const { cmd, evt } = await initiate(s.port, GUID_A, 'stray');
      await call(cmd, OperationCode.OpenSession, 0, [1]);
      cmd.sendData(PacketType.Data, 1, new Uint8Array(10));
      await within(Promise.all([cmd.closed, evt.closed]), 'the server to drop the session');
      await s.logged(/"stray" disconnected/);
      await worksAgain(s);
    });
  });
});
