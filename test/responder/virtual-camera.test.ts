/**
 * The virtual camera's answers to misuse and its path safety, driven over a
 * raw in-process link so that requests a well-behaved client never sends
 * (wrong transaction IDs, unknown codes) can be sent.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../../src/camera.js';
import { OperationCode } from '../../src/core/codes/operations.js';
import { ResponseCode } from '../../src/core/codes/responses.js';
import { decodeStorageIds } from '../../src/core/datasets/id-arrays.js';
import { decodeObjectInfo } from '../../src/core/datasets/object-info.js';
import { bufferSink } from '../../src/core/sinks.js';
import type { OperationRequest, Transport } from '../../src/core/transport.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../src/responder/start.js';

describe('virtual camera: misuse, several storages, path safety', () => {
  let base: string;
  let a: string;
  let b: string;
  let outside: string;
  let emu: RunningVirtualCamera;
  let link: Transport;

  const send = async (code: number, transactionId: number, params: number[] = [], receive = false): Promise<{ code: number; data: Uint8Array }> => {
    const sink = bufferSink();
    const request: OperationRequest = { code, sessionId: 1, transactionId, params };
    const r = await link.transaction(request, receive ? { dataIn: sink } : {});
    return { code: r.code, data: sink.bytes() };
  };

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'ptpts-vcam-'));
    a = path.join(base, 'a');
    b = path.join(base, 'b');
    outside = path.join(base, 'outside');
    await mkdir(a);
    await mkdir(b);
    await mkdir(outside);
    await writeFile(path.join(a, 'one.txt'), 'one');
    await writeFile(path.join(b, 'two.txt'), 'two');
    await writeFile(path.join(outside, 'secret.txt'), 'not to be served');
    // A link pointing out of the storage, and one pointing inside it.
    await symlink(outside, path.join(a, 'escape'));
    await symlink(path.join(outside, 'secret.txt'), path.join(a, 'secret-link.txt'));
    await symlink(path.join(a, 'one.txt'), path.join(a, 'alias.txt'));
    emu = await startVirtualCamera({ root: [a, b] });
    link = emu.connect();
    await link.open();
  });
  afterEach(async () => {
    await link.close();
    await emu.close();
    await rm(base, { recursive: true, force: true });
  });

  it('answers SessionNotOpen outside a session, and SessionAlreadyOpen inside one', async () => {
    expect((await send(OperationCode.GetStorageIDs, 0)).code).to.equal(ResponseCode.SessionNotOpen);
    expect((await send(OperationCode.OpenSession, 0, [1])).code).to.equal(ResponseCode.OK);
    expect((await send(OperationCode.OpenSession, 0, [2])).code).to.equal(ResponseCode.SessionAlreadyOpen);
    expect((await send(OperationCode.OpenSession, 0, [0])).code).to.not.equal(ResponseCode.OK);
  });

  it('answers InvalidTransactionID to a transaction ID out of sequence, and goes on from the right one', async () => {
    await send(OperationCode.OpenSession, 0, [1]);
    expect((await send(OperationCode.GetStorageIDs, 1, [], true)).code).to.equal(ResponseCode.OK);
    expect((await send(OperationCode.GetStorageIDs, 5, [], true)).code).to.equal(ResponseCode.InvalidTransactionID);
    expect((await send(OperationCode.GetStorageIDs, 1, [], true)).code).to.equal(ResponseCode.InvalidTransactionID); // a repeat
    expect((await send(OperationCode.GetStorageIDs, 2, [], true)).code).to.equal(ResponseCode.OK);
  });

  it('answers OperationNotSupported, ParameterNotSupported, and InvalidObjectHandle for an unknown parent', async () => {
    await send(OperationCode.OpenSession, 0, [1]);
    expect((await send(0x9999, 1)).code).to.equal(ResponseCode.OperationNotSupported);
    expect((await send(OperationCode.SelfTest, 2, [7])).code).to.equal(ResponseCode.ParameterNotSupported);
    expect((await send(OperationCode.GetObjectHandles, 3, [0x00010001, 0, 0x7777], true)).code).to.equal(ResponseCode.InvalidObjectHandle);
  });

  it('serves each folder as its own storage', async () => {
    await send(OperationCode.OpenSession, 0, [1]);
    const ids = decodeStorageIds((await send(OperationCode.GetStorageIDs, 1, [], true)).data);
    expect(ids).to.deep.equal([0x00010001, 0x00020001]);
    const camera = await Camera.open({ transport: emu.connect() });
    try {
      await camera.session(async () => {
        const names = async (storage: number): Promise<string[]> =>
          Promise.all((await camera.getObjectHandles(storage)).map(async (h) => (await camera.getObjectInfo(h)).filename));
        expect(await names(0x00020001)).to.deep.equal(['two.txt']);
        expect(await names(0x00010001)).to.include('one.txt').and.not.include('two.txt');
      });
    } finally {
      await camera.close();
    }
  });

  it('never serves what a symbolic link points to outside the folder, but follows links inside it', async () => {
    await send(OperationCode.OpenSession, 0, [1]);
    const camera = await Camera.open({ transport: emu.connect() });
    try {
      await camera.session(async () => {
        const listed: string[] = [];
        for (const h of await camera.getObjectHandles(0x00010001)) {
          const sink = bufferSink();
          await camera.engine.run(OperationCode.GetObjectInfo, [h], { dataIn: sink });
          listed.push(decodeObjectInfo(sink.bytes()).filename);
        }
        expect(listed).to.include('alias.txt');
        expect(listed).to.not.include('escape');
        expect(listed).to.not.include('secret-link.txt');
        expect(listed).to.not.include('secret.txt');
      });
    } finally {
      await camera.close();
    }
    expect(await readdir(outside)).to.deep.equal(['secret.txt']);
  });
});

describe('virtual camera: FormatStore', () => {
  it('is not offered unless allowed, and then empties only the storage asked for', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'ptpts-format-'));
    const [a, b] = [path.join(base, 'a'), path.join(base, 'b')];
    await mkdir(path.join(a, 'DCIM'), { recursive: true });
    await mkdir(b);
    await writeFile(path.join(a, 'DCIM', 'x.jpg'), 'x');
    await writeFile(path.join(b, 'keep.txt'), 'keep');
    try {
      const plain = await startVirtualCamera({ root: [a, b] });
      const camera = await Camera.open({ transport: plain.connect() });
      expect(camera.supportsOperation(OperationCode.FormatStore)).to.equal(false);
      await camera.close();
      await plain.close();

      const formatting = await startVirtualCamera({ root: [a, b], allowFormat: true });
      const cam = await Camera.open({ transport: formatting.connect() });
      try {
        expect(cam.supportsOperation(OperationCode.FormatStore)).to.equal(true);
        await cam.session(() => cam.formatStore(0x00010001));
      } finally {
        await cam.close();
        await formatting.close();
      }
      expect(await readdir(a)).to.deep.equal([]);
      expect(await readdir(b)).to.deep.equal(['keep.txt']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
