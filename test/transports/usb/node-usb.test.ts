/**
 * node-usb stays out of what a browser bundles: `UsbTransport`, the browser
 * entry and everything they import never load `usb`; `nodeUsbSource()` (Node
 * only) is node-usb's WebUSB, one for the process, and the default source of
 * the discovery helpers `ptpts` exports. (test/browser/ bundles the browser
 * entry for real.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { WebUSB } from 'usb';
import { findUsbCameras, nodeUsbSource } from '../../../src/transports/usb/node-usb.js';
import type { UsbDeviceSource } from '../../../src/transports/usb/source.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Every module of ours `file` imports, directly or not (static and dynamic imports), with its source text. */
function importGraph(file: string, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, 'utf8');
  seen.set(file, text);
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
    importGraph(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')), seen);
  }
  return seen;
}

describe('USB: node-usb only where Node needs it', () => {
  for (const entry of ['transports/usb/transport.ts', 'browser.ts']) {
    it(`${entry} imports no module that loads node-usb (a browser bundles it with navigator.usb alone)`, () => {
      const graph = importGraph(path.join(SRC, entry));
      expect(graph.size).to.be.greaterThan(5); // the walk did follow imports
      const loadsUsb = [...graph].filter(([, text]) => /(?:from\s+|import\s*\(\s*)'usb'/.test(text)).map(([file]) => path.relative(SRC, file));
      expect(loadsUsb).to.deep.equal([]);
    });
  }

  it('nodeUsbSource() is node-usb\'s WebUSB, the same one every time, with what a UsbDeviceSource needs', async () => {
    const source = await nodeUsbSource();
    expect(source).to.be.instanceOf(WebUSB);
    expect(await nodeUsbSource()).to.equal(source);
    for (const method of ['getDevices', 'addEventListener', 'removeEventListener'] as const) expect(source[method]).to.be.a('function');
  });

  it("ptpts's discovery helpers list a source given instead of node-usb's", async () => {
    const given: UsbDeviceSource = { getDevices: async () => [], addEventListener: () => undefined, removeEventListener: () => undefined };
    expect(await findUsbCameras({}, { source: given })).to.deep.equal([]);
  });
});
