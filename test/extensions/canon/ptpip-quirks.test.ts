/**
 * Canon's PTP/IP session step, end to end against the virtual EOS bodies over
 * loopback PTP/IP: `Camera` puts the body under remote control right after
 * OpenSession (EOS_SetRemoteMode, then EOS_SetEventMode, as libgphoto2 and
 * Rocc do), whatever name the body announces in its Init Command Ack. A body
 * that refuses work until then is simulated (the behaviour's opt-in
 * `remoteModeRequiredOverPtpIp`); a body that answers DeviceBusy to the step
 * itself fails the session with a clear error.
 */
import { expect } from 'chai';
import { Camera } from '../../../src/camera.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import type { DeviceInfo } from '../../../src/core/datasets/device-info.js';
import { DeviceBusyError, SessionError } from '../../../src/core/errors.js';
import { canon } from '../../../src/extensions/canon/api.js';
import { CanonOperationCode as Op } from '../../../src/extensions/canon/codes.js';
import { canonExtension, eosRemoteMode, isCanonEosM } from '../../../src/extensions/canon/index.js';
import { canonEosBehaviour, EOS_60D_OPTIONS } from '../../../src/extensions/canon/responder.js';
import type { Extension } from '../../../src/extensions/extension.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../../src/responder/start.js';
import { PtpIpServer } from '../../../src/transports/ptpip/server.js';
import { PtpIpTransport } from '../../../src/transports/ptpip/transport.js';
import realCameras from '../../../src/responder/personalities/real-cameras.json' with { type: 'json' };
import { expectResponseCode, rejectionOf } from '../../support/assertions.js';

/** Canon's extension without its PTP/IP quirks: what a camera without the session step looks like. */
function withoutPtpIpQuirks(): Extension {
  const { ptpip: _unused, ...bare } = canonExtension;
  return bare;
}

