import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  FIXTURES_DIR,
  LOGS_DIR,
  loadLogDumps,
  loadLogFile,
  logFiles,
  parseHexDumps,
  parseHexDumpsDetailed,
  reassembleDataPhases,
  usbContainers,
  type HexDump,
  type UsbContainerDump,
} from './support/hexdumps.js';
import { hex } from './support/assertions.js';

const LOGS = [
  'canon-eos5dmark3.txt',
  'canon-eos60d-debug.log',
  'iRiver-t10.txt',
  'parrot-sequoia.txt',
  'samsung-nx01.txt',
  'sony-a6000.txt',
];

const bytesOf = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const u32 = (b: Uint8Array, o: number): number => Buffer.from(b).readUInt32LE(o);

function dataByCode(containers: UsbContainerDump[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of containers) {
    if (c.type !== 2) continue;
    const k = `0x${c.code.toString(16).padStart(4, '0')}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

describe('real-device fixtures', () => {
  it('are all present under test/fixtures', () => {
    expect(logFiles()).to.deep.equal(LOGS);
    expect(readdirSync(FIXTURES_DIR)).to.include.members(['README.md', 'deviceinfo-real-cameras.json', 'logs']);
    const infos: unknown = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'deviceinfo-real-cameras.json'), 'utf8'));
    expect(infos).to.be.an('array').with.lengthOf(178);
  });

  describe('parseHexDumps on synthetic text', () => {
    it('reads rows by column, never the ASCII column even when it looks like hex', () => {
      // Bytes are the ASCII text "00 11 22 33 44 5", so the ASCII column reads as hex.
      const text = [
        '0.1 gphoto2-port(2): Writing 20=0x14 byte(s) to port...',
        '0.2 gphoto2-port(3): Hexdump of 20 = 0x14 bytes follows:',
        '0000  30 30 20 31 31 20 32 32-20 33 33 20 34 34 20 35  00 11 22 33 44 5',
        '0010  ab cd ef 01            -                         ab cd           ',
        '',
      ].join('\n');
      const dumps = parseHexDumps(text, 'synthetic');
      expect(dumps).to.have.lengthOf(1);
      expect(dumps[0]?.direction).to.equal('out');
      expect(dumps[0]?.line).to.equal(2);
      expect(hex(dumps[0]?.bytes ?? new Uint8Array())).to.equal(`${Buffer.from('00 11 22 33 44 5').toString('hex')}abcdef01`);
    });

    it('handles numbered, wrapped lines (the 60D paste rendering)', () => {
      const text = [
        '   330. 0.109789 gphoto2-port(2): Writing 12=0xc',
        '       byte(s) to port...',
        '   331. 0.109799 gphoto2-port(3): Hexdump of 12 = 0xc bytes follows:',
        '   332. 0000  0c 00 00 00 01 00 01 10-01 00 00 00',
        '       ............',
        '   333.',
      ].join('\n');
      const dumps = parseHexDumps(text, 'synthetic');
      expect(dumps).to.have.lengthOf(1);
      expect(dumps[0]?.direction).to.equal('out');
      expect(dumps[0]?.line).to.equal(3);
      expect(hex(dumps[0]?.bytes ?? new Uint8Array())).to.equal('0c0000000100011001000000');
    });

    it('skips and reports a dump whose rows do not add up to the announced count', () => {
      const text = [
        '0.1 gphoto2-port(2): Could only read 20 out of 512 byte(s)',
        '0.2 gphoto2-port(3): Hexdump of 20 = 0x14 bytes follows:',
        '0000  14 00 00 00 02 00 04 10-03 00 00 00 01 00 00 00  ................',
        '',
      ].join('\n');
      const r = parseHexDumpsDetailed(text, 'synthetic');
      expect(r.dumps).to.deep.equal([]);
      expect(r.skipped).to.deep.equal([
        { file: 'synthetic', line: 2, announced: 20, parsed: 16, reason: 'rows end before the announced count' },
      ]);
    });
  });

  describe('the logs', () => {
    let all: HexDump[] = [];
    before(() => {
      all = loadLogDumps();
    });

    it('parse every announced dump to exactly its announced size', () => {
      // None is skipped: no dump in these logs is truncated, elided or miscounted, including
      // all 1157 dumps of the line-wrapped 60D paste and the hand-annotated Sony dump.
      for (const file of LOGS) {
        const r = loadLogFile(file);
        expect(r.skipped, file).to.deep.equal([]);
        const text = readFileSync(path.join(LOGS_DIR, file), 'latin1');
        const lines = text.split('\n');
        const announced = text.match(/Hexdump of \d+ = 0x[0-9a-f]+ bytes follows/g)?.length ?? 0;
        expect(r.dumps.length - r.headless.length, file).to.equal(announced);
        for (const d of r.dumps) {
          const m = /Hexdump of (\d+) = /.exec(lines[d.line - 1] ?? '');
          if (m) expect(d.bytes.length, `${file}:${d.line}`).to.equal(Number(m[1]));
        }
      }
      const counts = Object.fromEntries(LOGS.map((f) => [f, all.filter((d) => d.file === f).length]));
      expect(counts).to.deep.equal({
        'canon-eos5dmark3.txt': 5,
        'canon-eos60d-debug.log': 1157,
        'iRiver-t10.txt': 13,
        'parrot-sequoia.txt': 0,
        'samsung-nx01.txt': 25,
        'sony-a6000.txt': 12,
      });
    });

    it('take the direction from the Writing / Reading / Could only read line before the dump', () => {
      const dirs = (f: string) => {
        const out: Record<string, number> = {};
        for (const d of all) if (d.file === f) out[d.direction] = (out[d.direction] ?? 0) + 1;
        return out;
      };
      expect(dirs('canon-eos60d-debug.log')).to.deep.equal({ out: 391, in: 766 });
      expect(dirs('samsung-nx01.txt')).to.deep.equal({ out: 9, in: 16 });
      expect(dirs('iRiver-t10.txt')).to.deep.equal({ out: 4, in: 9 });
      // sony: the annotated dump has no Reading line; 5D Mark III: the headless dump and the last one.
      expect(dirs('sony-a6000.txt')).to.deep.equal({ unknown: 1, in: 7, out: 4 });
      expect(dirs('canon-eos5dmark3.txt')).to.deep.equal({ unknown: 2, in: 3 });
      for (const c of usbContainers(all)) {
        if (c.type === 1) expect(c.direction, `${c.file}:${c.line}`).to.equal('out');
        if (c.type === 3 || c.type === 4) expect(c.direction, `${c.file}:${c.line}`).to.equal('in');
      }
    });

    it('find the Canon EOS 60D DeviceInfo container', () => {
      const c = usbContainers(all).find((d) => d.file === 'canon-eos60d-debug.log' && d.code === 0x1001 && d.type === 2);
      expect(c).to.not.equal(undefined);
      if (!c) return;
      expect(c.length).to.equal(0x193);
      expect(c.bytes.length).to.equal(0x193);
      expect(c.transactionId).to.equal(1);
      expect(c.direction).to.equal('in');
      expect(c.line).to.equal(589);
      expect(hex(c.payload.subarray(0, 8))).to.equal('640006000000c800');
      expect(c.payload.length).to.equal(0x193 - 12);
      // Its request, the dump before it: GetDeviceInfo command, transaction 1.
      const cmd = usbContainers(all).find((d) => d.file === c.file && d.line < c.line && d.type === 1 && d.code === 0x1001);
      expect(cmd && hex(cmd.bytes)).to.equal('0c0000000100011001000000');
    });

    it('recover the hand-annotated Sony dump byte for byte', () => {
      const r = loadLogFile('sony-a6000.txt');
      expect(r.annotated).to.deep.equal([882]);
      const annotated = r.dumps.find((d) => d.line === 882);
      const clean = r.dumps.find((d) => d.line === 998);
      expect(annotated?.bytes.length).to.equal(1024);
      // Same request (0x9209) answered twice; only the transaction id (byte 8) differs.
      const a = Uint8Array.from(annotated?.bytes ?? []);
      const b = Uint8Array.from(clean?.bytes ?? []);
      expect(a[8]).to.equal(0x08);
      expect(b[8]).to.equal(0x0a);
      a[8] = 0;
      b[8] = 0;
      expect(hex(a)).to.equal(hex(b));
    });

    it('keep the ASCII column out of the bytes', () => {
      const ev = loadLogFile('canon-eos5dmark3.txt').dumps.find((d) => d.line === 4338);
      const text = Buffer.from(ev?.bytes ?? []).toString('latin1');
      expect(text).to.include('ichael Gonzales\0');
      expect(text).to.include('Audible 2013\0M Cargado.\nAll rights reserved.\0');
      expect(text).to.include('022031003494\0');
    });
  });

  describe('USB containers', () => {
    let all: HexDump[] = [];
    before(() => {
      all = loadLogDumps();
    });

    it('usbContainers keeps only dumps that are exactly one container', () => {
      const whole = usbContainers(all);
      expect(whole).to.have.lengthOf(2 + 1154 + 9 + 25 + 8);
      for (const c of whole) {
        expect(c.length).to.equal(c.bytes.length);
        expect(c.type).to.be.within(1, 4);
        expect(hex(c.payload)).to.equal(hex(c.bytes.subarray(12)));
      }
      const s = usbContainers([{ file: 'x', line: 1, direction: 'in', bytes: bytesOf('10000000 0400 03c2 ffffffff 1dd20000') }]);
      expect(s.map(({ type, code, transactionId, length }) => ({ type, code, transactionId, length }))).to.deep.equal([
        { type: 4, code: 0xc203, transactionId: 0xffffffff, length: 16 },
      ]);
    });

    it('reassembleDataPhases joins the split data phases, and nothing else', () => {
      const joined = reassembleDataPhases(all);
      const whole = usbContainers(all);
      const split = joined.filter((c) => !whole.some((w) => w.file === c.file && w.line === c.line));
      expect(split.map((c) => [c.file, c.line, c.code, c.length])).to.deep.equal([
        ['canon-eos5dmark3.txt', 756, 0x9116, 512 + 10240 + 376],
        ['canon-eos60d-debug.log', 800, 0x9116, 512 + 6656 + 364],
        ['iRiver-t10.txt', 164, 0x1014, 512 + 4096 + 778],
        ['sony-a6000.txt', 882, 0x9209, 1024 + 28],
        ['sony-a6000.txt', 998, 0x9209, 1024 + 28],
      ]);
      expect(joined.length).to.equal(whole.length + split.length);
      for (const c of split) expect(c.bytes.length).to.equal(c.length);

      // Every dump ends up in some container except one: the iRiver 65-byte read whose
      // container length field says 64 (a trailing 0x00 byte after the container).
      const consumed = new Set<HexDump>();
      for (const c of joined) {
        let i = all.findIndex((d) => d.file === c.file && d.line === c.line);
        let n = 0;
        while (n < c.length) {
          const d = all[i++];
          if (!d) break;
          consumed.add(d);
          n += d.bytes.length;
        }
      }
      const left = all.filter((d) => !consumed.has(d));
      expect(left.map((d) => [d.file, d.line, d.bytes.length, u32(d.bytes, 0)])).to.deep.equal([['iRiver-t10.txt', 120, 65, 64]]);
    });

    it('reassembleDataPhases joins only exact, uninterrupted runs of reads', () => {
      const d = (direction: HexDump['direction'], h: string, line: number): HexDump => ({
        file: 'x',
        line,
        direction,
        bytes: bytesOf(h),
      });
      const start = d('in', '14000000 0200 0810 05000000 aabb', 1); // length 20, 14 bytes here
      const rest = d('in', 'ccddeeff0011', 2);
      const resp = d('in', '0c000000 0300 0120 05000000', 3);
      const summary = (cs: UsbContainerDump[]) => cs.map((c) => [c.line, c.type, hex(c.payload)]);
      expect(summary(reassembleDataPhases([start, rest, resp]))).to.deep.equal([
        [1, 2, 'aabbccddeeff0011'],
        [3, 3, ''],
      ]);
      // Missing continuation: the response must not be glued on.
      expect(summary(reassembleDataPhases([start, resp]))).to.deep.equal([[3, 3, '']]);
      // Overshoot, or an 'out' dump in between: nothing joined.
      expect(summary(reassembleDataPhases([start, d('in', 'ccddeeff001122', 2)]))).to.deep.equal([]);
      expect(summary(reassembleDataPhases([start, d('out', 'ccddeeff0011', 2)]))).to.deep.equal([]);
    });

    it('Canon GetEvent payloads walk exactly to their terminator record', () => {
      const events = reassembleDataPhases(all).filter((c) => c.type === 2 && c.code === 0x9116);
      expect(events).to.have.lengthOf(312);
      for (const e of events) {
        let o = 0;
        let last = -1;
        while (o + 8 <= e.payload.length) {
          const size = u32(e.payload, o);
          last = u32(e.payload, o + 4);
          expect(size, `${e.file}:${e.line}@${o}`).to.be.at.least(8);
          o += size;
          if (size === 8 && last === 0) break;
        }
        expect(o, `${e.file}:${e.line}`).to.equal(e.payload.length);
        expect(last).to.equal(0);
      }
    });

    it('inventory: data containers per operation code (see the comment in hexdumps.ts)', () => {
      const joined = reassembleDataPhases(all);
      const inventory = Object.fromEntries(LOGS.map((f) => [f, dataByCode(joined.filter((c) => c.file === f))]));
      expect(inventory).to.deep.equal({
        'canon-eos5dmark3.txt': { '0x9116': 2 },
        'canon-eos60d-debug.log': {
          '0x1001': 2,
          '0x1007': 1,
          '0x1008': 47,
          '0x1014': 12,
          '0x9101': 1,
          '0x9102': 1,
          '0x9108': 1,
          '0x9110': 2,
          '0x9116': 310,
        },
        'iRiver-t10.txt': { '0x1014': 3 },
        'parrot-sequoia.txt': {},
        'samsung-nx01.txt': { '0x1001': 2, '0x1004': 2, '0x1005': 1, '0x1007': 2 },
        'sony-a6000.txt': { '0x9207': 1, '0x9209': 2 },
      });
    });
  });
});
