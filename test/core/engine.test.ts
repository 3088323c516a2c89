import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OperationCode } from '../../src/core/codes/operations.js';
import { ResponseCode } from '../../src/core/codes/responses.js';
import { PtpEngine } from '../../src/core/engine.js';
import {
  AbortError,
  DeviceBusyError,
  ProtocolError,
  PtpResponseError,
  TimeoutError,
  TransportError,
} from '../../src/core/errors.js';
import type {
  IncomingTransaction,
  OperationRequest,
  ResponderLink,
  TransactionHandler,
  TransactionResult,
  Transport,
} from '../../src/core/transport.js';
import { createInProcessPair } from '../../src/transports/in-process.js';
import { rejectionOf } from '../support/assertions.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OP_ECHO = 0x9001; // a vendor-range operation the scripted responder echoes

interface Scripted {
  readonly engine: PtpEngine;
  readonly initiator: Transport;
  readonly responder: ResponderLink;
  /** Every request the responder saw, in arrival order. */
  readonly seen: OperationRequest[];
}

/** Session operations answered OK, everything else by `answer` (default: OK). */
async function scripted(
  answer?: (t: IncomingTransaction) => Promise<TransactionResult>,
  engineTimeoutMs = 10_000,
): Promise<Scripted> {
  const { initiator, responder } = createInProcessPair({ description: 'scripted' });
  const seen: OperationRequest[] = [];
  const handler: TransactionHandler = async (t) => {
    seen.push(t.request);
    if (answer !== undefined) return answer(t);
    return { code: ResponseCode.OK };
  };
  responder.serve(handler);
  await initiator.open();
  const engine = new PtpEngine(initiator, { timeoutMs: engineTimeoutMs });
  return { engine, initiator, responder, seen };
}

