import { expect } from 'chai';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emulateCommand } from '../../src/cli/emulate.js';
import { main } from '../../src/cli/main.js';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function run(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('cli', () => {
  let card: string;
  let dest: string;
  const photo = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));

  before(async () => {
    card = await mkdtemp(path.join(tmpdir(), 'ptpts-cli-card-'));
    await mkdir(path.join(card, 'DCIM', '100TEST'), { recursive: true });
    await writeFile(path.join(card, 'DCIM', '100TEST', 'IMG_0001.JPG'), photo);
    await writeFile(path.join(card, 'notes.txt'), 'hello');
  });
  beforeEach(async () => {
    dest = await mkdtemp(path.join(tmpdir(), 'ptpts-cli-out-'));
  });
  afterEach(async () => rm(dest, { recursive: true, force: true }));
  after(async () => rm(card, { recursive: true, force: true }));

  it('info prints the device and its storage', async () => {
    const r = await run('info', '--emulator', '--root', card);
    expect(r.code, r.err.join('\n')).to.equal(0);
    const text = r.out.join('\n');
    expect(text).to.match(/Model:\s+Virtual Camera/);
    expect(text).to.contain('0x1009 GetObject');
    expect(text).to.match(/Storage \/store_00010001: /);
  });

  it('info --json is parseable and carries the DeviceInfo', async () => {
    const r = await run('info', '--emulator', '--root', card, '--json');
    expect(r.code).to.equal(0);
    const json = JSON.parse(r.out.join('\n')) as { deviceInfo: { model: string }; storages: Array<{ storageId: number }> };
    expect(json.deviceInfo.model).to.equal('Virtual Camera');
    expect(json.storages.map((s) => s.storageId)).to.deep.equal([0x00010001]);
  });

  it('ls lists every object with its path', async () => {
    const r = await run('ls', '--emulator', '--root', card);
    expect(r.code).to.equal(0);
    const text = r.out.join('\n');
    expect(text).to.contain('/store_00010001/DCIM/');
    expect(text).to.contain('/store_00010001/DCIM/100TEST/IMG_0001.JPG');
    expect(text).to.contain('/store_00010001/notes.txt');
  });

  it('get by path downloads the bytes unchanged', async () => {
    const r = await run('get', '/store_00010001/DCIM/100TEST/IMG_0001.JPG', '-o', dest, '--emulator', '--root', card);
    expect(r.code, r.err.join('\n')).to.equal(0);
    expect(await readFile(path.join(dest, 'IMG_0001.JPG'))).to.deep.equal(photo);
  });

  it('get --all keeps the device folders', async () => {
    const r = await run('get', '--all', '-o', dest, '--json', '--emulator', '--root', card);
    expect(r.code, r.err.join('\n')).to.equal(0);
    const listed = JSON.parse(r.out.join('\n')) as Array<{ path: string; bytes: string }>;
    expect(listed.map((x) => x.path).sort()).to.deep.equal([
      '/store_00010001/DCIM/100TEST/IMG_0001.JPG',
      '/store_00010001/notes.txt',
    ]);
    expect(await readFile(path.join(dest, 'store_00010001', 'DCIM', '100TEST', 'IMG_0001.JPG'))).to.deep.equal(photo);
    expect(await readFile(path.join(dest, 'store_00010001', 'notes.txt'), 'utf8')).to.equal('hello');
    expect((await readdir(dest)).some((f) => f.endsWith('.part'))).to.equal(false);
  });

  it('an unknown object is one clear line and exit code 2', async () => {
    const r = await run('get', '999', '-o', dest, '--emulator', '--root', card);
    expect(r.code).to.equal(2);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/^ptpts: no object 999/);
  });

  it('a device error is one line with its code, and the stack only with --verbose', async () => {
    const quiet = await run('info', '--usb');
    expect(quiet.code).to.equal(1);
    expect(quiet.err).to.have.length(1);
    // No camera is plugged into the machines the tests run on: the message says what to check.
    expect(quiet.err[0]).to.match(/(no PTP\/MTP camera found on USB|USB is not available).*\[ERR_PTP_TRANSPORT\]$/);
    const verbose = await run('info', '--usb', '--verbose');
    expect(verbose.err.length).to.be.greaterThan(1);
    expect(verbose.err.join('\n')).to.match(/\n\s+at /);
  });

  it('rejects two targets at once', async () => {
    const r = await run('ls', '--emulator', '--ptpip', '127.0.0.1');
    expect(r.code).to.equal(2);
    expect(r.err.join('\n')).to.contain('choose one of');
  });

  it('demo runs the whole tour', async () => {
    const r = await run('demo');
    expect(r.code, r.err.join('\n')).to.equal(0);
    const text = r.out.join('\n');
    expect(text).to.match(/at ptpip:\/\/127\.0\.0\.1:\d+/); // over loopback PTP/IP, as the README promises
    expect(text).to.contain('== DeviceInfo');
    expect(text).to.match(/-> .*SAMP0001\.JPG/);
    expect(text).to.match(/event: 0x4002 ObjectAdded/);
    expect(text).to.match(/event: 0x400D CaptureComplete/);
    expect(text).to.match(/captured \/store_00010001\/DCIM\/100PTPTS\/IMG_0001\.JPG \(640x480/);
  });
});

