/**
 * Puts a responder (the virtual camera) behind a {@link FakeUsbDevice}: bulk
 * OUT containers become `IncomingTransaction`s, each `TransactionResult`
 * becomes a data container (when there is data) and a response container on
 * bulk IN, events go to the interrupt endpoint. Data phases are held whole in
 * memory: it is a test harness, not a gadget.
 */
import { ContainerType, decodeContainer, encodeContainer } from '../../../src/core/container.js';
import { OperationCode } from '../../../src/core/codes/operations.js';
import { dataSourceChunks, type DisconnectListener, type OperationRequest, type ResponderLink, type TransactionHandler } from '../../../src/core/transport.js';
import { concat, type FakeUsbDevice } from './fake-device.js';

/** Operations whose data phase goes to the device (the responder cannot tell from the wire). */
const DATA_OUT = new Set<number>([
  OperationCode.SendObjectInfo, OperationCode.SendObject, OperationCode.SetDevicePropValue,
  0x9804, 0x9806, 0x9808, 0x9811,
]);

export function usbResponderLink(fake: FakeUsbDevice): ResponderLink {
  let handler: TransactionHandler | undefined;
  let waiting: OperationRequest | undefined;
  let chain: Promise<void> = Promise.resolve();
  const disconnects = new Set<DisconnectListener>();
  const run = (request: OperationRequest, data: Uint8Array | undefined): void => {
    chain = chain.then(async () => {
      const h = handler;
      if (h === undefined) return;
      const signal = new AbortController().signal;
      const result = await h({
        request,
        signal,
        ...(data !== undefined ? { data: { length: BigInt(data.length), async *[Symbol.asyncIterator]() { yield data; } } } : {}),
      });
      if (result.data !== undefined) {
        const parts: Uint8Array[] = [];
        for await (const c of dataSourceChunks(result.data)) parts.push(c);
        fake.respond(encodeContainer({ type: ContainerType.Data, code: request.code, transactionId: request.transactionId, payload: concat(parts) }));
      }
      fake.respond(encodeContainer({ type: ContainerType.Response, code: result.code, transactionId: request.transactionId, params: result.params ?? [] }));
    });
  };
  fake.onContainer = (bytes) => {
    const c = decodeContainer(bytes);
    if (c.type === ContainerType.Command) {
      const request: OperationRequest = { code: c.code, sessionId: 0, transactionId: c.transactionId, params: c.params };
      if (DATA_OUT.has(c.code)) waiting = request;
      else run(request, undefined);
    } else if (c.type === ContainerType.Data && waiting !== undefined) {
      const request = waiting;
      waiting = undefined;
      run(request, c.payload);
    }
  };
  return {
    serve: (h) => {
      handler = h;
    },
    sendEvent: (e) => fake.event(encodeContainer({ type: ContainerType.Event, code: e.code, transactionId: e.transactionId, params: e.params })),
    onDisconnect: (l) => {
      disconnects.add(l);
      return () => disconnects.delete(l);
    },
    close: async () => {
      for (const l of disconnects) l(undefined);
    },
  };
}
