import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../../src/camera.js';
import { personalityNames, resolvePersonality } from '../../src/responder/personalities/index.js';
import { startVirtualCamera } from '../../src/responder/start.js';

interface Recorded {
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly vendorExtensionId: number | null;
  readonly operationsSupported: number[];
  readonly source: string;
}

describe('virtual camera personalities', () => {
  let card: string;
  before(async () => {
    card = await mkdtemp(path.join(tmpdir(), 'ptpts-personality-'));
  });
  after(async () => rm(card, { recursive: true, force: true }));

  it('offers ptp and every recorded device by its file name', () => {
    const names = personalityNames();
    expect(names[0]).to.equal('ptp');
    expect(names).to.include.members(['sony-a6000', 'nikon-d750', 'parrot-sequoia', 'canon-eos60d']);
    expect(names).to.have.length(180); // ptp, mtp and the 178 recorded devices
  });

  it('every recorded device can be worn: a client reads back its DeviceInfo', async function () {
    this.timeout(120_000);
    const { default: recorded } = await import('../fixtures/deviceinfo-real-cameras.json', { with: { type: 'json' } }) as { default: Recorded[] };
    for (const r of recorded) {
      const name = r.source.replace(/\.[a-z]+$/i, '');
      const emu = await startVirtualCamera({ root: card, personality: name });
      const camera = await Camera.open({ transport: emu.connect() });
      try {
        const info = camera.deviceInfo;
        expect(info.manufacturer, name).to.equal(r.manufacturer ?? '');
        expect(info.model, name).to.equal(r.model ?? '');
        expect(info.vendorExtensionId, name).to.equal(r.vendorExtensionId ?? 0);
        expect(info.operationsSupported, name).to.deep.equal(r.operationsSupported);
        // Properties are only those the virtual camera can describe.
        await camera.session(async () => {
          for (const code of info.devicePropertiesSupported) await camera.getDevicePropDesc(code);
        });
      } finally {
        await camera.close();
        await emu.close();
      }
    }
  });

  it('the names the docs promise resolve (canon-eos-60d is the EOS 60D)', async () => {
    expect((await resolvePersonality('canon-eos-60d')).deviceInfo.model).to.equal('Canon EOS 60D');
    expect((await resolvePersonality('parrot-sequoia')).deviceInfo.vendorExtensionId).to.equal(0x1b);
  });

  it('reads a DeviceInfo JSON file', async () => {
    const file = path.join(card, 'mine.json');
    await writeFile(file, JSON.stringify({ manufacturer: 'ACME', model: 'Roadrunner 1', vendorExtensionId: 0 }));
    const emu = await startVirtualCamera({ root: card, personality: file });
    try {
      expect(emu.device.deviceInfo.model).to.equal('Roadrunner 1');
    } finally {
      await emu.close();
    }
  });

  it('an unknown name fails before anything is served, naming similar ones', async () => {
    let err: unknown;
    try {
      await startVirtualCamera({ personality: 'sony-a9999' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(RangeError);
    expect((err as Error).message).to.match(/similar: .*sony-a6000/);
  });
});
