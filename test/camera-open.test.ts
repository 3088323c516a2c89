import { expect } from 'chai';
import { Camera } from '../src/camera.js';
import { OperationCode } from '../src/core/codes/operations.js';
import { ResponseCode } from '../src/core/codes/responses.js';
import { encodeDeviceInfo, type DeviceInfo } from '../src/core/datasets/device-info.js';
import { TransportError } from '../src/core/errors.js';
import type { Transport } from '../src/core/transport.js';
import type { Extension } from '../src/extensions/extension.js';
import { createInProcessPair } from '../src/transports/in-process.js';

const INFO: DeviceInfo = {
  standardVersion: 100, vendorExtensionId: 6, vendorExtensionVersion: 100, vendorExtensionDesc: 'microsoft.com: 1.0;',
  functionalMode: 0, operationsSupported: [0x1001, 0x1002, 0x1003], eventsSupported: [], devicePropertiesSupported: [],
  captureFormats: [], playbackFormats: [], manufacturer: 'uMTP', model: 'Responder', deviceVersion: '1.3.10', serialNumber: '1',
};

describe('Camera.open with a device that wants a session for GetDeviceInfo', () => {
  it('asks again inside a session (as uMTP-Responder 1.3.10 needs) and leaves no session open', async () => {
    const { initiator, responder } = createInProcessPair();
    const seen: string[] = [];
    let open = false;
    responder.serve(async (t) => {
      const { code } = t.request;
      seen.push(`${code.toString(16)}@${t.request.transactionId}`);
      if (code === OperationCode.OpenSession) {
        open = true;
        return { code: ResponseCode.OK };
      }
      if (code === OperationCode.CloseSession) {
        open = false;
        return { code: ResponseCode.OK };
      }
      if (code === OperationCode.GetDeviceInfo) {
        return open ? { code: ResponseCode.OK, data: encodeDeviceInfo(INFO) } : { code: ResponseCode.SessionNotOpen };
      }
      return { code: ResponseCode.OperationNotSupported };
    });
    const camera = await Camera.open({ transport: initiator });
    try {
      expect(camera.deviceInfo.manufacturer).to.equal('uMTP');
      expect(seen).to.deep.equal(['1001@0', '1002@0', '1001@1', '1003@2']);
      expect(open).to.equal(false);
      expect(camera.engine.inSession).to.equal(false);
    } finally {
      await camera.close();
    }
  });

  it('other GetDeviceInfo failures still fail the open', async () => {
    const { initiator, responder } = createInProcessPair();
    responder.serve(async () => ({ code: ResponseCode.GeneralError }));
    let err: unknown;
    try {
      await Camera.open({ transport: initiator });
    } catch (e) {
      err = e;
    }
    expect((err as { responseName?: string }).responseName).to.equal('GeneralError');
    expect(initiator.isOpen).to.equal(false);
  });
});

describe('Camera.open with a transport whose open() fails', () => {
  it('closes the transport it was handed (a half-open link is not left behind) and rethrows', async () => {
    const { initiator } = createInProcessPair();
    let closes = 0;
    const failure = new TransportError('claimed the interface, then the endpoint failed');
    const transport: Transport = {
      kind: 'in-process',
      description: 'half-open',
      get isOpen() {
        return false;
      },
      open: () => Promise.reject(failure),
      close: async () => {
        closes++;
      },
      transaction: (request, phases) => initiator.transaction(request, phases),
      onEvent: (listener) => initiator.onEvent(listener),
      onDisconnect: (listener) => initiator.onDisconnect(listener),
      cancel: (id) => initiator.cancel(id),
      reset: () => initiator.reset(),
    };
    let err: unknown;
    try {
      await Camera.open({ transport });
    } catch (e) {
      err = e;
    }
    expect(err).to.equal(failure);
    expect(closes).to.equal(1);
  });
});

describe('Camera.refreshDeviceInfo', () => {
  const CANON: DeviceInfo = {
    ...INFO, vendorExtensionId: 0x0b, vendorExtensionDesc: '', manufacturer: 'Canon Inc.', model: 'Canon PowerShot A520',
    operationsSupported: [0x1001, 0x1002, 0x1003, 0x9013 /* CheckEvent */],
  };
  /** A body that lists more once a vendor operation (0x9008, InitiateReleaseControl) has run, MTP's object properties among them. */
  function modalBody(): { initiator: Transport; reads: () => number } {
    const { initiator, responder } = createInProcessPair();
    let remote = false;
    let reads = 0;
    responder.serve(async (t) => {
      const { code } = t.request;
      if (code === OperationCode.GetDeviceInfo) {
        reads++;
        const info = remote
          ? { ...CANON, vendorExtensionDesc: 'microsoft.com: 1.0', operationsSupported: [...CANON.operationsSupported, 0x901a, 0x9801] }
          : CANON;
        return { code: ResponseCode.OK, data: encodeDeviceInfo(info) };
      }
      if (code === 0x9008) remote = true;
      return { code: ResponseCode.OK };
    });
    return { initiator, reads: () => reads };
  }

  it('reads DeviceInfo again: supportsOperation answers from the new list, and the detected extension gets MTP beneath it', async () => {
    const body = modalBody();
    const camera = await Camera.open({ transport: body.initiator });
    try {
      expect(camera.extension.name).to.equal('canon');
      expect(camera.supportsOperation(0x901a)).to.equal(false);
      expect(camera.codeNames.name('operation', 0x9801)).to.equal(undefined);
      await camera.session(async () => {
        await camera.transaction(0x9008);
        const info = await camera.refreshDeviceInfo();
        expect(info).to.equal(camera.deviceInfo);
      });
      expect(body.reads()).to.equal(2);
      expect(camera.supportsOperation(0x901a)).to.equal(true);
      expect(camera.extension.name).to.equal('canon');
      // Now an MTP device: MTP's names beneath Canon's, Canon's winning where they collide.
      expect(camera.codeNames.name('operation', 0x9801)).to.equal('GetObjectPropsSupported');
      expect(camera.codeNames.name('operation', 0x9013)).to.equal('CheckEvent');
    } finally {
      await camera.close();
    }
  });

  it('leaves an imposed extension object as given', async () => {
    const body = modalBody();
    const mine: Extension = { name: 'mine', codes: { operation: { MyCheck: 0x9013 } }, match: () => 0 };
    const camera = await Camera.open({ transport: body.initiator, extension: mine });
    try {
      await camera.session(async () => {
        await camera.transaction(0x9008);
        await camera.refreshDeviceInfo();
      });
      expect(camera.supportsOperation(0x901a)).to.equal(true);
      expect(camera.extension).to.equal(mine);
      expect(camera.codeNames.name('operation', 0x9801)).to.equal(undefined);
    } finally {
      await camera.close();
    }
  });
});
