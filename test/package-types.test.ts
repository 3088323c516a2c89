/**
 * The published types, as a user's TypeScript project sees them: a project
 * that depends on ptpts (linked as node_modules/ptpts) type-checks its use of
 * both entries against dist/*.d.ts, with skipLibCheck off and only the
 * "types" it names itself. Needs `npm run build` first (npm test does it).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Type-checks `files` in a fresh consumer project; resolves to tsc's output ('' when clean). */
async function typeCheck(compilerOptions: Record<string, unknown>, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ptpts-consumer-'));
  try {
    await mkdir(path.join(dir, 'node_modules', '@types'), { recursive: true });
    await symlink(root, path.join(dir, 'node_modules', 'ptpts'));
    // What npm would install beside ptpts: its dependencies, and the consumer's own @types/node.
    for (const dep of ['binary-parser', 'eventemitter3', 'commander', 'usb']) {
      await symlink(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep));
    }
    for (const t of ['node', 'w3c-web-usb']) {
      await symlink(path.join(root, 'node_modules', '@types', t), path.join(dir, 'node_modules', '@types', t));
    }
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', ...compilerOptions },
      include: Object.keys(files),
    }));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    try {
      await promisify(execFile)(process.execPath, [tsc, '-p', dir], { cwd: dir });
      return '';
    } catch (err) {
      return String((err as { stdout?: string }).stdout ?? err);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const nodeUse = `
import { Camera, UsbTransport, startVirtualCamera } from 'ptpts';
export async function model(device: USBDevice): Promise<string> {
  const camera = await Camera.open({ transport: new UsbTransport(device) });
  return camera.deviceInfo.model;
}
export const start = startVirtualCamera;
`;
const browserUse = `
import { Camera, PTP_USB_FILTERS, UsbTransport } from 'ptpts/browser';
export async function pick(): Promise<string> {
  const device = await navigator.usb.requestDevice({ filters: PTP_USB_FILTERS });
  const camera = await Camera.open({ transport: new UsbTransport(device) });
  return camera.deviceInfo.model;
}
`;

describe('published types, from a user project', function () {
  this.timeout(60_000);

  it('a Node project with "types": ["node"] uses ptpts (USBDevice included) with no type error', async () => {
    const out = await typeCheck({ module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] }, { 'main.ts': nodeUse });
    expect(out).to.equal('');
  });

  it('a browser project (bundler resolution, DOM, no @types/node) uses ptpts/browser with no type error', async () => {
    const out = await typeCheck(
      { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] },
      { 'page.ts': browserUse },
    );
    expect(out).to.equal('');
  });
});
