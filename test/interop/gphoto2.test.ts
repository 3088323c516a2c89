/**
 * gphoto2 (libgphoto2's PTP/IP initiator) against the virtual camera: each test
 * starts its own camera on a free port, runs one gphoto2 command the way a user
 * would, and checks both what gphoto2 prints/saves and what happened to the
 * served folder. See /work/shared/research/gphoto2-as-ptpip-client.md.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Camera } from '../../src/camera.js';
import { DevicePropCode } from '../../src/core/codes/properties.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../src/responder/start.js';
import { requireTool } from './tools.js';

const MiB = 1024 * 1024;
const STORE = '/store_00010001';
/** Seconds before `timeout` sends SIGTERM to gphoto2 (then SIGKILL 10 s later: gphoto2 may ignore SIGTERM). */
const GPHOTO2_TIMEOUT_S = 60;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

interface Served {
  /** The served folder. */
  readonly root: string;
  readonly vcam: RunningVirtualCamera;
  /** One line per transaction the virtual camera handled. */
  readonly log: string[];
  /** Runs `gphoto2 --port ptpip:127.0.0.1:PORT:PORT ...args` in `cwd` (a fresh temp dir by default). */
  gphoto2(args: readonly string[], options?: { readonly cwd?: string }): Promise<Run>;
  /** A new empty temp dir, removed after the test. */
  tempDir(prefix: string): Promise<string>;
}

const cleanups: Array<() => Promise<void>> = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `ptpts-gphoto2-${prefix}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path -> content) into a new folder and serves it over PTP/IP on a free port. */
async function serve(files: Readonly<Record<string, Uint8Array | string>>): Promise<Served> {
  const root = await tempDir('card');
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
  const log: string[] = [];
  const vcam = await startVirtualCamera({ root, ptpip: { host: '127.0.0.1', port: 0 }, log: (line) => log.push(line) });
  cleanups.push(() => vcam.close());
  expect(vcam.url).to.match(/^ptpip:\/\/127\.0\.0\.1:\d+$/);
  const port = vcam.server!.address.port;
  // gphoto2 keeps its settings (port, model, initiator GUID) in $HOME/.gphoto: one HOME per camera.
  const home = await tempDir('home');
  return {
    root,
    vcam,
    log,
    tempDir,
    async gphoto2(args, options = {}) {
      const cwd = options.cwd ?? (await tempDir('cwd'));
      const argv = ['-k', '10', String(GPHOTO2_TIMEOUT_S), 'gphoto2', '--port', `ptpip:127.0.0.1:${port}:${port}`, ...args];
      const started = Date.now();
      return new Promise<Run>((resolve) => {
        const child = execFile(
          'timeout',
          argv,
          { cwd, env: { ...process.env, HOME: home, LANG: 'C', LC_ALL: 'C' }, maxBuffer: 16 * MiB, encoding: 'utf8' },
          (err, stdout, stderr) => {
            const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
            resolve({ code, stdout, stderr, ms: Date.now() - started });
          },
        );
        // gphoto2 asks questions on stdin ("File exists. Overwrite?"): answer nothing.
        child.stdin?.end();
      });
    },
  };
}

/** Every file and folder under `dir`: relative path -> sha256 of the content, or "dir". */
async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out.set(r, 'dir');
        await walk(r);
      } else {
        out.set(r, createHash('sha256').update(await readFile(path.join(dir, r))).digest('hex'));
      }
    }
  }
  await walk('');
  return out;
}

function show(run: Run): string {
  return `exit ${run.code} after ${run.ms} ms\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

/** Asserts gphoto2 exited 0 and printed no "*** Error" block. */
function expectSuccess(run: Run): void {
  expect(run.code, show(run)).to.equal(0);
  expect(run.stderr, show(run)).not.to.contain('*** Error');
}

/** Lines where the responder reported a failure ("! ...") or answered something else than OK. */
function responderTrouble(log: readonly string[]): string[] {
  return log.filter((l) => l.startsWith('!') || (/ tid \d+ -> /.test(l) && !/ -> 0x2001 OK$/.test(l)));
}

