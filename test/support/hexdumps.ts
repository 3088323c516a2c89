/**
 * Hex dumps of real USB PTP traffic, parsed out of the libgphoto2 debug logs in
 * `test/fixtures/logs/` (copied verbatim from libgphoto2's camlibs/ptp2/cameras/;
 * see test/fixtures/README.md). Tests read only test/fixtures, never ../shared.
 *
 * Dump format (libgphoto2 `gp_log_data`): an announcement line
 *   `0.107544 gphoto2-port(3): Hexdump of 16 = 0x10 bytes follows:`
 * then rows of fixed layout:
 *   cols 0-3   offset, 4 hex digits (libgphoto2 masks it to 16 bits)
 *   cols 4-5   two spaces
 *   cols 6-52  16 byte slots "xx" at col 6+3*i, separated by ' ' ('-' between bytes 7 and 8);
 *              a short last row pads missing slots with spaces (the '-' stays)
 *   cols 53-54 two spaces, then up to 16 ASCII chars (non-printables as '.')
 * Rows are parsed by column position; the ASCII column is never read (it may
 * look like hex, e.g. "ichael Gon" / "022031003494" in the 5D Mark III dump).
 * The line announcing the transfer just before decides the direction:
 * "Writing N=0x.. byte(s) to port" → 'out'; "Reading N=0x.. bytes from port",
 * "Reading ... from interrupt endpoint" or "Could only read X out of N byte(s)" → 'in';
 * anything else → 'unknown'.
 *
 * Formats per file:
 * - canon-eos60d-debug.log: a text rendering (lynx-style) of a CakeBin paste page.
 *   Every log line carries a right-aligned line-number prefix ("   319. ", "   11633. "),
 *   and lines longer than 74 columns are wrapped onto unnumbered continuation lines
 *   indented by 7 spaces: the ASCII column of a dump row usually lands on the
 *   continuation line (sometimes split at a space inside the ASCII text), trailing
 *   padding is trimmed, and a few announcing lines ("... byte(s)") are wrapped too.
 *   The hex region always stays on the numbered line. Handled by stripping the
 *   prefix and joining continuation lines into one logical line (rows are parsed
 *   from the numbered part only). Link markers like "[186]" occur in log text but
 *   never inside dump rows. 1157 announced dumps.
 * - canon-eos5dmark3.txt: mostly `gphoto2 --list-all-config`, plus an excerpt of a
 *   debug log in plain libgphoto2 format. One dump (line 756) has NO announcement
 *   line (the poster cut it): it is parsed as a "headless" dump (rows starting at
 *   offset 0000 not preceded by an announcement) with direction 'unknown'. It is the
 *   first 512 bytes of a split 0x9116 GetEvent data phase (container length 0x2b78),
 *   continued by the 10240- and 376-byte 'in' dumps that follow. The last dump
 *   (line 4338, 210-byte 0x9116 GetEvent) has an announcement but no Reading line
 *   before it, so its direction is 'unknown'. 4 announced + 1 headless dump.
 * - sony-a6000.txt: a `--summary`, then a plain-format debug excerpt. The 1024-byte
 *   dump at line 882 (first part of a 0x9209 Sony GetAllDevicePropData data phase)
 *   was hand-annotated by the poster: after the row at 0010 the bytes from offset
 *   0x14 to 0x9f are regrouped one field per line ("04 50", "02\tcurval",
 *   "04 00\telements", "05 50 04 00 01-00 02 00 ...  ....P...") before the regular
 *   rows resume at 00a0. These bytes are recovered ("annotated" format: hex byte
 *   tokens separated by single ' ' or '-', optionally followed by a tab comment or a
 *   two-space ASCII column) and accepted only because the total equals the announced
 *   1024; the test checks they equal the clean dump of the same request at line 998
 *   apart from the transaction id. No Reading line precedes its announcement, so
 *   its direction is 'unknown'. 12 announced dumps.
 * - samsung-nx01.txt, iRiver-t10.txt: plain libgphoto2 format (25 and 13 dumps).
 * - parrot-sequoia.txt: a --summary without any dump.
 * No file holds dumps of datasets without their 12-byte container header other than
 * the continuation reads of split data phases (see reassembleDataPhases).
 *
 * Line numbers in this file are physical lines of the log files (HexDump.line), not
 * the numbers printed inside the 60D log.
 *
 * Split data phases: libgphoto2 2.4/2.5 reads a data phase as one packet (512 or
 * 1024 bytes) holding the header + start of the payload, then the rest in one or
 * two further reads:
 *   canon-eos60d-debug.log line 800   0x9116  512 + 6656 + 364  = 0x1d6c
 *   canon-eos5dmark3.txt   line 756   0x9116  512 + 10240 + 376 = 0x2b78 (headless first part)
 *   iRiver-t10.txt         line 164   0x1014  512 + 4096 + 778  = 0x150a
 *   sony-a6000.txt         lines 882, 998  0x9209  1024 + 28 = 0x41c (twice)
 * Canon GetEvent payloads are a chain of size-prefixed records ending in an 8-byte
 * terminator; the reassembled ones walk cleanly to it, which checks the joins.
 *
 * Inventory: complete data containers (type 2) per operation code, after
 * reassembleDataPhases (the code of a data container is the operation it answers;
 * "+N split" = N of them reassembled from several reads). Pinned by test/fixtures.test.ts.
 *   canon-eos60d-debug.log (1157 dumps: 389 commands, 377 data, 389 responses)
 *     0x1001 GetDeviceInfo       2  (403 bytes each, identical payloads; tid 1 and a later one)
 *     0x1007 GetObjectHandles    1
 *     0x1008 GetObjectInfo      47
 *     0x1014 GetDevicePropDesc  12  (props 5001 d402 d407 d406 d303 5001, sequence run twice)
 *     0x9101 EOS GetStorageIDs   1
 *     0x9102 EOS GetStorageInfo  1
 *     0x9108 EOS GetDeviceInfoEx 1
 *     0x9110 EOS SetDevicePropValueEx 2 (direction 'out': host-to-device data)
 *     0x9116 EOS GetEvent      310  (+1 split: 512+6656+364 = 7532; 306 are the 20-byte
 *                                    "empty" reply holding only the 8-byte terminator record)
 *     no 0x1004 / 0x1005 (the EOS body uses 0x9101 / 0x9102), no MTP ops.
 *   canon-eos5dmark3.txt (5 dumps)
 *     0x9116 EOS GetEvent        2  (+1 split: headless 512+10240+376 = 11128; both 'unknown')
 *   iRiver-t10.txt (13 dumps: 4 commands, 3 responses, 4 data phases in 6 reads)
 *     0x1014 GetDevicePropDesc   3  (+1 split: 512+4096+778 = 5386), plus one more that is
 *                                    not a whole container (65-byte dump, length field 64)
 *     no 0x9802 / 0x9805: the log only queries device properties.
 *   samsung-nx01.txt (25 dumps)
 *     0x1001 GetDeviceInfo 2, 0x1004 GetStorageIDs 2, 0x1005 GetStorageInfo 1,
 *     0x1007 GetObjectHandles 2 (one response is 0x201e SessionAlreadyOpen)
 *   sony-a6000.txt (12 dumps)
 *     0x9209 Sony GetAllDevicePropData 2 (+2 split: 1024+28 = 1052 each; one is the
 *                                    annotated dump), 0x9207 Sony SetControlDeviceB 1 ('out'),
 *     plus one event container 0xc203 (interrupt endpoint).
 *   parrot-sequoia.txt: no dumps.
 * Requested codes with no data container anywhere: 0x9802 GetObjectPropDesc and
 * 0x9805 GetObjectPropList; 0x1008 ObjectInfo exists only in the 60D log; 0x1004 /
 * 0x1005 only in samsung-nx01.txt.
 *
 * Oddities: no announced dump is truncated or miscounted (all 1211 announced dumps
 * parse to exactly their announced size, and every size equals the count in the
 * preceding "Writing N" / "Could only read N" / "Reading N" line). iRiver line 120:
 * a 65-byte read whose container length is 64 (one trailing 0x00 byte). iRiver
 * 0x1014 answers for 0xd101/0xd102 are not DevicePropDesc datasets (u32 count +
 * UTF-16LE XML, with 10 stale bytes after it). The 5D Mark III 0x9116 at line 4338
 * has a string value starting with 0x00 ("\0ichael Gonzales"), as the camera sent it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface HexDump {
  /** Base name of the log file, e.g. "canon-eos60d-debug.log". */
  file: string;
  /** 1-based physical line of the "Hexdump of" announcement (of the first row for a headless dump). */
  line: number;
  bytes: Uint8Array;
  direction: 'out' | 'in' | 'unknown';
}