/** A promise plus its resolver, for holding the responder at a known point. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('PtpEngine', () => {
  describe('transaction IDs', () => {
    it('uses 0 outside a session and for OpenSession, then 1, 2, 3 ... inside, restarting after reopen', async () => {
      const { engine, seen } = await scripted();
      await engine.run(OperationCode.GetDeviceInfo);
      await engine.openSession(7);
      expect(engine.sessionId).to.equal(7);
      await engine.run(OP_ECHO);
      await engine.run(OP_ECHO);
      await engine.run(OP_ECHO);
      await engine.closeSession();
      expect(engine.inSession).to.equal(false);
      await engine.run(OperationCode.GetDeviceInfo);
      await engine.openSession(8);
      await engine.run(OP_ECHO);
      await engine.run(OP_ECHO);

      expect(seen.map((r) => [r.code, r.transactionId, r.sessionId])).to.deep.equal([
        [OperationCode.GetDeviceInfo, 0, 0],
        [OperationCode.OpenSession, 0, 0],
        [OP_ECHO, 1, 7],
        [OP_ECHO, 2, 7],
        [OP_ECHO, 3, 7],
        [OperationCode.CloseSession, 4, 7],
        [OperationCode.GetDeviceInfo, 0, 0],
        [OperationCode.OpenSession, 0, 0],
        [OP_ECHO, 1, 8],
        [OP_ECHO, 2, 8],
      ]);
      expect(seen[1]?.params).to.deep.equal([7]);
    });

    it('picks a new session ID by itself when none is given', async () => {
      const { engine, seen } = await scripted();
      const first = await engine.openSession();
      await engine.closeSession();
      const second = await engine.openSession();
      expect(first).to.be.greaterThan(0);
      expect(second).to.not.equal(first);
      expect(seen.filter((r) => r.code === OperationCode.OpenSession).map((r) => r.params[0])).to.deep.equal([first, second]);
    });

    it('wraps from 0xFFFFFFFE to 1, never using 0 or 0xFFFFFFFF inside a session', async () => {
      const { engine, seen } = await scripted();
      await engine.openSession(1);
      // Reaching the end of the ID space by 4 billion calls is impractical: drive
      // the private counter directly, then check what goes on the wire.
      (engine as unknown as { nextTransactionId: number }).nextTransactionId = 0xfffffffe;
      const a = await engine.run(OP_ECHO);
      const b = await engine.run(OP_ECHO);
      const c = await engine.run(OP_ECHO);
      expect(seen.slice(1).map((r) => r.transactionId)).to.deep.equal([0xfffffffe, 1, 2]);
      expect([a.transactionId, b.transactionId, c.transactionId]).to.deep.equal([0xfffffffe, 1, 2]);
    });
  });

  describe('queueing', () => {
    it('runs 1,000 concurrent calls one at a time, in call order, each getting its own answer', async () => {
      let active = 0;
      let maxActive = 0;
      const { engine, seen } = await scripted(async (t) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((r) => setImmediate(r));
        active--;
        return { code: ResponseCode.OK, params: [t.request.params[0] ?? -1] };
      });
      await engine.openSession(1);
      const n = 1000;
      const calls = Array.from({ length: n }, (_, i) => engine.run(OP_ECHO, [i * 3 + 1]));
      const answers = await Promise.all(calls);

      answers.forEach((res, i) => {
        expect(res.params, `call ${i}`).to.deep.equal([i * 3 + 1]);
        expect(res.transactionId, `call ${i}`).to.equal(i + 1);
      });
      const echoes = seen.filter((r) => r.code === OP_ECHO);
      expect(echoes.map((r) => r.params[0])).to.deep.equal(Array.from({ length: n }, (_, i) => i * 3 + 1));
      expect(echoes.map((r) => r.transactionId)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
      expect(maxActive).to.equal(1);
    });

    it("runs call after call with a browser's timers (numbers, without Node's ref/unref)", async () => {
      const { engine } = await scripted();
      const nodeSetTimeout = globalThis.setTimeout;
      // A browser's setTimeout returns a number; Node's clearTimeout takes the number too.
      globalThis.setTimeout = ((fn: () => void, ms?: number) => Number(nodeSetTimeout(fn, ms))) as unknown as typeof setTimeout;
      try {
        await engine.openSession(1);
        const answers = await Promise.all([1, 2, 3].map((i) => engine.run(OP_ECHO, [i])));
        expect(answers.map((a) => a.transactionId)).to.deep.equal([1, 2, 3]);
        await engine.closeSession();
      } finally {
        globalThis.setTimeout = nodeSetTimeout;
      }
    });
  });

  describe('responses', () => {
    it('turns a non-OK response into a PtpResponseError carrying the operation and transaction', async () => {
      const { engine } = await scripted(async (t) =>
        t.request.code === OperationCode.GetObjectInfo
          ? { code: ResponseCode.InvalidObjectHandle, params: [0x42] }
          : { code: ResponseCode.OK },
      );
      await engine.openSession(1);
      await engine.run(OP_ECHO);
      const err = await rejectionOf(engine.run(OperationCode.GetObjectInfo, [0x42]));
      expect(err).to.be.instanceOf(PtpResponseError);
      expect(err).to.not.be.instanceOf(DeviceBusyError);
      const e = err as PtpResponseError;
      expect(e.code).to.equal('ERR_PTP_RESPONSE');
      expect(e.responseCode).to.equal(0x2009);
      expect(e.responseName).to.equal('InvalidObjectHandle');
      expect(e.operationCode).to.equal(OperationCode.GetObjectInfo);
      expect(e.operationName).to.equal('GetObjectInfo');
      expect(e.transactionId).to.equal(2);
      expect(e.params).to.deep.equal([0x42]);
      expect(e.message).to.contain('GetObjectInfo').and.to.contain('InvalidObjectHandle');
    });

    it('turns DeviceBusy (0x2019) into a DeviceBusyError, which is also a PtpResponseError', async () => {
      const { engine } = await scripted(async () => ({ code: ResponseCode.DeviceBusy }));
      const err = await rejectionOf(engine.run(OperationCode.GetStorageIDs));
      expect(err).to.be.instanceOf(DeviceBusyError);
      expect(err).to.be.instanceOf(PtpResponseError);
      expect((err as DeviceBusyError).code).to.equal('ERR_PTP_DEVICE_BUSY');
      expect((err as DeviceBusyError).responseName).to.equal('DeviceBusy');
    });

    it('returns a response listed in `accept` instead of throwing', async () => {
      const { engine } = await scripted(async () => ({ code: ResponseCode.CaptureAlreadyTerminated, params: [5] }));
      const res = await engine.run(OperationCode.TerminateOpenCapture, [5], {
        accept: [ResponseCode.CaptureAlreadyTerminated],
      });
      expect(res.code).to.equal(ResponseCode.CaptureAlreadyTerminated);
      expect(res.params).to.deep.equal([5]);
      // Without the accept list, the same answer is an error.
      const err = await rejectionOf(engine.run(OperationCode.TerminateOpenCapture, [5]));
      expect((err as PtpResponseError).responseName).to.equal('CaptureAlreadyTerminated');
    });

    it('rejects a response that carries another transaction ID with a ProtocolError', async () => {
      const { initiator, responder } = createInProcessPair();
      responder.serve(async () => ({ code: ResponseCode.OK }));
      await initiator.open();
      // A transport that mislabels responses, as a confused device would.
      const lying: Transport = {
        kind: initiator.kind,
        get description() {
          return initiator.description;
        },
        get isOpen() {
          return initiator.isOpen;
        },
        open: (s) => initiator.open(s),
        close: () => initiator.close(),
        transaction: async (req, phases) => ({ ...(await initiator.transaction(req, phases)), transactionId: req.transactionId + 1 }),
        onEvent: (l) => initiator.onEvent(l),
        onDisconnect: (l) => initiator.onDisconnect(l),
        cancel: (id) => initiator.cancel(id),
        reset: () => initiator.reset(),
      };
      const engine = new PtpEngine(lying);
      const err = await rejectionOf(engine.run(OperationCode.GetStorageIDs));
      expect(err).to.be.instanceOf(ProtocolError);
      expect((err as ProtocolError).code).to.equal('ERR_PTP_PROTOCOL');
      expect((err as ProtocolError).message).to.match(/transaction 1, expected 0/);
    });
  });

  describe('sessions', () => {
    it('on SessionAlreadyOpen, closes the stale session and opens again', async () => {
      let opens = 0;
      const { engine, seen } = await scripted(async (t) => {
        if (t.request.code === OperationCode.OpenSession && opens++ === 0) {
          return { code: ResponseCode.SessionAlreadyOpen, params: [3] };
        }
        return { code: ResponseCode.OK };
      });
      const id = await engine.openSession(3);
      expect(id).to.equal(3);
      expect(engine.inSession).to.equal(true);
      expect(seen.map((r) => r.code)).to.deep.equal([
        OperationCode.OpenSession,
        OperationCode.CloseSession,
        OperationCode.OpenSession,
      ]);
      expect(seen[2]?.transactionId).to.equal(0);
      expect(seen[2]?.params).to.deep.equal([3]);
      // The fresh session numbers transactions from 1.
      await engine.run(OP_ECHO);
      expect(seen[3]?.transactionId).to.equal(1);
    });
  });

  describe('timeouts', () => {
    it('rejects a call that gets no answer with TimeoutError; the next call waits for the device to finish, then works', async () => {
      const release = gate();
      const log: string[] = [];
      const { engine } = await scripted(async (t) => {
        if (t.request.code !== OP_ECHO) return { code: ResponseCode.OK };
        const tag = `${t.request.params[0]}`;
        log.push(`start ${tag}`);
        if (tag === '1') await release.promise; // ignores cancellation, like a stuck device
        log.push(`end ${tag}`);
        return { code: ResponseCode.OK, params: [t.request.params[0] ?? 0] };
      });
      await engine.openSession(1);

      const err = await rejectionOf(engine.run(OP_ECHO, [1], { timeoutMs: 50 }));
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as TimeoutError).code).to.equal('ERR_PTP_TIMEOUT');
      expect((err as TimeoutError).timeoutMs).to.equal(50);

      let secondDone = false;
      const second = engine.run(OP_ECHO, [2]).finally(() => (secondDone = true));
      await sleep(30);
      expect(log).to.deep.equal(['start 1']); // not on the wire while the device is still busy
      expect(secondDone).to.equal(false);

      release.open();
      const res = await second;
      expect(res.params).to.deep.equal([2]);
      expect(log).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2']);
    });

    it('closes the link when a timed-out call is never let go, so later calls fail instead of hanging', async () => {
      const { engine, initiator } = await scripted(async (t) => {
        if (t.request.code === OP_ECHO) await new Promise(() => undefined); // a hung device: ignores cancel for ever
        return { code: ResponseCode.OK };
      });
      engine.cancelGraceMs = 100;
      await engine.openSession(1);
      let disconnected = false;
      initiator.onDisconnect(() => (disconnected = true));

      const first = await rejectionOf(engine.run(OP_ECHO, [1], { timeoutMs: 50 }));
      expect(first).to.be.instanceOf(TimeoutError);
      const queued = await rejectionOf(engine.run(OperationCode.GetStorageIDs, [], { timeoutMs: 0 }));
      expect(queued).to.be.instanceOf(TransportError);
      expect(disconnected).to.equal(true);
      expect(initiator.isOpen).to.equal(false);
    });

    it('does not time out a slow data-in transfer that keeps making progress', async function () {
      this.timeout(10_000);
      const chunks = 15; // one every 20 ms: 300 ms in all, three times the timeout
      const { engine } = await scripted(async () => ({
        code: ResponseCode.OK,
        data: {
          length: chunks * 10,
          chunks: (async function* () {
            for (let i = 0; i < chunks; i++) {
              await sleep(20);
              yield new Uint8Array(10).fill(i);
            }
          })(),
        },
      }));
      const received: number[] = [];
      const res = await engine.run(OperationCode.GetObject, [1], {
        timeoutMs: 100,
        dataIn: { write: (c) => void received.push(...c) },
      });
      expect(res.code).to.equal(ResponseCode.OK);
      expect(received).to.have.length(chunks * 10);
      expect(received[received.length - 1]).to.equal(chunks - 1);
    });

    it('does time out a data-in transfer that stalls longer than the timeout', async function () {
      this.timeout(10_000);
      const { engine } = await scripted(async (t) => ({
        code: ResponseCode.OK,
        data: {
          length: 20,
          chunks: (async function* () {
            yield new Uint8Array(10);
            // Stall (until cancelled, or a generous guard).
            await new Promise<void>((r) => {
              const timer = setTimeout(r, 5000);
              t.signal.addEventListener('abort', () => (clearTimeout(timer), r()), { once: true });
            });
            yield new Uint8Array(10);
          })(),
        },
      }));
      const err = await rejectionOf(
        engine.run(OperationCode.GetObject, [1], { timeoutMs: 100, dataIn: { write: () => undefined } }),
      );
      expect(err).to.be.instanceOf(TimeoutError);
    });

    it('a short per-call timeout fires on time after many calls with a long one', async () => {
      const { engine } = await scripted(async (t) => {
        if (t.request.code === OP_ECHO && t.request.params[0] === 99) await new Promise(() => undefined);
        return { code: ResponseCode.OK };
      }, 60_000);
      await engine.openSession(1);
      for (let i = 0; i < 20; i++) await engine.run(OP_ECHO, [i]);
      // Mocha's own 20 s limit fails this if only the 60 s default applied.
      const err = await rejectionOf(engine.run(OP_ECHO, [99], { timeoutMs: 50 }));
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as TimeoutError).timeoutMs).to.equal(50);
    });

    it('an idle engine does not keep the process alive (a script ends when its work is done)', async function () {
      this.timeout(30_000);
      // A child process with a 10-minute default timeout: if the idle-timeout
      // timer held the event loop, it would not exit for ten minutes.
      const dist = pathToFileURL(path.join(root, 'dist', 'index.js')).href;
      const script = `
        import { PtpEngine, createInProcessPair } from ${JSON.stringify(dist)};
        const { initiator, responder } = createInProcessPair();
        responder.serve(async () => ({ code: 0x2001 }));
        await initiator.open();
        const engine = new PtpEngine(initiator, { timeoutMs: 600000 });
        await engine.openSession(1);
        await engine.run(0x1001);
        console.log('done');
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const kill = setTimeout(() => child.kill(), 20_000);
        child.on('exit', (c) => {
          clearTimeout(kill);
          resolve(c);
        });
      });
      expect(out.trim()).to.equal('done');
      expect(code, 'killed after 20 s: the engine kept the process alive').to.equal(0);
    });
  });

  describe('many calls, one signal', () => {
    it('twenty calls queued with one signal: no listener warning, and one abort rejects those still queued', async () => {
      const release = gate();
      const { engine } = await scripted(async (t) => {
        if (t.request.params[0] === 0) await release.promise;
        return { code: ResponseCode.OK };
      });
      await engine.openSession(1);
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(w.name);
      process.on('warning', onWarning);
      try {
        const controller = new AbortController();
        const first = engine.run(OP_ECHO, [0]); // holds the wire
        const queued = Array.from({ length: 20 }, (_, i) => engine.run(OP_ECHO, [i + 1], { signal: controller.signal }));
        controller.abort();
        for (const q of queued) expect(await rejectionOf(q)).to.be.instanceOf(AbortError);
        release.open();
        await first;
        await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings).to.not.include('MaxListenersExceededWarning');
    });

    it('a timeout longer than a timer can take (2^32 ms) is no timeout, and no warning', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(w.name);
      process.on('warning', onWarning);
      try {
        const { engine } = await scripted(async () => {
          await sleep(30);
          return { code: ResponseCode.OK };
        }, 2 ** 32);
        await engine.openSession(1);
        expect((await engine.run(OP_ECHO, [1])).code).to.equal(ResponseCode.OK);
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings).to.not.include('TimeoutOverflowWarning');
    });
  });

  describe('a lost link', () => {
    it('a call after the device dropped the link says why, not only "not open"', async () => {
      const { engine, responder } = await scripted();
      await engine.openSession(1);
      await responder.close(); // the device side goes away
      const err = await rejectionOf(engine.run(OP_ECHO, [1]));
      expect(err).to.be.instanceOf(TransportError);
      expect((err as Error).message).to.match(/is not open: .*responder closed the link/);
    });

    it('after our own close, a call just says the link is not open', async () => {
      const { engine, initiator } = await scripted();
      await initiator.close();
      const err = await rejectionOf(engine.run(OP_ECHO, [1]));
      expect((err as Error).message).to.match(/is not open$/);
    });
  });

  describe('cancellation', () => {
    it('an abort while queued rejects with AbortError and the call is never sent', async () => {
      const release = gate();
      const { engine, seen } = await scripted(async (t) => {
        if (t.request.code === OP_ECHO && t.request.params[0] === 1) await release.promise;
        return { code: ResponseCode.OK, params: [t.request.params[0] ?? 0] };
      });
      await engine.openSession(1);
      const first = engine.run(OP_ECHO, [1]);
      const controller = new AbortController();
      const queued = engine.run(OP_ECHO, [2], { signal: controller.signal });
      const third = engine.run(OP_ECHO, [3]);
      controller.abort();
      const err = await rejectionOf(queued);
      expect(err).to.be.instanceOf(AbortError);
      expect((err as AbortError).code).to.equal('ERR_PTP_ABORTED');

      release.open();
      expect((await first).params).to.deep.equal([1]);
      expect((await third).params).to.deep.equal([3]);
      const echoes = seen.filter((r) => r.code === OP_ECHO);
      expect(echoes.map((r) => r.params[0])).to.deep.equal([1, 3]);
      // The dropped call did not use up a transaction ID.
      expect(echoes.map((r) => r.transactionId)).to.deep.equal([1, 2]);
    });

    it('an abort while running cancels the responder side and rejects with AbortError', async () => {
      let responderAborted = false;
      const started = gate();
      const { engine } = await scripted(async (t) => {
        if (t.request.code !== OP_ECHO) return { code: ResponseCode.OK };
        started.open();
        await new Promise<void>((resolve) => {
          const guard = setTimeout(resolve, 5000);
          t.signal.addEventListener('abort', () => {
            responderAborted = true;
            clearTimeout(guard);
            resolve();
          }, { once: true });
        });
        return { code: ResponseCode.OK };
      });
      await engine.openSession(1);
      const controller = new AbortController();
      const call = engine.run(OP_ECHO, [1], { signal: controller.signal });
      await started.promise;
      controller.abort();
      const err = await rejectionOf(call);
      expect(err).to.be.instanceOf(AbortError);
      expect((err as AbortError).code).to.equal('ERR_PTP_ABORTED');
      // The next call goes through once the device has stopped.
      await engine.run(OperationCode.GetStorageIDs);
      expect(responderAborted).to.equal(true);
    });

    it('an already-aborted signal rejects at once, even behind a busy queue, without sending anything', async () => {
      const release = gate();
      const { engine, seen } = await scripted(async (t) => {
        if (t.request.code === OP_ECHO) await release.promise;
        return { code: ResponseCode.OK };
      });
      const busy = engine.run(OP_ECHO);
      const err = await rejectionOf(engine.run(OperationCode.GetDeviceInfo, [], { signal: AbortSignal.abort() }));
      expect(err).to.be.instanceOf(AbortError);
      expect((err as AbortError).code).to.equal('ERR_PTP_ABORTED');
      release.open();
      await busy;
      await engine.run(OperationCode.GetStorageIDs);
      expect(seen.map((r) => r.code)).to.deep.equal([OP_ECHO, OperationCode.GetStorageIDs]);
    });
  });

  describe('the link', () => {
    it('rejects calls on a closed transport with TransportError', async () => {
      const { engine, initiator, seen } = await scripted();
      await initiator.close();
      const err = await rejectionOf(engine.run(OperationCode.GetDeviceInfo));
      expect(err).to.be.instanceOf(TransportError);
      expect((err as TransportError).code).to.equal('ERR_PTP_TRANSPORT');
      expect(seen).to.have.length(0);
    });

    it('rejects the pending call with TransportError and fires onDisconnect when the responder drops the link', async () => {
      const started = gate();
      const { engine, initiator, responder } = await scripted(async (t) => {
        if (t.request.code === OP_ECHO) {
          started.open();
          await new Promise<void>((r) => {
            const guard = setTimeout(r, 5000);
            t.signal.addEventListener('abort', () => (clearTimeout(guard), r()), { once: true });
          });
        }
        return { code: ResponseCode.OK };
      });
      await engine.openSession(1);
      const disconnects: Array<Error | undefined> = [];
      initiator.onDisconnect((e) => disconnects.push(e));
      const call = engine.run(OP_ECHO, [1]);
      await started.promise;
      await responder.close();
      const err = await rejectionOf(call);
      expect(err).to.be.instanceOf(TransportError);
      expect(disconnects).to.have.length(1);
      expect(disconnects[0]).to.be.instanceOf(TransportError);
      expect(initiator.isOpen).to.equal(false);
      // Later calls fail fast too.
      expect(await rejectionOf(engine.run(OperationCode.GetDeviceInfo))).to.be.instanceOf(TransportError);
    });
  });
});