describe('cli emulate + --ptpip', () => {
  it('serves a folder over PTP/IP that `ls --ptpip` and `get --ptpip` read', async () => {
    const card = await mkdtemp(path.join(tmpdir(), 'ptpts-cli-emu-'));
    const dest = await mkdtemp(path.join(tmpdir(), 'ptpts-cli-emu-out-'));
    await writeFile(path.join(card, 'a.txt'), 'over tcp');
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = emulateCommand({ root: [card], ptpip: '127.0.0.1:0' }, { out: (l) => lines.push(l), err: (l) => lines.push(l) }, stopped);
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && url === undefined; i++) {
        url = lines.map((l) => /at ptpip:\/\/(127\.0\.0\.1:\d+)/.exec(l)?.[1]).find((u) => u !== undefined);
        if (url === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      expect(url, lines.join('\n')).to.be.a('string');
      const ls = await run('ls', '--ptpip', url!);
      expect(ls.code, ls.err.join('\n')).to.equal(0);
      expect(ls.out.join('\n')).to.contain('/store_00010001/a.txt');
      const get = await run('get', '/store_00010001/a.txt', '-o', dest, '--ptpip', url!);
      expect(get.code, get.err.join('\n')).to.equal(0);
      expect(await readFile(path.join(dest, 'a.txt'), 'utf8')).to.equal('over tcp');
      // Each transaction is logged.
      expect(lines.some((l) => l.includes('GetObject(0x'))).to.equal(true);
    } finally {
      stop();
      await running;
      await rm(card, { recursive: true, force: true });
      await rm(dest, { recursive: true, force: true });
    }
  });

  it('a refused PTP/IP connection is one clear line', async () => {
    const r = await run('info', '--ptpip', '127.0.0.1:1');
    expect(r.code).to.equal(1);
    expect(r.err).to.have.length(1);
    expect(r.err[0]).to.match(/cannot connect to 127\.0\.0\.1:1: ECONNREFUSED.*\[ERR_PTP_TRANSPORT\]/);
  });
});

describe('cli personalities', () => {
  it('--emulator=NAME presents a recorded device, vendor codes and all', async () => {
    const r = await run('info', '--emulator=nikon-d750', '--json');
    expect(r.code, r.err.join('\n')).to.equal(0);
    const info = (JSON.parse(r.out.join('\n')) as { deviceInfo: { manufacturer: string; model: string; vendorExtensionId: number; operationsSupported: number[] } }).deviceInfo;
    expect(info.manufacturer).to.equal('Nikon Corporation');
    expect(info.model).to.equal('D750');
    expect(info.operationsSupported.some((c) => c >= 0x9000)).to.equal(true);
  });

  it('an unknown personality is a usage error that suggests real names', async () => {
    const r = await run('ls', '--emulator=canon-eos-99z');
    expect(r.code).to.equal(2);
    expect(r.err.join('\n')).to.match(/unknown personality "canon-eos-99z"; similar: canon-/);
  });
});

describe('cli devices', () => {
  it('lists the USB cameras (none on a test machine) as text and JSON', async () => {
    const text = await run('devices');
    // No camera here; if USB itself is unavailable the error is one clear line.
    if (text.code === 0) {
      expect(text.out.join('\n')).to.match(/No PTP\/MTP device on USB|:/);
      const json = await run('devices', '--json');
      expect(Array.isArray(JSON.parse(json.out.join('\n')))).to.equal(true);
    } else {
      expect(text.err).to.have.length(1);
      expect(text.err[0]).to.match(/USB is not available.*\[ERR_PTP_TRANSPORT\]$/);
    }
  });
});