export interface UsbContainerDump extends HexDump {
  length: number;
  type: number;
  code: number;
  transactionId: number;
  payload: Uint8Array;
}

/** An announced dump whose rows did not add up to the announced byte count. */
export interface SkippedDump {
  file: string;
  line: number;
  announced: number;
  parsed: number;
  reason: string;
}

export interface ParseResult {
  dumps: HexDump[];
  skipped: SkippedDump[];
  /** Lines of dumps recovered from the hand-annotated format (sony-a6000.txt). */
  annotated: number[];
  /** Lines of dumps without announcement line (canon-eos5dmark3.txt). */
  headless: number[];
}

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const LOGS_DIR = path.join(FIXTURES_DIR, 'logs');

interface LogicalLine {
  /** 1-based physical line number of the first physical line. */
  lineNo: number;
  /** Content of the first physical line (line-number prefix removed). Dump rows are parsed from this. */
  head: string;
  /** head plus wrapped continuation lines, joined with single spaces. Log messages are matched on this. */
  text: string;
}

const NUMBERED_LOG = /^[ \t]*\d+\. \d+\.\d{6} /m;
const NUMBERED_PREFIX = /^[ \t]*\d+\.(?: (.*))?$/;

function logicalLines(text: string): LogicalLine[] {
  const physical = text.split(/\r?\n/);
  const out: LogicalLine[] = [];
  if (!NUMBERED_LOG.test(text)) {
    physical.forEach((l, i) => out.push({ lineNo: i + 1, head: l, text: l }));
    return out;
  }
  let current: LogicalLine | undefined;
  physical.forEach((l, i) => {
    const m = NUMBERED_PREFIX.exec(l);
    if (m) {
      const content = m[1] ?? '';
      current = { lineNo: i + 1, head: content, text: content };
      out.push(current);
    } else if (current && /^[ \t]/.test(l) && l.trim() !== '') {
      current.text += ` ${l.trim()}`;
    } else {
      current = undefined;
      out.push({ lineNo: i + 1, head: l, text: l });
    }
  });
  return out;
}

