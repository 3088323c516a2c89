/**
 * Conformance suite: point it at a real camera with
 *   PTPTS_TARGET=ptpip://192.168.1.1 npx mocha test/hardware/conformance.test.ts
 * (add PTPTS_ALLOW_WRITES=1 to let it capture and rewrite properties).
 * Without PTPTS_TARGET it runs against the virtual camera.
 */
import { expect } from 'chai';
import { EventCode } from '../../src/core/codes/events.js';
import { OperationCode } from '../../src/core/codes/operations.js';
import { ResponseCode } from '../../src/core/codes/responses.js';
import { encodeValue } from '../../src/core/codec/datatypes.js';
import { PtpResponseError } from '../../src/core/errors.js';
import type { CameraEvent } from '../../src/camera.js';
import { openTarget, targetSpec, writesAllowed, type Target } from './target.js';

describe(`conformance (${targetSpec})`, function () {
  this.timeout(60_000);
  let t: Target;
  before(async () => {
    t = await openTarget();
  });
  after(async () => t?.close());

  it('answers GetDeviceInfo with a complete dataset', async () => {
    const info = await t.camera.getDeviceInfo();
    expect(info.operationsSupported).to.include(OperationCode.GetDeviceInfo);
    expect(info.manufacturer.length + info.model.length).to.be.greaterThan(0);
  });

  it('supports the ISO 15740 mandatory operations (pull or push)', () => {
    const ops = t.camera.deviceInfo.operationsSupported;
    for (const code of [OperationCode.GetDeviceInfo, OperationCode.OpenSession, OperationCode.CloseSession,
      OperationCode.GetStorageIDs, OperationCode.GetStorageInfo]) {
      expect(ops, t.camera.codeNames.describe('operation', code)).to.include(code);
    }
    const pull = [OperationCode.GetNumObjects, OperationCode.GetObjectHandles, OperationCode.GetObjectInfo,
      OperationCode.GetObject, OperationCode.GetThumb].every((c) => ops.includes(c));
    const push = [OperationCode.SendObjectInfo, OperationCode.SendObject].every((c) => ops.includes(c));
    expect(pull || push, 'neither the pull nor the push set').to.equal(true);
  });

  it('lists storages and every object handle has an ObjectInfo', async () => {
    await t.camera.session(async () => {
      const ids = await t.camera.getStorageIds();
      for (const id of ids) {
        await t.camera.getStorageInfo(id);
        const handles = await t.camera.getObjectHandles(id);
        for (const h of handles.slice(0, 50)) {
          const info = await t.camera.getObjectInfo(h);
          expect(info.storageId).to.equal(id);
        }
      }
    });
  });

  it('each property: GetDevicePropValue equals the descriptor current value', async () => {
    await t.camera.session(async () => {
      for (const code of t.camera.deviceInfo.devicePropertiesSupported) {
        const desc = await t.camera.getDevicePropDesc(code);
        const raw = await t.camera.transaction(OperationCode.GetDevicePropValue, [code], { receive: true });
        expect(raw.data, t.camera.codeNames.describe('property', code)).to.deep.equal(encodeValue(desc.dataType, desc.currentValue));
      }
    });
  });

  (writesAllowed ? it : it.skip)('each property: setting the current value again is accepted, or AccessDenied when get-only', async () => {
    await t.camera.session(async () => {
      for (const code of t.camera.deviceInfo.devicePropertiesSupported) {
        const desc = await t.camera.getDevicePropDesc(code);
        const name = t.camera.codeNames.describe('property', code);
        try {
          await t.camera.setDevicePropValue(code, desc.currentValue);
          expect(desc.getSet, `${name} accepted a write but is get-only`).to.equal(1);
        } catch (err) {
          if (!(err instanceof PtpResponseError)) throw err;
          expect(err.responseCode, name).to.not.equal(ResponseCode.DevicePropNotSupported);
          expect(err.responseCode, name).to.not.equal(ResponseCode.InvalidDevicePropValue);
          if (desc.getSet === 0) expect(err.responseCode, name).to.equal(ResponseCode.AccessDenied);
        }
      }
    });
  });

  (writesAllowed ? it : it.skip)('InitiateCapture: ObjectAdded comes before CaptureComplete, both for the capture', async function () {
    if (!t.camera.supportsOperation(OperationCode.InitiateCapture)) this.skip();
    await t.camera.session(async () => {
      const events = t.camera.events();
      const { transactionId } = await t.camera.initiateCapture();
      const seen: CameraEvent[] = [];
      const timer = setTimeout(() => void events.return?.(), 30_000);
      for await (const e of events) {
        if (e.transactionId !== transactionId) continue;
        seen.push(e);
        if (e.code === EventCode.CaptureComplete) break;
      }
      clearTimeout(timer);
      const codes = seen.map((e) => e.code);
      expect(codes).to.include(EventCode.ObjectAdded);
      expect(codes[codes.length - 1]).to.equal(EventCode.CaptureComplete);
    });
  });

  (writesAllowed ? it : it.skip)('TerminateOpenCapture with a wrong transaction ID is InvalidTransactionID', async function () {
    if (!t.camera.supportsOperation(OperationCode.InitiateOpenCapture)) this.skip();
    await t.camera.session(async () => {
      const { transactionId } = await t.camera.initiateOpenCapture();
      try {
        await t.camera.terminateOpenCapture(transactionId + 1);
        expect.fail('accepted a wrong transaction ID');
      } catch (err) {
        expect(err).to.be.instanceOf(PtpResponseError);
        expect((err as PtpResponseError).responseCode).to.equal(ResponseCode.InvalidTransactionID);
      }
      await t.camera.terminateOpenCapture(transactionId);
    });
  });
});
