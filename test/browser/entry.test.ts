/**
 * The browser entry (`ptpts/browser`, src/browser.ts) from Node's side: it
 * exports what `ptpts` does, less the Node-only names listed here, and the
 * same objects except where the browser needs its own (Camera and the USB
 * helpers, which default to navigator.usb); its Camera refuses PTP/IP without
 * loading it. And the built package: a bundler resolves `ptpts` to
 * dist/browser.js for the browser (the `browser` export condition) and to
 * dist/index.js for Node, and neither browser bundle needs a Node built-in
 * (`npm test` builds first; alone, run `npm run build` before).
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as browser from '../../src/browser.js';
import { Camera } from '../../src/camera.js';
import * as node from '../../src/index.js';
import { startVirtualCamera } from '../../src/responder/start.js';
import { rejectionOf } from '../support/assertions.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What `ptpts` exports and `ptpts/browser` does not: each needs Node (TCP, the file system, node-usb). */
const NODE_ONLY = [
  // PTP/IP: TCP sockets.
  'DataPhase', 'InitFailReason', 'PTPIP_HANDSHAKE_PROBE_TIMEOUT_MS', 'PTPIP_VERSION', 'PtpIpInitFailError', 'PtpIpPacketParser',
  'PtpIpPacketType', 'PtpIpServer', 'PtpIpTransport', 'decodePtpIpPacket', 'defaultGuid', 'encodePtpIpDataHeader',
  'encodePtpIpPacket', 'formatGuid', 'parseGuid', 'ptpIpPacketTypeName',
  // The virtual camera and its personalities: the file system.
  'MTP_DEVICE_INFO', 'SEQUOIA_READINGS', 'VIRTUAL_LIVE_VIEW_HEADER_SIZE', 'VirtualCamera', 'canonEosBehaviour',
  'canonPowerShotBehaviour', 'eosDefaultProperties', 'mtpBehaviour', 'nikonBehaviour', 'parrotBehaviour', 'sequoiaState',
  'startVirtualCamera', 'supportedObjectProps',
  // node-usb.
  'nodeUsbSource',
];

/** Exported by both under one name, as different objects: Node's resolve transports with node-usb and PTP/IP. */
const OWN_IN_BROWSER = ['Camera', 'findUsbCameras', 'firstUsbCamera', 'firstUsbCameraInfo', 'resolveTransport', 'watchUsbCameras'];

describe('ptpts/browser (src/browser.ts)', () => {
  const nodeNames = Object.keys(node).sort();
  const browserNames = Object.keys(browser).sort();

  it('exports what ptpts does, less the Node-only names', () => {
    expect(browserNames.filter((n) => !nodeNames.includes(n)), 'only in the browser').to.deep.equal([]);
    expect(nodeNames.filter((n) => !browserNames.includes(n)), 'only in Node').to.deep.equal([...NODE_ONLY].sort());
  });

  it('exports the same objects, except its own Camera and USB helpers (navigator.usb by default)', () => {
    const exports = { node: node as Record<string, unknown>, browser: browser as Record<string, unknown> };
    expect(browserNames.filter((n) => exports.node[n] !== exports.browser[n])).to.deep.equal([...OWN_IN_BROWSER].sort());
    // Node's Camera is the portable one with Node's transports: everything else is shared.
    expect(Object.getPrototypeOf(Camera)).to.equal(browser.Camera);
  });

  it('its Camera refuses ptpip:// with a clear error, without connecting, and works over a Transport given', async () => {
    const err = await rejectionOf(browser.Camera.open({ transport: 'ptpip://127.0.0.1:1' }));
    expect(err).to.be.instanceOf(browser.TransportError);
    expect((err as Error).message).to.match(/^PTP\/IP needs Node: a browser cannot open TCP connections to ptpip:\/\/127\.0\.0\.1:1/);
    // No navigator.usb in Node: 'usb' says where USB comes from here.
    expect(((await rejectionOf(browser.Camera.open({ transport: 'usb' }))) as Error).message).to.match(/no USB device source.*ptpts/);
    const emu = await startVirtualCamera();
    try {
      const camera = await browser.Camera.open({ transport: emu.connect() });
      try {
        expect(camera).to.be.instanceOf(browser.Camera).and.not.instanceOf(Camera);
        expect(camera.transport.kind).to.equal('in-process');
        expect(await camera.session(() => camera.getStorageIds())).to.have.length.greaterThan(0);
      } finally {
        await camera.close();
      }
    } finally {
      await emu.close();
    }
  });

  it("Node's Camera.open builds a Node Camera, called on the class or detached", async () => {
    const emu = await startVirtualCamera();
    try {
      const camera = await Camera.open({ transport: emu.connect() });
      expect(camera).to.be.instanceOf(Camera);
      await camera.close();
      const { open } = Camera;
      const detached = await open({ transport: emu.connect() });
      expect(detached).to.be.instanceOf(Camera);
      await detached.close();
      const { open: openPortable } = browser.Camera;
      const portable = await openPortable({ transport: emu.connect() });
      expect(portable).to.be.instanceOf(browser.Camera).and.not.instanceOf(Camera);
      await portable.close();
    } finally {
      await emu.close();
    }
  });
});

describe('the built package in bundlers (dist/)', () => {
  before(function () {
    if (!existsSync(path.join(root, 'dist/browser.js'))) throw new Error('dist/browser.js is missing: run `npm run build` first');
  });

  /** The package files a bundle of `import * from spec` uses, for `platform`. */
  async function bundled(spec: string, platform: 'browser' | 'node'): Promise<string[]> {
    const result = await build({
      absWorkingDir: root,
      // Resolved from inside the package, as a self-reference, through package.json's exports map.
      stdin: { contents: `export * from '${spec}';`, resolveDir: root, loader: 'ts' },
      bundle: true,
      platform,
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // For Node, node-usb is a native module to load at run time, not to bundle.
      external: platform === 'node' ? ['usb'] : [],
    });
    return Object.keys(result.metafile.inputs);
  }

  it("'ptpts' for the browser is dist/browser.js (the browser condition), with no Node built-in; for Node, dist/index.js", async function () {
    this.timeout(20_000);
    const forBrowser = await bundled('ptpts', 'browser');
    expect(forBrowser).to.include('dist/browser.js').and.not.include('dist/index.js');
    expect(forBrowser.filter((f) => /dist\/(transports\/ptpip|transports\/usb\/node-usb|responder|cli)\//.test(f))).to.deep.equal([]);
    expect(await bundled('ptpts/browser', 'browser')).to.include('dist/browser.js');
    expect(await bundled('ptpts', 'node')).to.include('dist/index.js').and.not.include('dist/browser.js');
  });
});
