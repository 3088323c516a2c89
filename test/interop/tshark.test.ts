/**
 * Wireshark's PTP/IP dissector as an independent reader of what goes on the
 * wire: tshark captures a session between OUR initiator (Camera over
 * `ptpip://`) and the virtual camera on loopback, then reads the capture back.
 *
 * What the dissector (tshark 4.0.x) can and cannot tell us: it decodes only
 * the first PTP/IP packet of each TCP segment and does no reassembly, so the
 * continuation segments of a big Data packet show up as "PTP/IP" frames with
 * a garbage packet type, and packets sharing a segment with an earlier one are
 * not seen at all. The checks below only rely on packets that start a segment.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Camera, type CameraEvent } from '../../src/camera.js';
import { EventCode } from '../../src/core/codes/events.js';
import { OperationCode } from '../../src/core/codes/operations.js';
import { DevicePropCode } from '../../src/core/codes/properties.js';
import { ResponseCode } from '../../src/core/codes/responses.js';
import { startVirtualCamera } from '../../src/responder/start.js';
import { requireTool, skipOrFail } from './tools.js';

const MiB = 1024 * 1024;
const LOOPBACK = process.platform === 'linux' ? 'lo' : 'lo0';

/** PTP/IP packet types (CIPA DC-005), as tshark prints `ptpip.pktType`. */
const PacketType = {
  InitCommandRequest: 1,
  InitCommandAck: 2,
  InitEventRequest: 3,
  InitEventAck: 4,
  OperationRequest: 6,
  OperationResponse: 7,
  Event: 8,
  StartData: 9,
  Data: 10,
  EndData: 12,
} as const;

/**
 * Expert infos that are TCP's view of a fast loopback transfer, not PTP/IP
 * problems: the receiver's window filling up during a 3 MiB download, its zero
 * window / window update dance, D-SACK and suspected retransmissions that
 * follow it, and (only if the capture dropped packets) missing segments.
 */
const TCP_NOISE = [
  /^TCP window specified by the receiver is now completely full$/,
  /^TCP Zero Window segment$/,
  /^TCP Zero ?Window ?Probe/i,
  /^D-SACK Sequence$/,
  /retransmission/i,
  /^Previous segment\(s\) not captured/,
  /^ACKed segment that wasn't captured/,
  /^Duplicate ACK/i,
  /Out-Of-Order/i,
];

function run(file: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 * MiB, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

/** `tshark -r file -d tcp.port==PORT,ptpip -Y filter -T fields -e ...`: one array of field values per frame. */
async function readFields(file: string, port: number, filter: string, fields: readonly string[]): Promise<string[][]> {
  const args = ['-r', file, '-d', `tcp.port==${port},ptpip`, '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=;'];
  for (const f of fields) args.push('-e', f);
  const r = await run('tshark', args);
  expect(r.code, `tshark ${args.join(' ')}\n${r.stderr}`).to.equal(0);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s));

interface Capture {
  readonly child: ChildProcess;
  stderr: string;
  exited: Promise<number | null>;
}

/**
 * Starts tshark on loopback for `port`. Resolves 1.5 s after it says "Capturing on" (it needs about
 * that long before it really sees packets), or with the reason it failed: note that tshark prints
 * "Capturing on" before it finds out it may not capture, and exits right after.
 */
async function startCapture(port: number, file: string): Promise<Capture | { failed: string }> {
  const child = spawn('tshark', ['-i', LOOPBACK, '-B', '64', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const cap: Capture = {
    child,
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stderr?.setEncoding('utf8');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ failed: `tshark did not start capturing within 30 s:\n${cap.stderr}` }), 30_000);
    child.stderr?.on('data', (d: string) => {
      cap.stderr += d;
      if (cap.stderr.includes('Capturing on')) {
        clearTimeout(timer);
        setTimeout(() => resolve(cap.child.exitCode === null && cap.child.signalCode === null ? cap : { failed: `tshark exited:\n${cap.stderr}` }), 1500);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ failed: `tshark failed to start: ${err.message}` });
    });
    void cap.exited.then((code) => {
      clearTimeout(timer);
      // Let the last stderr chunk arrive.
      setImmediate(() => resolve({ failed: `tshark exited (${code}):\n${cap.stderr}` }));
    });
  });
}

