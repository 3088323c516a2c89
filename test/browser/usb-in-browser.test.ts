/**
 * `ptpts/browser` in a real browser. The page script (usb-page.ts, which
 * imports src/browser.ts and the scripted fake USBDevice) is bundled with
 * esbuild for the browser with no externals: a Node built-in or node-usb
 * anywhere in its import graph fails the bundle. Headless Chromium then runs
 * it: Camera over the real UsbTransport against the fake device (DeviceInfo,
 * storage, objects downloaded byte-identical, a property, an event), and the
 * transport strings ('usb' through navigator.usb, 'ptpip://' refused). The
 * page writes its report into the DOM, which Chromium dumps: no WebDriver.
 * Without Chromium the browser half skips outside CI and fails in CI.
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DataType } from '../../src/core/codec/datatypes.js';
import { findOnPath, missingToolMessage, skipOrFail } from '../interop/tools.js';
import { objectBytes, SCRIPTED } from './scripted-camera.js';
import type { PageReport } from './usb-page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
/** Debian's name first; other distributions and Google's build name it otherwise. */
const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

describe('ptpts/browser in headless Chromium (WebUSB transport against a scripted USBDevice)', function () {
  this.timeout(60_000);
  let dir: string;
  let page: string | undefined;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ptpts-browser-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bundles for the browser with no externals: no Node built-in, node-usb, PTP/IP or responder module in it', async () => {
    const result = await build({
      absWorkingDir: root, // the metafile's paths are relative to it
      entryPoints: [path.join(here, 'usb-page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      outfile: path.join(dir, 'page.js'),
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).to.include('src/browser.ts');
    expect(inputs.filter((f) => /^src\/(transports\/ptpip\/|transports\/usb\/node-usb|transports\/resolve\.ts|responder\/|cli\/|camera\.ts|index\.ts)/.test(f))).to.deep.equal([]);
    await writeFile(path.join(dir, 'page.html'), '<!doctype html>\n<html><body><pre id="report"></pre><script src="page.js"></script></body></html>\n');
    page = path.join(dir, 'page.html');
  });

  it('opens the camera through UsbTransport, lists, downloads byte-identical, reads a property and an event', async function () {
    const chromium = BROWSERS.map(findOnPath).find((p) => p !== undefined);
    if (chromium === undefined) skipOrFail(this, missingToolMessage('chromium', 'apt-get install chromium'));
    if (page === undefined) throw new Error('the bundle was not built (see the test above)');
    const { stdout } = await promisify(execFile)(chromium, [
      '--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${path.join(dir, 'profile')}`,
      // Timers run on virtual time, so the page's timeouts cost no real time; 10 s is far more than it needs.
      '--virtual-time-budget=10000', '--dump-dom', pathToFileURL(page).href,
    ], { timeout: 45_000, maxBuffer: 16 * 1024 * 1024 });
    const text = /<pre id="report">([\s\S]*?)<\/pre>/.exec(stdout)?.[1];
    expect(text, 'no report in the dumped page').to.be.a('string');
    const report = JSON.parse(text!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as PageReport;
    expect(report.error, 'the page failed').to.equal(undefined);
    expect(report.ok).to.equal(true);

    expect(report.webUsb, 'navigator.usb in Chromium').to.equal(true);
    expect(report.deviceInfo).to.deep.equal({ manufacturer: SCRIPTED.manufacturer, model: SCRIPTED.model, serialNumber: SCRIPTED.serialNumber });
    expect(report.extension).to.equal('ptp');
    expect(report.transportKind).to.equal('usb');
    expect(report.storageIds).to.deep.equal([SCRIPTED.storageId]);
    expect(report.storageDescription).to.equal(SCRIPTED.storageDescription);
    expect(report.handles).to.deep.equal(SCRIPTED.objects.map((o) => o.handle));
    expect(report.objects).to.deep.equal(SCRIPTED.objects.map((o) => ({
      handle: o.handle,
      filename: o.filename,
      size: o.size,
      downloaded: o.size,
      identical: true,
      streamedIdentical: true,
      // Hashed in Node from the same seed: the bytes the browser got are the scripted ones.
      sha256: createHash('sha256').update(objectBytes(o)).digest('hex'),
    })));
    expect(report.batteryDesc).to.deep.equal({ dataType: DataType.UINT8, currentValue: SCRIPTED.batteryLevel });
    expect(report.batteryLevel).to.equal(SCRIPTED.batteryLevel);
    expect(report.event).to.deep.equal({ name: 'ObjectAdded', params: [0x42] });

    expect(report.ptpipError).to.match(/^TransportError: PTP\/IP needs Node/);
    expect(report.usbSpec).to.deep.equal({ model: SCRIPTED.model, transportKind: 'usb' });
    expect(report.filters).to.deep.equal([
      { classCode: 6, subclassCode: 1, protocolCode: 1 },
      { classCode: 0xff, subclassCode: 0xff },
    ]);
  });
});