const HEX2 = /^[0-9a-fA-F]{2}$/;

/** Parses one fixed-layout row whose offset was already checked; null if malformed. */
function parseRow(row: string): number[] | null {
  const region = row.slice(6, 53).padEnd(47, ' ');
  const bytes: number[] = [];
  let ended = false;
  for (let i = 0; i < 16; i++) {
    const pair = region.slice(3 * i, 3 * i + 2);
    if (i < 15) {
      const sep = region[3 * i + 2];
      if (!(sep === ' ' || (i === 7 && sep === '-'))) return null;
    }
    if (!ended && HEX2.test(pair)) bytes.push(parseInt(pair, 16));
    else if (pair === '  ') ended = true;
    else return null;
  }
  // The ASCII column, if present, starts after two spaces.
  if (row.length > 53 && row.slice(53, 55).trimEnd() !== '') return null;
  return bytes;
}

function offsetPrefix(offset: number): string {
  return `${(offset & 0xffff).toString(16).padStart(4, '0')}  `;
}

/**
 * Appends rows starting at lines[start], each expected at offset `into.length`; stops at
 * the first line that is not that row, after a short row, or once `limit` bytes are read.
 * Returns the index of the first line not consumed.
 */
function readRows(
  lines: LogicalLine[],
  start: number,
  into: number[],
  limit: number,
): number {
  let j = start;
  while (j < lines.length && into.length < limit) {
    const head = lines[j]?.head ?? '';
    if (!head.startsWith(offsetPrefix(into.length))) break;
    const row = parseRow(head);
    if (row === null) break;
    into.push(...row);
    j++;
    if (row.length < 16) break;
  }
  return j;
}

