/**
 * The wires a test reaches the virtual camera over (the in-process pair and
 * PTP/IP on loopback), and the per-test setup of a virtual camera and a Camera
 * on one of them, for the tests that run the same checks over each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../../src/camera.js';
import { startVirtualCamera, type RunningVirtualCamera, type StartVirtualCameraOptions } from '../../src/responder/start.js';
import type { TransportSpec } from '../../src/transports/resolve.js';

/** One way to reach a running virtual camera (started with `ptpip`). */
export interface VirtualWire {
  readonly name: string;
  /** What `Camera.open` takes as its transport to reach `emu` this way. */
  transport(emu: RunningVirtualCamera): TransportSpec;
}

/** Every wire the same tests run over. */
export const WIRES: readonly VirtualWire[] = [
  { name: 'in-process', transport: (emu) => emu.connect() },
  { name: 'PTP/IP', transport: (emu) => emu.url! },
];

/** Declares the suite `${title} over ${wire}` once per wire, so what `body` declares runs over each alike. */
export function forEachWire(title: string, body: (wire: VirtualWire) => void, timeoutMs = 30_000): void {
  for (const wire of WIRES) {
    describe(`${title} over ${wire.name}`, function () {
      this.timeout(timeoutMs);
      body(wire);
    });
  }
}

/** A new temporary folder whose name starts with `prefix`, so leftovers say which test made them. */
export const tempFolder = (prefix: string): Promise<string> => mkdtemp(path.join(tmpdir(), prefix));

/** The virtual camera's options, but for the folder and PTP/IP, which {@link openOnWire} sets. */
export type OnWireStart = Omit<StartVirtualCameraOptions, 'root' | 'ptpip'>;

/** Options of {@link openOnWire}. */
export interface OnWireOptions {
  /** Makes the folder to serve, before each test; it is removed after the test. */
  readonly folder: () => Promise<string>;
  /** How to start the virtual camera; a function when something must be new for each test (a vendor behaviour holds state). */
  readonly start: OnWireStart | (() => OnWireStart);
}

/** The folder, virtual camera and Camera of the running test (read them inside tests and hooks only). */
export interface OnWire {
  readonly root: string;
  readonly emu: RunningVirtualCamera;
  readonly camera: Camera;
  /** Closes the Camera and the virtual camera, and starts both again on the same wire and folder with `changes` to the options. */
  restart(changes?: OnWireStart): Promise<void>;
}

/** Gives each test of the enclosing suite a fresh folder, a virtual camera serving it and a Camera to it over `wire`, all closed and removed after. */
export function openOnWire(wire: VirtualWire, options: OnWireOptions): OnWire {
  let root: string | undefined;
  let emu: RunningVirtualCamera | undefined;
  let camera: Camera | undefined;
  let started: OnWireStart = {};

  async function start(startOptions: OnWireStart): Promise<void> {
    started = startOptions;
    emu = await startVirtualCamera({ ...startOptions, root: current(root, 'folder'), ptpip: { port: 0 } });
    camera = await Camera.open({ transport: wire.transport(emu) });
  }
  async function stop(): Promise<void> {
    await camera?.close();
    camera = undefined;
    await emu?.close();
    emu = undefined;
  }

  beforeEach(async () => {
    root = await options.folder();
    await start(typeof options.start === 'function' ? options.start() : options.start);
  });
  afterEach(async () => {
    await stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
    root = undefined;
  });

  return {
    get root() {
      return current(root, 'folder');
    },
    get emu() {
      return current(emu, 'virtual camera');
    },
    get camera() {
      return current(camera, 'camera');
    },
    async restart(changes = {}) {
      await stop();
      await start({ ...started, ...changes });
    },
  };
}

/** The running test's `value`, or an error saying it was read outside a test. */
function current<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what}: openOnWire's are there only during a test`);
  return value;
}