async function stopCapture(cap: Capture): Promise<void> {
  if (cap.child.exitCode !== null || cap.child.signalCode !== null) return;
  cap.child.kill('SIGINT');
  const guard = setTimeout(() => cap.child.kill('SIGKILL'), 15_000);
  await cap.exited;
  clearTimeout(guard);
}

const cleanups: Array<() => Promise<void>> = [];

describe('interop: tshark decodes a PTP/IP session of our initiator with the virtual camera', function () {
  this.timeout(120_000);
  before(requireTool('tshark', 'apt-get install tshark'));

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('every PTP/IP packet kind is decoded, requests match what the camera handled, nothing malformed', async function () {
    const base = await mkdtemp(path.join(tmpdir(), 'ptpts-tshark-'));
    cleanups.push(() => rm(base, { recursive: true, force: true }));
    const root = path.join(base, 'card');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    const small = Buffer.from('small file\n');
    const big = randomBytes(3 * MiB);
    await writeFile(path.join(root, 'small.txt'), small);
    await writeFile(path.join(root, 'big.bin'), big);
    await writeFile(path.join(root, 'sub', 'inner.txt'), 'inner\n');

    const log: string[] = [];
    const vcam = await startVirtualCamera({ root, ptpip: { host: '127.0.0.1', port: 0 }, log: (l) => log.push(l) });
    cleanups.push(() => vcam.close());
    const port = vcam.server!.address.port;
    const file = path.join(base, 'session.pcapng');

    const started = await startCapture(port, file);
    if ('failed' in started) {
      if (/permission|not permitted|capture privileges/i.test(started.failed)) {
        const why = started.failed.split('\n').find((l) => /permission|not permitted/i.test(l))?.trim() ?? '';
        skipOrFail(this, `tshark cannot capture on ${LOOPBACK} (run as root, or \`sudo dpkg-reconfigure wireshark-common\` and join the wireshark group): ${why}`);
      }
      expect.fail(started.failed);
    }
    const cap = started;
    cleanups.push(() => stopCapture(cap));

    // ---- the session, with our initiator ----
    const camera = await Camera.open({ transport: vcam.url!, timeoutMs: 20_000 });
    cleanups.push(() => camera.close());
    const received: CameraEvent[] = [];
    camera.on('event', (e) => received.push(e));
    await camera.session(async () => {
      const info = await camera.getDeviceInfo();
      expect(info.manufacturer).to.equal('ptpts');
      const [storageId] = await camera.getStorageIds();
      expect(storageId).to.equal(0x00010001);
      const byName = new Map<string, number>();
      for (const h of await camera.getObjectHandles(storageId, { parent: 'root' })) byName.set((await camera.getObjectInfo(h)).filename, h);
      expect([...byName.keys()].sort()).to.deep.equal(['big.bin', 'small.txt', 'sub']);
      expect(Buffer.from(await camera.getObject(byName.get('small.txt')!)).equals(small)).to.equal(true);
      expect(Buffer.from(await camera.getObject(byName.get('big.bin')!)).equals(big)).to.equal(true);
      await camera.setDevicePropValue(DevicePropCode.ImageSize, '1600x1200');
      expect(await camera.getDevicePropValue(DevicePropCode.ImageSize)).to.equal('1600x1200');

      const events = camera.events({ signal: AbortSignal.timeout(15_000) });
      await camera.initiateCapture();
      let complete = false;
      for await (const e of events) if ((complete = e.code === EventCode.CaptureComplete)) break;
      expect(complete, 'CaptureComplete within 15 s').to.equal(true);
    });
    expect(received.map((e) => e.name)).to.include.members(['DevicePropChanged', 'ObjectAdded', 'CaptureComplete']);
    await camera.close();
    // Let the FINs go out, then stop the capture (SIGINT: tshark finishes the file).
    await new Promise((r) => setTimeout(r, 300));
    await stopCapture(cap);
    const dropped = /(\d+) packets? dropped/.exec(cap.stderr);
    const dropNote = dropped !== null ? `\n(tshark: ${dropped[0]})` : '';

    // ---- read it back ----
    const frames = await readFields(file, port, 'ptpip', [
      'frame.number',
      'ptpip.pktType',
      'ptpip.opcode',
      'ptpip.respcode',
      'ptpip.eventcode',
      'ptpip.transactionID',
    ]);
    const types = new Set(frames.map((f) => num(f[1])));
    for (const [name, code] of Object.entries(PacketType)) expect(types.has(code), `no ${name} decoded${dropNote}`).to.equal(true);

    // Operation requests: exactly what the virtual camera handled, in order (each request starts a segment).
    const requests = frames.filter((f) => num(f[1]) === PacketType.OperationRequest).map((f) => ({ op: num(f[2]), tid: num(f[5]) }));
    const handled = log.map((l) => /^0x([0-9a-f]{4}) \S+\(.*\) tid (\d+) -> /i.exec(l)).filter((m) => m !== null).map((m) => ({ op: parseInt(m[1]!, 16), tid: Number(m[2]) }));
    expect(requests, `decoded requests vs virtual camera log${dropNote}\n${log.join('\n')}`).to.deep.equal(handled);
    expect(requests.map((r) => r.op)).to.include.members([
      OperationCode.GetDeviceInfo,
      OperationCode.OpenSession,
      OperationCode.GetStorageIDs,
      OperationCode.GetObjectHandles,
      OperationCode.GetObjectInfo,
      OperationCode.GetObject,
      OperationCode.SetDevicePropValue,
      OperationCode.InitiateCapture,
      OperationCode.CloseSession,
    ]);
    // Inside the session, transaction IDs go up by one.
    const inSession = requests.slice(requests.findIndex((r) => r.op === OperationCode.OpenSession));
    expect(inSession.map((r) => r.tid)).to.deep.equal(inSession.map((_, i) => i));

    // Every decoded response is OK (this session has no failing operation). tshark 4.0 files the
    // response code under ptpip.opcode, not ptpip.respcode: take whichever is there.
    const responses = frames.filter((f) => num(f[1]) === PacketType.OperationResponse).map((f) => num(f[3] || f[2]));
    expect(responses.length).to.be.greaterThan(0);
    expect(responses.every((c) => c === ResponseCode.OK), responses.map((c) => c.toString(16)).join(' ')).to.equal(true);

    // Decoded events are among those our initiator received. The capture's ObjectAdded events and
    // CaptureComplete leave in one TCP segment (one writev), of which tshark decodes only the first.
    const eventCodes = frames.filter((f) => num(f[1]) === PacketType.Event).map((f) => num(f[4]));
    const receivedCodes = new Set(received.map((e) => e.code));
    expect(eventCodes.filter((c) => !receivedCodes.has(c))).to.deep.equal([]);
    expect(eventCodes).to.include.members([EventCode.DevicePropChanged, EventCode.ObjectAdded]);

    // Nothing malformed, no expert info of severity error or worse.
    const bad = await readFields(file, port, '_ws.malformed || _ws.expert.severity >= error', ['frame.number', '_ws.col.Info', '_ws.expert.message']);
    expect(bad.map((f) => f.join(' | ')), `malformed or error frames${dropNote}`).to.deep.equal([]);

    // Warnings: only TCP's loopback noise.
    const warnings = await readFields(file, port, '_ws.expert.severity >= warning', ['frame.number', '_ws.expert.message', '_ws.expert.severity']);
    const unexpected: string[] = [];
    for (const [frame, messages = '', severities = ''] of warnings) {
      const sev = severities.split(';');
      messages.split(';').forEach((m, i) => {
        // occurrence=a joins every expert info of the frame; keep those of warning severity or worse.
        if (num(sev[i]) >= 0x00600000 && !TCP_NOISE.some((re) => re.test(m))) unexpected.push(`frame ${frame}: ${m}`);
      });
    }
    expect(unexpected, `expert warnings other than TCP noise${dropNote}`).to.deep.equal([]);
  });
});