// Hand-annotated bytes (sony-a6000.txt): hex tokens with single separators, then a tab
// comment, a two-space ASCII column, or nothing.
const ANNOTATED_ROW = /^([0-9a-fA-F]{2}(?:[ -][0-9a-fA-F]{2})*)(?:\t.*| {2}.*| ?)$/;

/**
 * Tries to continue a dump that stopped short through hand-annotated lines until a
 * regular row at the matching offset resumes. Returns the next line index or -1.
 */
function readAnnotated(lines: LogicalLine[], start: number, into: number[], limit: number): number {
  const collected: number[] = [];
  let k = start;
  let sawTokens = false;
  while (k < lines.length) {
    const head = lines[k]?.head ?? '';
    if (head.trim() === '') {
      k++;
      continue;
    }
    if (sawTokens && head.startsWith(offsetPrefix(into.length + collected.length))) {
      const resumed = [...into, ...collected];
      const next = readRows(lines, k, resumed, limit);
      if (resumed.length !== limit) return -1;
      into.length = 0;
      for (const b of resumed) into.push(b);
      return next;
    }
    const m = ANNOTATED_ROW.exec(head);
    if (!m?.[1]) return -1;
    for (const t of m[1].split(/[ -]/)) collected.push(parseInt(t, 16));
    sawTokens = true;
    k++;
  }
  return -1;
}

const ANNOUNCE = /Hexdump of (\d+) = 0x([0-9a-fA-F]+) bytes follows/;

function directionOf(previous: string | undefined): HexDump['direction'] {
  if (previous === undefined) return 'unknown';
  if (/Writing \d+=0x[0-9a-fA-F]+ byte\(s\) to port/.test(previous)) return 'out';
  if (/Reading \d+=0x[0-9a-fA-F]+ bytes from (?:port|interrupt endpoint)/.test(previous)) return 'in';
  if (/Could only read \d+ out of \d+ byte\(s\)/.test(previous)) return 'in';
  return 'unknown';
}

/** Every dump in one log, with the announced dumps that could not be parsed. */
export function parseHexDumpsDetailed(text: string, file: string): ParseResult {
  const lines = logicalLines(text);
  const result: ParseResult = { dumps: [], skipped: [], annotated: [], headless: [] };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line === undefined) break;
    const announced = ANNOUNCE.exec(line.text);
    if (announced) {
      const count = Number(announced[1]);
      if (count !== parseInt(announced[2] ?? '', 16)) {
        result.skipped.push({ file, line: line.lineNo, announced: count, parsed: 0, reason: 'decimal and hex counts differ' });
        i++;
        continue;
      }
      const bytes: number[] = [];
      let next = readRows(lines, i + 1, bytes, count);
      if (bytes.length < count && bytes.length > 0) {
        const copy = [...bytes];
        const after = readAnnotated(lines, next, copy, count);
        if (after >= 0) {
          bytes.length = 0;
          for (const b of copy) bytes.push(b);
          next = after;
          result.annotated.push(line.lineNo);
        }
      }
      if (bytes.length === count) {
        result.dumps.push({
          file,
          line: line.lineNo,
          bytes: Uint8Array.from(bytes),
          direction: directionOf(lines[i - 1]?.text),
        });
      } else {
        result.skipped.push({
          file,
          line: line.lineNo,
          announced: count,
          parsed: bytes.length,
          reason:
            bytes.length === 0
              ? 'no row at offset 0000'
              : bytes.length < count
                ? 'rows end before the announced count'
                : 'rows run past the announced count',
        });
      }
      i = Math.max(next, i + 1);
      continue;
    }
    if (line.head.startsWith('0000  ') && parseRow(line.head) !== null) {
      // A dump whose announcement line was cut out of the log.
      const bytes: number[] = [];
      const next = readRows(lines, i, bytes, Number.POSITIVE_INFINITY);
      result.dumps.push({ file, line: line.lineNo, bytes: Uint8Array.from(bytes), direction: 'unknown' });
      result.headless.push(line.lineNo);
      i = next;
      continue;
    }
    i++;
  }
  return result;
}