describe('interop: gphoto2 against the virtual camera over PTP/IP', function () {
  this.timeout((GPHOTO2_TIMEOUT_S + 30) * 1000);
  before(requireTool('gphoto2', 'apt-get install gphoto2'));
  before(requireTool('timeout', 'apt-get install coreutils'));

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('--summary shows the manufacturer, model and storage, and changes nothing', async () => {
    const s = await serve({ 'a.txt': 'a\n' });
    const before = await tree(s.root);
    const run = await s.gphoto2(['--summary']);
    expectSuccess(run);
    expect(run.stdout).to.match(/^Manufacturer: ptpts$/m);
    expect(run.stdout).to.match(/^Model: Virtual Camera$/m);
    expect(run.stdout).to.match(/^store_00010001:$/m);
    expect(run.stdout).to.contain('Access Capability: Read-Write');
    expect(run.stdout).to.contain('File Download, File Deletion, File Upload');
    expect(run.stdout).to.contain('Generic Image Capture');
    expect(await tree(s.root)).to.deep.equal(before);
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });

  it('--list-files lists the files of the folder and of its subfolder, and changes nothing', async () => {
    const s = await serve({
      'notes.txt': 'notes\n',
      'IMG_0001.JPG': randomBytes(2000),
      'sub/inner.txt': 'inner\n',
      'sub/deeper/deep.txt': 'deep\n',
    });
    const before = await tree(s.root);
    const run = await s.gphoto2(['--list-files']);
    expectSuccess(run);
    expect(run.stdout).to.contain("There is no file in folder '/'.");
    expect(run.stdout).to.contain(`There are 2 files in folder '${STORE}'.`);
    expect(run.stdout).to.contain(`There is 1 file in folder '${STORE}/sub'.`);
    expect(run.stdout).to.contain(`There is 1 file in folder '${STORE}/sub/deeper'.`);
    const listed = [...run.stdout.matchAll(/^#(\d+)\s+(\S+)/gm)].map((m) => m[2]);
    expect(listed).to.deep.equal(['IMG_0001.JPG', 'notes.txt', 'inner.txt', 'deep.txt']);
    expect(await tree(s.root)).to.deep.equal(before);
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });

  it('--get-all-files saves every file byte-identical (3 MiB in 1 MiB GetPartialObject pieces, 512 B, 64 KiB, empty, subfolder)', async () => {
    const files: Record<string, Buffer> = {
      'big.mov': randomBytes(3 * MiB),
      'exact512.wav': randomBytes(512),
      'exact65536.png': randomBytes(65536),
      'empty.txt': Buffer.alloc(0),
      'sub/inner.txt': Buffer.from('inner file\n'),
    };
    const s = await serve(files);
    const before = await tree(s.root);
    const cwd = await s.tempDir('download');
    const run = await s.gphoto2(['--get-all-files'], { cwd });
    expectSuccess(run);
    // gphoto2 saves files of every folder side by side in the current directory.
    expect((await readdir(cwd)).sort()).to.deep.equal(['big.mov', 'empty.txt', 'exact512.wav', 'exact65536.png', 'inner.txt']);
    for (const [rel, content] of Object.entries(files)) {
      const got = await readFile(path.join(cwd, path.basename(rel)));
      expect(got.length, rel).to.equal(content.length);
      expect(got.equals(content), `${rel} differs`).to.equal(true);
      // An empty file is saved without ever being requested.
      if (content.length > 0) expect(run.stdout).to.contain(`Saving file as ${path.basename(rel)}`);
    }
    // Files over 1 MiB come in 1 MiB GetPartialObject pieces.
    const partial = s.log.filter((l) => l.includes('GetPartialObject('));
    expect(partial.map((l) => /GetPartialObject\(0x[0-9a-f]+, (0x[0-9a-f]+), (0x[0-9a-f]+)\)/i.exec(l)?.slice(1))).to.deep.equal([
      ['0x0', '0x100000'],
      ['0x100000', '0x100000'],
      ['0x200000', '0x100000'],
    ]);
    expect(await tree(s.root)).to.deep.equal(before);
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });

  it('--get-all-files also saves files of no known format (.bin: ObjectFormat Undefined)', async () => {
    const files: Record<string, Buffer> = {
      'big.bin': randomBytes(3 * MiB),
      'exact512.bin': randomBytes(512),
      'noextension': randomBytes(1000),
    };
    const s = await serve(files);
    const cwd = await s.tempDir('download');
    const run = await s.gphoto2(['--get-all-files'], { cwd });
    expectSuccess(run);
    // gphoto2 (non-MTP device) refuses, silently and with exit code 0, to download an object whose
    // ObjectFormat is 0x3000 when its ThumbFormat is 0 or 0x3000 ("Unsupported operation").
    expect(
      (await readdir(cwd)).sort(),
      'gphoto2 skipped the files served with ObjectFormat 0x3000 and ThumbFormat 0: the virtual camera must announce another ThumbFormat (e.g. 0x3800, size 0) for them',
    ).to.deep.equal(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) expect((await readFile(path.join(cwd, name))).equals(content), name).to.equal(true);
  });

  it('--upload-file puts the file, byte for byte, into the served folder (root and subfolder)', async () => {
    const s = await serve({ 'sub/inner.txt': 'inner\n' });
    const src = await s.tempDir('upload');
    const content = randomBytes(200_000); // several 64 KiB data packets and a short EndData
    await writeFile(path.join(src, 'upload.bin'), content);
    // Reference mode: what a file created here gets.
    await writeFile(path.join(src, 'reference'), '');
    const expectedMode = (await stat(path.join(src, 'reference'))).mode & 0o777;

    const run = await s.gphoto2(['--folder', STORE, '--upload-file', path.join(src, 'upload.bin')]);
    expectSuccess(run);
    const landed = await readFile(path.join(s.root, 'upload.bin'));
    expect(landed.equals(content)).to.equal(true);
    expect(((await stat(path.join(s.root, 'upload.bin'))).mode & 0o777).toString(8)).to.equal(expectedMode.toString(8));

    const intoSub = await s.gphoto2(['--folder', `${STORE}/sub`, '--upload-file', path.join(src, 'upload.bin')]);
    expectSuccess(intoSub);
    expect((await readFile(path.join(s.root, 'sub', 'upload.bin'))).equals(content)).to.equal(true);
    // Nothing else appeared (no temp files left behind).
    expect([...(await tree(s.root)).keys()].sort()).to.deep.equal(['sub', 'sub/inner.txt', 'sub/upload.bin', 'upload.bin']);
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });

  it('--upload-file of an empty file creates an empty file without waiting for an EndData', async () => {
    const s = await serve({});
    const src = await s.tempDir('upload');
    await writeFile(path.join(src, 'empty.txt'), '');
    const run = await s.gphoto2(['--folder', STORE, '--upload-file', path.join(src, 'empty.txt')]);
    expectSuccess(run);
    // gphoto2 sends StartData(0) and no EndData; its socket timeout is 2.5 s, a deadlock would show here.
    expect(run.ms, show(run)).to.be.below(2500);
    expect((await stat(path.join(s.root, 'empty.txt'))).size).to.equal(0);
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });

  it('--delete-file removes the file from disk (by name, and by per-folder index in a subfolder)', async () => {
    const s = await serve({ 'keep.txt': 'keep\n', 'victim.txt': 'bye\n', 'sub/a.txt': 'a\n', 'sub/b.txt': 'b\n' });
    const byName = await s.gphoto2(['--folder', STORE, '--delete-file', 'victim.txt']);
    expectSuccess(byName);
    // gphoto2 ignores DeleteObject errors: the disk is the real check.
    expect([...(await tree(s.root)).keys()].sort()).to.deep.equal(['keep.txt', 'sub', 'sub/a.txt', 'sub/b.txt']);

    const byIndex = await s.gphoto2(['--folder', `${STORE}/sub`, '--delete-file', '2']);
    expectSuccess(byIndex);
    expect([...(await tree(s.root)).keys()].sort()).to.deep.equal(['keep.txt', 'sub', 'sub/a.txt']);
    expect(await readFile(path.join(s.root, 'keep.txt'), 'utf8')).to.equal('keep\n');
    expect(s.log.filter((l) => l.includes('DeleteObject('))).to.have.length(2);
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });

  it('--capture-image-and-download saves a JPEG and the camera deletes it afterwards', async () => {
    const s = await serve({ 'a.txt': 'a\n' });
    const cwd = await s.tempDir('capture');
    const run = await s.gphoto2(['--capture-image-and-download'], { cwd });
    expectSuccess(run);
    const onCamera = `${STORE}/DCIM/100PTPTS/IMG_0001.JPG`;
    expect(run.stdout).to.contain(`New file is in location ${onCamera} on the camera`);
    expect(run.stdout).to.contain('Saving file as IMG_0001.JPG');
    expect(run.stdout).to.contain(`Deleting file ${onCamera} on the camera`);
    expect(await readdir(cwd)).to.deep.equal(['IMG_0001.JPG']);
    const jpeg = await readFile(path.join(cwd, 'IMG_0001.JPG'));
    expect([...jpeg.subarray(0, 2)]).to.deep.equal([0xff, 0xd8]);
    expect([...jpeg.subarray(-2)]).to.deep.equal([0xff, 0xd9]);
    // The capture went to DCIM/100PTPTS, and gphoto2's DeleteObject removed the image (the folders stay).
    expect([...(await tree(s.root)).keys()].sort()).to.deep.equal(['DCIM', 'DCIM/100PTPTS', 'a.txt']);
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });

  it('--capture-image-and-download --keep leaves the image on the camera, identical to the download', async () => {
    const s = await serve({});
    const cwd = await s.tempDir('capture');
    const run = await s.gphoto2(['--capture-image-and-download', '--keep'], { cwd });
    expectSuccess(run);
    expect(run.stdout).not.to.contain('Deleting file');
    const kept = await readFile(path.join(s.root, 'DCIM', '100PTPTS', 'IMG_0001.JPG'));
    expect(kept.equals(await readFile(path.join(cwd, 'IMG_0001.JPG')))).to.equal(true);
    expect(s.log.some((l) => l.includes('DeleteObject('))).to.equal(false);
  });

  it('--set-config imagesize=1600x1200 sticks (--get-config and the device agree); a value outside the enumeration is refused', async () => {
    const s = await serve({});
    const set = await s.gphoto2(['--set-config', '/main/imgsettings/imagesize=1600x1200']);
    expectSuccess(set);
    const get = await s.gphoto2(['--get-config', '/main/imgsettings/imagesize']);
    expectSuccess(get);
    expect(get.stdout).to.match(/^Current: 1600x1200$/m);
    expect(get.stdout).to.match(/^Type: RADIO$/m);
    for (const choice of ['4000x3000', '2816x2112', '1600x1200', '640x480']) expect(get.stdout).to.match(new RegExp(`^Choice: \\d+ ${choice}$`, 'm'));

    const bad = await s.gphoto2(['--set-config', '/main/imgsettings/imagesize=123x45']);
    // gphoto2 2.5.28 exits 0 even then: only the message tells.
    expect(bad.stderr, show(bad)).to.match(/0x201c|Invalid ?Device ?Prop ?Value/i);
    expect(s.log.some((l) => /SetDevicePropValue\(0x5003\).* -> 0x201C/i.test(l)), s.log.join('\n')).to.equal(true);
    const after = await s.gphoto2(['--get-config', '/main/imgsettings/imagesize']);
    expect(after.stdout).to.match(/^Current: 1600x1200$/m);

    // Our own initiator sees the value gphoto2 set.
    const camera = await Camera.open({ transport: s.vcam.connect(), timeoutMs: 10_000 });
    try {
      expect(await camera.session(() => camera.getDevicePropValue(DevicePropCode.ImageSize))).to.equal('1600x1200');
    } finally {
      await camera.close();
    }
  });

  it('--list-config includes /main/imgsettings/imagesize', async () => {
    const s = await serve({});
    const run = await s.gphoto2(['--list-config']);
    expectSuccess(run);
    const paths = run.stdout.split('\n').map((l) => l.trim());
    expect(paths).to.include('/main/imgsettings/imagesize');
    expect(paths).to.include('/main/status/manufacturer');
    expect(responderTrouble(s.log)).to.deep.equal([]);
  });
});
