import { EventCode } from './events.js';
import { ObjectFormatCode } from './formats.js';
import { OperationCode } from './operations.js';
import { DevicePropCode } from './properties.js';
import { ResponseCode } from './responses.js';

/** The code spaces that can be named. */
export type CodeKind = 'operation' | 'response' | 'event' | 'property' | 'format';

/** A name → code table, the shape of every `as const` code object in this library. */
export type CodeTable = Readonly<Record<string, number>>;

/** One layer of tables, e.g. a vendor extension's codes; any kind may be absent. */
export type CodeTableSet = Partial<Readonly<Record<CodeKind, CodeTable>>>;

const KINDS: readonly CodeKind[] = ['operation', 'response', 'event', 'property', 'format'];

/**
 * High nibble of each kind's vendor range (bit 15 set plus the kind's pattern):
 * operations 0x9xxx, responses 0xAxxx, formats 0xBxxx, events 0xCxxx, properties 0xDxxx.
 */
const VENDOR_NIBBLE: Readonly<Record<CodeKind, number>> = {
  operation: 0x9,
  response: 0xa,
  format: 0xb,
  event: 0xc,
  property: 0xd,
};

/** The standard tables, one per kind. */
const STANDARD: Readonly<Record<CodeKind, CodeTable>> = {
  operation: OperationCode,
  response: ResponseCode,
  event: EventCode,
  property: DevicePropCode,
  format: ObjectFormatCode,
};

/**
 * True if `code` lies in the vendor-extension range of `kind` (e.g. 0x9000-0x9FFF
 * for operations; properties also 0xF000-0xFFFF, which Nikon uses). Only such
 * codes can be named by vendor layers.
 */
export function isVendorCode(kind: CodeKind, code: number): boolean {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) return false;
  // Nikon 1 bodies put vendor properties at 0xF0xx, outside 0xDxxx.
  if (kind === 'property' && code >> 12 === 0xf) return true;
  return code >> 12 === VENDOR_NIBBLE[kind];
}

/**
 * Formats a 16-bit code as `0x` plus four uppercase hex digits, e.g. `'0x201D'`.
 * Larger integers get as many digits as they need; anything that is not a
 * non-negative integer is returned as `String(code)` so that messages built
 * from bad input stay readable instead of throwing.
 */
export function hex16(code: number): string {
  if (!Number.isInteger(code) || code < 0) return String(code);
  return `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

interface KindMaps {
  readonly byCode: ReadonlyMap<number, string>;
  readonly byName: ReadonlyMap<string, number>;
}

/** Adds `table` to the maps without replacing entries already there (first wins). */
function addFirstWins(
  byCode: Map<number, string>,
  byName: Map<string, number>,
  table: CodeTable,
  accept: (code: number) => boolean,
): void {
  for (const [name, code] of Object.entries(table)) {
    if (!accept(code)) continue;
    if (!byCode.has(code)) byCode.set(code, name);
    if (!byName.has(name)) byName.set(name, code);
  }
}

function buildMaps(kind: CodeKind, layers: readonly CodeTableSet[]): KindMaps {
  const byCode = new Map<number, string>();
  const byName = new Map<string, number>();
  // Standard first, and first-wins: standard codes and names can never be
  // overridden by a vendor layer.
  addFirstWins(byCode, byName, STANDARD[kind], () => true);
  // Then vendor layers from the top down, so a later layer beats an earlier
  // one; within one table the first declared name for a code wins.
  for (let i = layers.length - 1; i >= 0; i--) {
    const table = layers[i]?.[kind];
    if (table !== undefined) addFirstWins(byCode, byName, table, (code) => isVendorCode(kind, code));
  }
  return { byCode, byName };
}

/**
 * Names for the codes of one device: the standard tables plus zero or more
 * vendor layers.
 *
 * Vendors reuse the same vendor-range codes for different things (0x9101 is a
 * Canon EOS operation and an MTP DRM operation), so there is no single global
 * table: each device session picks the layers that match its extension and gets
 * its own `CodeNames`. Layers only name codes in their kind's vendor range;
 * entries elsewhere are ignored in both directions, so a vendor table cannot
 * rename a standard code nor give a standard name a different code.
 */
export class CodeNames {
  /** Standard (ISO 15740) tables only. */
  static readonly standard: CodeNames = new CodeNames([]);

  readonly #layers: readonly CodeTableSet[];
  readonly #maps: Readonly<Record<CodeKind, KindMaps>>;

  /**
   * @param layers vendor layers on top of the standard tables, lowest first;
   *   when two layers name the same vendor code, the later one wins.
   */
  constructor(layers: readonly CodeTableSet[]) {
    this.#layers = [...layers];
    const maps: Partial<Record<CodeKind, KindMaps>> = {};
    for (const kind of KINDS) maps[kind] = buildMaps(kind, this.#layers);
    this.#maps = maps as Record<CodeKind, KindMaps>;
  }

  /** A new instance with `layer` on top of this one's layers; this instance is unchanged. */
  with(layer: CodeTableSet): CodeNames {
    return new CodeNames([...this.#layers, layer]);
  }

  /** The name of `code`, or `undefined` if no table names it. */
  name(kind: CodeKind, code: number): string | undefined {
    return this.#maps[kind].byCode.get(code);
  }

  /** The code called `name` (case-sensitive), or `undefined` if no table has it. */
  code(kind: CodeKind, name: string): number | undefined {
    return this.#maps[kind].byName.get(name);
  }

  /**
   * Human-readable form for logs and error messages: `'0x2019 DeviceBusy'`, or
   * `'0x9999 (unknown operation)'` when the code has no name.
   */
  describe(kind: CodeKind, code: number): string {
    const name = this.name(kind, code);
    return name === undefined ? `${hex16(code)} (unknown ${kind})` : `${hex16(code)} ${name}`;
  }
}