/** Every dump in one log. Announced dumps whose rows don't add up to the count are left out. */
export function parseHexDumps(text: string, file: string): HexDump[] {
  return parseHexDumpsDetailed(text, file).dumps;
}

/** The log files, sorted by name. */
export function logFiles(): string[] {
  return readdirSync(LOGS_DIR).sort();
}

/** Parses one file of test/fixtures/logs. */
export function loadLogFile(file: string): ParseResult {
  return parseHexDumpsDetailed(readFileSync(path.join(LOGS_DIR, file), 'latin1'), file);
}

/** Every dump of every file in test/fixtures/logs, files in name order, dumps in log order. */
export function loadLogDumps(): HexDump[] {
  return logFiles().flatMap((f) => loadLogFile(f).dumps);
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;
}

function header(bytes: Uint8Array): { length: number; type: number; code: number; transactionId: number } | undefined {
  if (bytes.length < 12) return undefined;
  const type = u16(bytes, 4);
  if (type < 1 || type > 4) return undefined;
  return { length: u32(bytes, 0), type, code: u16(bytes, 6), transactionId: u32(bytes, 8) };
}

function asContainer(dump: HexDump): UsbContainerDump | undefined {
  const h = header(dump.bytes);
  if (!h || h.length !== dump.bytes.length) return undefined;
  return { ...dump, ...h, payload: dump.bytes.subarray(12) };
}

/** Dumps that are whole USB PTP containers (12-byte header whose length field equals the dump length, type 1..4) */
export function usbContainers(dumps: HexDump[]): UsbContainerDump[] {
  return dumps.flatMap((d) => asContainer(d) ?? []);
}

/**
 * Like usbContainers, but a data container (type 2) split over several reads is joined:
 * a dump of direction 'in' (or 'unknown', for the headless 5D Mark III dump) whose
 * length field exceeds its size is concatenated with the directly following 'in' dumps
 * of the same file until the length is reached exactly; if the sum overshoots, or a
 * non-'in' dump or a whole container comes first, nothing is joined (and the partial
 * dumps are left out). The joined container keeps the first
 * dump's file, line and direction. Containers are returned in log order.
 */
export function reassembleDataPhases(dumps: HexDump[]): UsbContainerDump[] {
  const out: UsbContainerDump[] = [];
  for (let i = 0; i < dumps.length; i++) {
    const first = dumps[i];
    if (first === undefined) continue;
    const whole = asContainer(first);
    if (whole) {
      out.push(whole);
      continue;
    }
    const h = header(first.bytes);
    if (!h || h.type !== 2 || h.length <= first.bytes.length || first.direction === 'out') continue;
    const parts = [first.bytes];
    let total = first.bytes.length;
    let k = i + 1;
    while (total < h.length) {
      const next = dumps[k];
      if (next === undefined || next.file !== first.file || next.direction !== 'in') break;
      // A whole container (say, the response) means a part of this phase is missing.
      if (asContainer(next)) break;
      parts.push(next.bytes);
      total += next.bytes.length;
      k++;
    }
    if (total !== h.length) continue;
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.length;
    }
    out.push({ file: first.file, line: first.line, direction: first.direction, bytes, ...h, payload: bytes.subarray(12) });
    i = k - 1;
  }
  return out;
}
