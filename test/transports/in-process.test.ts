import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { EventCode } from '../../src/core/codes/events.js';
import { ResponseCode } from '../../src/core/codes/responses.js';
import { TransportError } from '../../src/core/errors.js';
import type { DataSink, OperationRequest, PtpEvent } from '../../src/core/transport.js';
import { createInProcessPair } from '../../src/transports/in-process.js';
import { rejectionOf } from '../support/assertions.js';

const request = (code: number, transactionId = 1, params: number[] = []): OperationRequest => ({
  code,
  sessionId: 1,
  transactionId,
  params,
});

/** Splits `bytes` into chunks of varying sizes. */
function split(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('in-process transport', () => {
  it('streams a data-out phase from a { length, chunks } async generator to the responder', async () => {
    const { initiator, responder } = createInProcessPair();
    const payload = randomBytes(300_000);
    let seenLength: bigint | undefined;
    const seenChunks: Buffer[] = [];
    responder.serve(async (t) => {
      seenLength = t.data?.length;
      for await (const chunk of t.data!) seenChunks.push(Buffer.from(chunk));
      return { code: ResponseCode.OK, params: [seenChunks.length] };
    });
    await initiator.open();
    const progress: bigint[] = [];
    const chunks = split(payload, [1, 4096, 65536, 7, 100_000]);
    const res = await initiator.transaction(request(0x100d), {
      dataOut: {
        length: payload.length,
        chunks: (async function* () {
          for (const c of chunks) {
            await tick();
            yield c;
          }
        })(),
      },
      onProgress: (done) => progress.push(done),
    });
    expect(res.code).to.equal(ResponseCode.OK);
    expect(res.transactionId).to.equal(1);
    expect(seenLength).to.equal(BigInt(payload.length));
    expect(res.params).to.deep.equal([chunks.length]); // streamed, not joined into one block
    expect(Buffer.concat(seenChunks).equals(payload)).to.equal(true);
    expect(progress.at(-1)).to.equal(BigInt(payload.length));
  });

  it('streams a data-in phase into a slow sink: start() first with the total, every chunk in order, one write at a time', async () => {
    const { initiator, responder } = createInProcessPair();
    const payload = randomBytes(200_000);
    const chunks = split(payload, [10_000, 1, 33_333]);
    responder.serve(async () => ({
      code: ResponseCode.OK,
      params: [7],
      data: {
        length: BigInt(payload.length),
        chunks: (function* () {
          yield* chunks;
        })(),
      },
    }));
    await initiator.open();

    const calls: string[] = [];
    const received: Buffer[] = [];
    let writing = false;
    let overlapped = false;
    const sink: DataSink = {
      start: async (total) => {
        calls.push(`start ${total}`);
        await tick();
      },
      write: async (chunk) => {
        if (writing) overlapped = true;
        writing = true;
        calls.push('write');
        const copy = Buffer.from(chunk);
        await new Promise((r) => setTimeout(r, 1));
        received.push(copy);
        writing = false;
      },
    };
    const progress: Array<[bigint, bigint | undefined]> = [];
    const res = await initiator.transaction(request(0x1009), {
      dataIn: sink,
      onProgress: (done, total) => progress.push([done, total]),
    });

    expect(res.params).to.deep.equal([7]);
    expect(calls[0]).to.equal(`start ${payload.length}`);
    expect(calls.slice(1)).to.deep.equal(chunks.map(() => 'write'));
    expect(overlapped).to.equal(false);
    expect(Buffer.concat(received).equals(payload)).to.equal(true);
    expect(received.map((c) => c.length)).to.deep.equal(chunks.map((c) => c.length));
    expect(progress.length).to.be.greaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0] >= progress[i - 1]![0]).to.equal(true);
    expect(progress.at(-1)).to.deep.equal([BigInt(payload.length), BigInt(payload.length)]);
  });

  it('delivers events in order, and only once opened', async () => {
    const { initiator, responder } = createInProcessPair();
    responder.serve(async () => ({ code: ResponseCode.OK }));
    const got: PtpEvent[] = [];
    initiator.onEvent((e) => got.push(e));
    responder.sendEvent({ code: EventCode.DeviceInfoChanged, transactionId: 0xffffffff, params: [] });
    await tick();
    expect(got).to.have.length(0);

    await initiator.open();
    for (let i = 0; i < 50; i++) {
      responder.sendEvent({ code: EventCode.ObjectAdded, transactionId: 0xffffffff, params: [i] });
    }
    await tick();
    expect(got.map((e) => e.params[0])).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(got.every((e) => e.code === EventCode.ObjectAdded)).to.equal(true);
  });

  it('stops delivering events once the initiator unsubscribes', async () => {
    const { initiator, responder } = createInProcessPair();
    await initiator.open();
    const got: number[] = [];
    const off = initiator.onEvent((e) => got.push(e.params[0] ?? -1));
    responder.sendEvent({ code: EventCode.ObjectAdded, transactionId: 0, params: [1] });
    await tick();
    off();
    responder.sendEvent({ code: EventCode.ObjectAdded, transactionId: 0, params: [2] });
    await tick();
    expect(got).to.deep.equal([1]);
  });

  it('drains a data-out phase the responder handler ignores', async () => {
    const { initiator, responder } = createInProcessPair();
    const pulled: number[] = [];
    let finished = false;
    responder.serve(async () => ({ code: ResponseCode.OK }));
    await initiator.open();
    const progress: bigint[] = [];
    const res = await initiator.transaction(request(0x9005), {
      dataOut: {
        length: 5 * 1000,
        chunks: (async function* () {
          try {
            for (let i = 0; i < 5; i++) {
              pulled.push(i);
              yield new Uint8Array(1000);
            }
          } finally {
            finished = true;
          }
        })(),
      },
      onProgress: (d) => progress.push(d),
    });
    expect(res.code).to.equal(ResponseCode.OK);
    expect(pulled).to.deep.equal([0, 1, 2, 3, 4]);
    expect(finished).to.equal(true);
    expect(progress.at(-1)).to.equal(5000n);
  });

  it('rejects a transaction on a transport that was never opened with TransportError', async () => {
    const { initiator, responder } = createInProcessPair();
    let called = false;
    responder.serve(async () => {
      called = true;
      return { code: ResponseCode.OK };
    });
    expect(initiator.isOpen).to.equal(false);
    const err = await rejectionOf(initiator.transaction(request(0x1001, 0)));
    expect(err).to.be.instanceOf(TransportError);
    expect((err as TransportError).code).to.equal('ERR_PTP_TRANSPORT');
    expect(called).to.equal(false);
  });

  it('holds transactions that arrive before the responder serves, then runs them', async () => {
    const { initiator, responder } = createInProcessPair();
    await initiator.open();
    const pending = initiator.transaction(request(0x1001, 0));
    let settled = false;
    void pending.finally(() => (settled = true));
    await tick();
    expect(settled).to.equal(false);
    responder.serve(async (t) => ({ code: ResponseCode.OK, params: [t.request.code] }));
    expect((await pending).params).to.deep.equal([0x1001]);
  });

  it('cannot be reopened after close, and close is idempotent', async () => {
    const { initiator } = createInProcessPair();
    await initiator.open();
    const reasons: Array<Error | undefined> = [];
    initiator.onDisconnect((e) => reasons.push(e));
    await initiator.close();
    await initiator.close();
    expect(reasons).to.deep.equal([undefined]);
    const err = await rejectionOf(initiator.open());
    expect(err).to.be.instanceOf(TransportError);
  });
});
