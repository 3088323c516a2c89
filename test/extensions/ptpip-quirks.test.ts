/**
 * How `Camera.open` chooses PTP/IP quirks: from the imposed extension, else
 * from the extension that recognises the Init Command Ack (before DeviceInfo
 * exists); and how an extension's session step runs after OpenSession.
 * Vendor quirks themselves are tested in canon/ and nikon/.
 */
import { expect } from 'chai';
import { Camera } from '../../src/camera.js';
import { OperationCode } from '../../src/core/codes/operations.js';
import { SessionError } from '../../src/core/errors.js';
import type { Transport } from '../../src/core/transport.js';
import type { Extension } from '../../src/extensions/extension.js';
import { findExtension, listExtensions, registerExtension } from '../../src/extensions/registry.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../src/responder/start.js';
import type { PtpIpQuirks } from '../../src/transports/ptpip/transport.js';
import { PtpIpTransport } from '../../src/transports/ptpip/transport.js';
import { rejectionOf } from '../support/assertions.js';

describe('PTP/IP quirk selection', function () {
  this.timeout(20_000);
  let emu: RunningVirtualCamera;
  const connected: string[] = [];
  const connection: PtpIpQuirks = {
    eventChannelDelayMs: 1,
    afterConnect: async (t) => {
      connected.push(t.responderName);
    },
  };
  const steps: number[] = [];
  const acme: Extension = {
    name: 'acme-wifi',
    codes: {},
    match: () => 0,
    ptpip: {
      recognize: (r) => /^Acme\b/.test(r.name),
      connection,
      afterOpenSession: async (camera) => {
        steps.push((await camera.transaction(OperationCode.GetStorageIDs)).code);
      },
    },
  };
  let unregister: (() => void) | undefined;
  before(() => {
    unregister = registerExtension(acme);
  });
  after(() => {
    unregister?.();
    expect(findExtension('acme-wifi')).to.equal(undefined);
  });

  beforeEach(async () => {
    connected.length = 0;
    steps.length = 0;
    emu = await startVirtualCamera({ deviceInfo: { manufacturer: 'Acme', model: 'Rocket 1' }, ptpip: { port: 0 } });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('a registered extension that recognises the Init Command Ack gets its connection quirks applied', async () => {
    const camera = await Camera.open({ transport: emu.url! });
    try {
      const transport = camera.transport as PtpIpTransport;
      expect(transport.responderName).to.equal('Acme Rocket 1');
      expect(transport.quirks).to.equal(connection);
      expect(connected).to.deep.equal(['Acme Rocket 1']);
      // Detection from DeviceInfo is separate: acme matches nothing there.
      expect(camera.extension.name).to.equal('ptp');
      await camera.session(async () => undefined);
      expect(steps).to.deep.equal([]); // the session step belongs to the camera's extension, not to the Ack's
    } finally {
      await camera.close();
    }
  });

  it('an imposed extension brings its quirks and its session step, on PTP/IP only', async () => {
    const camera = await Camera.open({ transport: emu.url!, extension: acme });
    try {
      expect((camera.transport as PtpIpTransport).quirks).to.equal(connection);
      await camera.session(async () => camera.session(async () => undefined)); // nested: one OpenSession, one step
      await camera.session(async () => undefined);
      expect(steps).to.deep.equal([0x2001, 0x2001]);
    } finally {
      await camera.close();
    }
    const local = await Camera.open({ transport: emu.connect(), extension: acme });
    try {
      await local.session(async () => undefined);
      expect(steps).to.have.length(2);
    } finally {
      await local.close();
    }
  });

  it('the session step goes by Transport.kind, not by class: a transport of its own that says "ptpip" (a proxy) gets it', async () => {
    const inner = emu.connect();
    const proxy: Transport = {
      kind: 'ptpip',
      description: 'PTP/IP through a proxy',
      get isOpen() {
        return inner.isOpen;
      },
      open: (signal) => inner.open(signal),
      close: () => inner.close(),
      transaction: (request, phases) => inner.transaction(request, phases),
      onEvent: (listener) => inner.onEvent(listener),
      onDisconnect: (listener) => inner.onDisconnect(listener),
      cancel: (id) => inner.cancel(id),
      reset: () => inner.reset(),
    };
    const camera = await Camera.open({ transport: proxy, extension: acme });
    try {
      await camera.session(async () => undefined);
      expect(steps).to.deep.equal([0x2001]);
    } finally {
      await camera.close();
    }
  });

  it('nothing is applied to a responder no extension recognises', async () => {
    const plain = await startVirtualCamera({ ptpip: { port: 0 } });
    try {
      const camera = await Camera.open({ transport: plain.url! });
      try {
        expect((camera.transport as PtpIpTransport).responderName).to.equal('ptpts Virtual Camera');
        expect((camera.transport as PtpIpTransport).quirks).to.equal(undefined);
      } finally {
        await camera.close();
      }
    } finally {
      await plain.close();
    }
  });

  it('a failed session step fails the session with a SessionError saying so, and closes it again', async () => {
    const failing: Extension = {
      ...acme,
      name: 'acme-failing',
      ptpip: { afterOpenSession: () => Promise.reject(new Error('no remote control')) },
    };
    const camera = await Camera.open({ transport: emu.url!, extension: failing });
    try {
      const failure = await rejectionOf(camera.session(async () => undefined));
      expect(failure).to.be.instanceOf(SessionError);
      expect((failure as Error).message).to.match(/acme-failing extension's PTP\/IP step after OpenSession failed.*no remote control/);
      expect(((failure as Error).cause as Error).message).to.equal('no remote control');
      expect(camera.engine.inSession).to.equal(false);
    } finally {
      await camera.close();
    }
  });

  it('an unknown extension name fails before any connection is made', async () => {
    const failure = await rejectionOf(Camera.open({ transport: 'ptpip://127.0.0.1:1', extension: 'no-such-vendor' }));
    expect(failure).to.be.instanceOf(RangeError);
  });
});

describe('registerExtension', () => {
  const mine = (name: string): Extension => ({ name, codes: {}, match: () => 0 });

  it('returns a function that removes the extension again, once', () => {
    const before = listExtensions().map((e) => e.name);
    const unregister = registerExtension(mine('acme-temporary'));
    expect(findExtension('acme-temporary')?.name).to.equal('acme-temporary');
    unregister();
    unregister();
    expect(findExtension('acme-temporary')).to.equal(undefined);
    expect(listExtensions().map((e) => e.name)).to.deep.equal(before);
  });

  it('puts back the extension it replaced, and leaves a later replacement alone', () => {
    const original = findExtension('parrot');
    const replacement = mine('parrot');
    const unregister = registerExtension(replacement);
    expect(findExtension('parrot')).to.equal(replacement);
    unregister();
    expect(findExtension('parrot')).to.equal(original);

    const first = registerExtension(mine('acme-twice'));
    const second = mine('acme-twice');
    const undoSecond = registerExtension(second);
    first(); // replaced since: nothing to undo
    expect(findExtension('acme-twice')).to.equal(second);
    undoSecond();
    expect(findExtension('acme-twice')?.name).to.equal('acme-twice'); // the first one is back...
    first(); // ...and it can still go
    expect(findExtension('acme-twice')).to.equal(undefined);
  });
});
