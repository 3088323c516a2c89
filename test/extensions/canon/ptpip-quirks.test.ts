/**
 * Canon's PTP/IP session step, end to end against the virtual EOS 60D over
 * loopback PTP/IP: the body announces "Canon EOS 60D" in its Init Command
 * Ack, and over Wi-Fi refuses work (DeviceBusy) until it is put under remote
 * control, which `Camera` does right after OpenSession (EOS_SetRemoteMode,
 * then EOS_SetEventMode, as libgphoto2 and Rocc do).
 */
import { expect } from 'chai';
import { Camera } from '../../../src/camera.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import type { DeviceInfo } from '../../../src/core/datasets/device-info.js';
import { canon } from '../../../src/extensions/canon/api.js';
import { CanonOperationCode as Op } from '../../../src/extensions/canon/codes.js';
import { canonExtension, eosRemoteMode } from '../../../src/extensions/canon/index.js';
import type { Extension } from '../../../src/extensions/extension.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../../src/responder/start.js';
import { PtpIpTransport } from '../../../src/transports/ptpip/transport.js';
import realCameras from '../../../src/responder/personalities/real-cameras.json' with { type: 'json' };
import { expectResponseCode } from '../../support/assertions.js';

/** Canon's extension without its PTP/IP quirks: what a camera without the session step looks like. */
function withoutPtpIpQuirks(): Extension {
  const { ptpip: _unused, ...bare } = canonExtension;
  return bare;
}

describe('Canon PTP/IP quirks', function () {
  this.timeout(20_000);
  let emu: RunningVirtualCamera;

  beforeEach(async () => {
    emu = await startVirtualCamera({ personality: 'canon-eos-60d', ptpip: { port: 0 } });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('the 60D announces itself as "Canon EOS 60D", which the Canon extension recognises', async () => {
    const camera = await Camera.open({ transport: emu.url! });
    try {
      const transport = camera.transport as PtpIpTransport;
      expect(transport.responderName).to.equal('Canon EOS 60D');
      expect(canonExtension.ptpip?.recognize?.({ name: transport.responderName, guid: transport.responderGuid })).to.equal(true);
      expect(transport.quirks).to.equal(undefined); // Canon needs nothing at connection time
    } finally {
      await camera.close();
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
    } finally {
      await camera.close();
    }
  });

  it('without the step the body over PTP/IP answers DeviceBusy', async () => {
    const camera = await Camera.open({ transport: emu.url!, extension: withoutPtpIpQuirks() });
    try {
      await camera.session(async () => {
        await expectResponseCode(camera.getStorageIds(), ResponseCode.DeviceBusy);
        // What the step does, done by hand, unlocks it.
        await canon(camera).setRemoteMode();
        expect(await camera.getStorageIds()).to.have.length(1);
      });
    } finally {
      await camera.close();
    }
  });

  it('in-process (not Wi-Fi) the body needs no step, and none is sent', async () => {
    const camera = await Camera.open({ transport: emu.connect(), extension: withoutPtpIpQuirks() });
    try {
      await camera.session(async () => {
        expect(await camera.getStorageIds()).to.have.length(1);
        expect((await camera.transaction(Op.EOS_GetRemoteMode)).params).to.deep.equal([0]);
      });
    } finally {
      await camera.close();
    }
    const detected = await Camera.open({ transport: emu.connect() });
    try {
      await detected.session(async () => expect((await detected.transaction(Op.EOS_GetRemoteMode)).params).to.deep.equal([0]));
    } finally {
      await detected.close();
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
});
