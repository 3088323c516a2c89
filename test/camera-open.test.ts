import { expect } from 'chai';
import { Camera } from '../src/camera.js';
import { OperationCode } from '../src/core/codes/operations.js';
import { ResponseCode } from '../src/core/codes/responses.js';
import { encodeDeviceInfo, type DeviceInfo } from '../src/core/datasets/device-info.js';
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