/** The names of the operations the virtual camera logged, in order (other lines left out). */
function operations(log: readonly string[]): string[] {
  return log.flatMap((line) => /^0x[0-9A-F]{4} (\w+)\(/i.exec(line)?.[1] ?? []);
}

describe('Canon PTP/IP quirks', function () {
  this.timeout(20_000);
  let emu: RunningVirtualCamera;
  let log: string[];

  beforeEach(async () => {
    log = [];
    emu = await startVirtualCamera({ personality: 'canon-eos-60d', ptpip: { port: 0 }, log: (line) => log.push(line) });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('a body announcing any name gets no connection quirk, is detected as canon, and gets the session step', async () => {
    // The same 60D behind a server that announces what a Wi-Fi adapter might, not "Canon".
    const server = await PtpIpServer.listen({
      host: '127.0.0.1', port: 0, friendlyName: 'WFT-E5', attach: (link) => void emu.device.attach(link, { wire: 'ptpip' }),
    });
    try {
      const camera = await Camera.open({ transport: server.url });
      try {
        const transport = camera.transport as PtpIpTransport;
        expect(transport.responderName).to.equal('WFT-E5');
        expect(transport.quirks).to.equal(undefined); // Canon needs nothing at connection time
        expect(camera.extension.name).to.equal('canon');
        await camera.session(async () => {
          expect((await camera.transaction(Op.EOS_GetRemoteMode)).params).to.deep.equal([1]);
        });
      } finally {
        await camera.close();
      }
    } finally {
      await server.close();
    }
  });

  it('after OpenSession the camera sets remote mode and event mode, and the body works', async () => {
    const camera = await Camera.open({ transport: emu.url! });
    try {
      await camera.session(async () => {
        expect(await camera.getStorageIds()).to.have.length(1);
        const reply = await camera.transaction(Op.EOS_GetRemoteMode);
        expect(reply.params).to.deep.equal([1]);
        // Event mode is on: the first GetEvent is the property dump, without asking for it.
        const dump = await canon(camera).getEvents();
        expect(dump.some((e) => e.kind === 'propValueChanged')).to.equal(true);
      });
      // The next session (the body left remote control when the last one closed) gets the step again.
      expect(await camera.session(() => camera.getStorageIds())).to.have.length(1);
      expect(operations(log).filter((op) => op === 'EOS_SetRemoteMode')).to.have.length(2);
      // The 60D is no EOS M: DeviceInfo is read once, at open.
      expect(operations(log).filter((op) => op === 'GetDeviceInfo')).to.have.length(1);
    } finally {
      await camera.close();
    }
  });

  it('the built-in personality does not refuse work without the step (that is simulated, opt-in)', async () => {
    const camera = await Camera.open({ transport: emu.url!, extension: withoutPtpIpQuirks() });
    try {
      await camera.session(async () => {
        expect(await camera.getStorageIds()).to.have.length(1);
        expect((await camera.transaction(Op.EOS_GetRemoteMode)).params).to.deep.equal([0]);
      });
    } finally {
      await camera.close();
    }
  });

  describe('a body that refuses work until remote mode is set (simulated: remoteModeRequiredOverPtpIp)', () => {
    let strict: RunningVirtualCamera;
    beforeEach(async () => {
      strict = await startVirtualCamera({
        personality: 'canon-eos-60d', behaviour: canonEosBehaviour({ ...EOS_60D_OPTIONS, remoteModeRequiredOverPtpIp: true }), ptpip: { port: 0 },
      });
    });
    afterEach(async () => {
      await strict.close();
    });

    it('works with the step; without it answers DeviceBusy until remote mode is set by hand', async () => {
      const camera = await Camera.open({ transport: strict.url! });
      try {
        expect(await camera.session(() => camera.getStorageIds())).to.have.length(1);
      } finally {
        await camera.close();
      }
      const bare = await Camera.open({ transport: strict.url!, extension: withoutPtpIpQuirks() });
      try {
        await bare.session(async () => {
          await expectResponseCode(bare.getStorageIds(), ResponseCode.DeviceBusy);
          await canon(bare).setRemoteMode();
          expect(await bare.getStorageIds()).to.have.length(1);
        });
      } finally {
        await bare.close();
      }
    });

    it('keeps the remote mode per connection: another initiator closing its session leaves this one under control', async () => {
      const first = await Camera.open({ transport: strict.url! });
      const second = await Camera.open({ transport: strict.connect() }); // the PTP/IP server takes one initiator at a time
      try {
        await first.session(async () => {
          await second.session(async () => undefined); // its OpenSession, then its CloseSession
          expect(await first.getStorageIds()).to.have.length(1);
          expect((await first.transaction(Op.EOS_GetRemoteMode)).params).to.deep.equal([1]);
        });
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('in-process (not Wi-Fi) the body needs no step, and none is sent', async () => {
      const camera = await Camera.open({ transport: strict.connect(), extension: withoutPtpIpQuirks() });
      try {
        await camera.session(async () => {
          expect(await camera.getStorageIds()).to.have.length(1);
          expect((await camera.transaction(Op.EOS_GetRemoteMode)).params).to.deep.equal([0]);
        });
      } finally {
        await camera.close();
      }
      const detected = await Camera.open({ transport: strict.connect() });
      try {
        await detected.session(async () => expect((await detected.transaction(Op.EOS_GetRemoteMode)).params).to.deep.equal([0]));
      } finally {
        await detected.close();
      }
    });
  });

  it('DeviceBusy on EOS_SetRemoteMode fails the session with an error naming the step, and the session is closed again', async () => {
    const camera = await Camera.open({ transport: emu.url! });
    try {
      emu.device.faults.busy = 1; // the first operation after OpenSession: the step's SetRemoteMode
      const failure = await rejectionOf(camera.session(() => camera.getStorageIds()));
      expect(failure).to.be.instanceOf(SessionError);
      expect((failure as Error).message).to.match(/canon extension's PTP\/IP step after OpenSession failed.*EOS_SetRemoteMode.*DeviceBusy/);
      expect((failure as Error).cause).to.be.instanceOf(DeviceBusyError);
      expect(camera.engine.inSession).to.equal(false);
      expect(operations(log).slice(-3)).to.deep.equal(['OpenSession', 'EOS_SetRemoteMode', 'CloseSession']);
      expect(operations(log)).to.not.include('GetStorageIDs');
      // Closed on the camera's side too: the next session opens afresh and works.
      expect(await camera.session(() => camera.getStorageIds())).to.have.length(1);
    } finally {
      await camera.close();
    }
  });

  it('an EOS M has its DeviceInfo read again after SetRemoteMode, as libgphoto2 does', async () => {
    const m: string[] = [];
    const eosM = await startVirtualCamera({ personality: 'canon-eos-m3', ptpip: { port: 0 }, log: (line) => m.push(line) });
    try {
      const camera = await Camera.open({ transport: eosM.url! });
      try {
        expect(isCanonEosM(camera.deviceInfo)).to.equal(true);
        await camera.session(async () => undefined);
        expect(operations(m)).to.deep.equal([
          'GetDeviceInfo', 'OpenSession', 'EOS_SetRemoteMode', 'GetDeviceInfo', 'EOS_SetEventMode', 'CloseSession',
        ]);
      } finally {
        await camera.close();
      }
    } finally {
      await eosM.close();
    }
  });
});

describe('eosRemoteMode: the remote mode libgphoto2 sends each EOS body', () => {
  const info = (source: string): Pick<DeviceInfo, 'model' | 'operationsSupported'> => {
    const r = (realCameras as ReadonlyArray<{ source: string; model: string | null; operationsSupported: number[] }>).find((c) => c.source === source);
    if (r === undefined) throw new Error(`no fixture ${source}`);
    return { model: r.model ?? '', operationsSupported: r.operationsSupported };
  };

  it('0x15 for the EOS M line and PowerShots with EOS firmware, with libgphoto2\'s exceptions; 1 for the rest', () => {
    expect(eosRemoteMode(info('canon-eos60d.txt'))).to.equal(1);
    expect(eosRemoteMode(info('canon-eos-r.txt'))).to.equal(1);
    expect(eosRemoteMode(info('canon-eos-m3.txt'))).to.equal(0x15);
    expect(eosRemoteMode(info('canon-eos-m100.txt'))).to.equal(0x15);
    expect(eosRemoteMode(info('canon-eos-m6-mark2.txt'))).to.equal(1);
    expect(eosRemoteMode(info('canon-powershot-sx720hs.txt'))).to.equal(0x11);
    expect(eosRemoteMode(info('canon-powershot-g7x-mark2.txt'))).to.equal(0x15);
  });

  it('isCanonEosM: the EOS M line and EOS-firmware compacts (also those with another mode), not the other EOS bodies', () => {
    for (const source of ['canon-eos-m3.txt', 'canon-eos-m100.txt', 'canon-eos-m6-mark2.txt', 'canon-powershot-sx720hs.txt', 'canon-powershot-g7x-mark2.txt']) {
      expect(isCanonEosM(info(source)), source).to.equal(true);
    }
    for (const source of ['canon-eos60d.txt', 'canon-eos-r.txt']) expect(isCanonEosM(info(source)), source).to.equal(false);
  });
});
