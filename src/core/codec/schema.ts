/**
 * The schema layer: a dataset is declared once as a {@link Codec}, and that one
 * declaration gives its decoder, its encoder and (through {@link Infer}) its
 * TypeScript type.
 *
 * Why not binary-parser alone: PTP datasets need things it does not do —
 * encoding, lenient decoding of sloppy devices (missing trailing strings),
 * bounds errors that name the field, 128-bit integers, values whose type is
 * given by an earlier field. So the layer is our own, and binary-parser
 * compiles the decoder of structs made only of fixed-size integers (the
 * container header, the Event dataset, PTP/IP packet headers).
 *
 * Why not more of it: measured on Node 20, binary-parser's per-call setup (a
 * DataView and a context per parse) makes it 3-4x slower than the interpreted
 * DataView path for small structs read in bulk (80,000 ObjectPropList
 * elements: ~140 ms vs ~35 ms) and no faster for large UINT32 arrays, so
 * array elements and variable datasets always use our own path. That path is
 * specialised per struct (a reader and a writer generated from the field list,
 * like binary-parser's), with the generic loop kept for lenient tails and for
 * pages whose Content-Security-Policy forbids generating code.
 */
import { Parser } from 'binary-parser';
import { ProtocolError } from '../errors.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';

/** Decoder + encoder of one value type. */
export interface Codec<T> {
  /** Short description for messages, e.g. `UINT16` or `DeviceInfo`. */
  readonly typeName: string;
  /** Encoded size in bytes when it never varies. */
  readonly fixedSize?: number;
  /** Fewest bytes a value can take (bounds checks of counts use it); defaults to `fixedSize` or 1. */
  readonly minSize?: number;
  /** The binary-parser primitive that decodes this value, when one exists. */
  readonly parserPrimitive?: ParserPrimitive;
  /** `siblings` are the fields of the enclosing struct decoded so far (see {@link dependent}). */
  read(r: ByteReader, field: string, siblings?: Readonly<Record<string, unknown>>): T;
  /** `siblings` is the whole struct value being encoded. */
  write(w: ByteWriter, value: T, field: string, siblings?: Readonly<Record<string, unknown>>): void;
}

/** The TypeScript type a codec decodes to. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

type ParserPrimitive = 'uint8' | 'int8' | 'uint16le' | 'int16le' | 'uint32le' | 'int32le' | 'uint64le' | 'int64le';

function primitive<T>(
  typeName: string,
  fixedSize: number,
  parserPrimitive: ParserPrimitive | undefined,
  read: (r: ByteReader, field: string) => T,
  write: (w: ByteWriter, v: T, field: string) => void,
): Codec<T> {
  return parserPrimitive === undefined
    ? { typeName, fixedSize, read, write }
    : { typeName, fixedSize, parserPrimitive, read, write };
}

export const int8 = primitive<number>('INT8', 1, 'int8', (r, f) => r.i8(f), (w, v, f) => w.i8(v, f));
export const uint8 = primitive<number>('UINT8', 1, 'uint8', (r, f) => r.u8(f), (w, v, f) => w.u8(v, f));
export const int16 = primitive<number>('INT16', 2, 'int16le', (r, f) => r.i16(f), (w, v, f) => w.i16(v, f));
export const uint16 = primitive<number>('UINT16', 2, 'uint16le', (r, f) => r.u16(f), (w, v, f) => w.u16(v, f));
export const int32 = primitive<number>('INT32', 4, 'int32le', (r, f) => r.i32(f), (w, v, f) => w.i32(v, f));
export const uint32 = primitive<number>('UINT32', 4, 'uint32le', (r, f) => r.u32(f), (w, v, f) => w.u32(v, f));
export const int64 = primitive<bigint>('INT64', 8, 'int64le', (r, f) => r.i64(f), (w, v, f) => w.i64(v, f));
export const uint64 = primitive<bigint>('UINT64', 8, 'uint64le', (r, f) => r.u64(f), (w, v, f) => w.u64(v, f));
export const int128 = primitive<bigint>('INT128', 16, undefined, (r, f) => r.i128(f), (w, v, f) => w.i128(v, f));
export const uint128 = primitive<bigint>('UINT128', 16, undefined, (r, f) => r.u128(f), (w, v, f) => w.u128(v, f));

/**
 * PTP array (`AINT*`/`AUINT*`): a UINT32 element count, then the elements.
 * The count is checked against the bytes left before anything is allocated.
 */
export function array<T>(element: Codec<T>): Codec<T[]> {
  const minSize = Math.max(1, element.fixedSize ?? element.minSize ?? 1);
  return {
    typeName: `A${element.typeName}`,
    minSize: 4,
    read(r, field) {
      const count = r.u32(field);
      r.needElements(count, minSize, field);
      const out = new Array<T>(count);
      for (let i = 0; i < count; i++) out[i] = element.read(r, field);
      return out;
    },
    write(w, value, field) {
      w.u32(value.length, field);
      for (const v of value) element.write(w, v, field);
    },
  };
}

/**
 * PTP string: UINT8 length in UTF-16 code units including the NUL terminator,
 * then UTF-16LE units. The empty string is the single byte 0.
 * Decoding stops at the first NUL (devices pad with garbage after it).
 */
const stringUnits: number[] = [];
export const ptpString: Codec<string> = {
  typeName: 'STR',
  read(r, field) {
    const units = r.u8(field);
    if (units === 0) return '';
    r.need(units * 2, field);
    const start = r.offset;
    r.offset += units * 2;
    // PTP strings are at most 255 units: one String.fromCharCode over the
    // units beats a TextDecoder call (which crosses into C++) for names this
    // short, and allocates only the result (appending unit by unit made a
    // string per unit: most of the garbage of decoding a big ObjectPropList).
    let n = 0;
    while (n < units && r.view.getUint16(start + n * 2, true) !== 0) n++;
    stringUnits.length = n;
    for (let i = 0; i < n; i++) stringUnits[i] = r.view.getUint16(start + i * 2, true);
    return String.fromCharCode.apply(null, stringUnits);
  },
  write(w, value, field) {
    if (typeof value !== 'string') throw new ProtocolError('expected a string for STR', { field });
    if (value.length === 0) {
      w.u8(0, field);
      return;
    }
    if (value.length > 254) {
      throw new ProtocolError(`string of ${value.length} UTF-16 units is longer than PTP's 254`, { field });
    }
    w.u8(value.length + 1, field);
    for (let i = 0; i < value.length; i++) w.u16(value.charCodeAt(i), field);
    w.u16(0, field);
  },
};

/**
 * A field whose codec depends on fields before it, e.g. a property value whose
 * datatype is given by the `dataType` field: `dependent('value', (s) => codecForDataType(s.dataType))`.
 */
export function dependent<T>(
  typeName: string,
  pick: (siblings: Readonly<Record<string, unknown>>, field: string) => Codec<T>,
): Codec<T> {
  return {
    typeName,
    minSize: 0,
    read: (r, field, siblings = {}) => pick(siblings, field).read(r, field, siblings),
    write: (w, value, field, siblings = {}) => pick(siblings, field).write(w, value, field, siblings),
  };
}

/** Fields of a struct, in wire order. */
export type FieldCodecs = Readonly<Record<string, Codec<unknown>>>;
/** The decoded object type of a struct declaration. */
export type StructValue<F extends FieldCodecs> = { [K in keyof F]: Infer<F[K]> };

/** Options of {@link struct}. */
export interface StructOptions<F extends FieldCodecs> {
  /**
   * Lenient tail: fields from here to the end may be missing when the data
   * simply ends (real devices drop trailing strings). Decoding gives each missing
   * field the value listed; a tail that is present but cut short is still an error.
   */
  readonly optionalTail?: { readonly [K in keyof F]?: Infer<F[K]> };
}

/** A struct codec: decode/encode whole datasets and read fields inside larger ones. */
export interface StructCodec<T> extends Codec<T> {
  /** Decodes a whole dataset; trailing bytes after the last field are ignored. */
  decode(bytes: Uint8Array): T;
  /** Encodes a whole dataset. */
  encode(value: T): Uint8Array;
}


/**
 * Declares a dataset. `struct({ a: uint16, b: ptpString }, 'Name')` gives a codec
 * for `{ a: number; b: string }`.
 */
export function struct<F extends FieldCodecs>(
  typeName: string,
  fields: F,
  options: StructOptions<F> = {},
): StructCodec<StructValue<F>> {
  const names = Object.keys(fields);
  const codecs = names.map((n) => fields[n]!);
  const paths = names.map((n) => `${typeName}.${n}`);
  const tail = (options.optionalTail ?? {}) as Readonly<Record<string, unknown>>;
  const firstOptional = names.findIndex((n) => n in tail);
  const fixedSize = codecs.every((c) => c.fixedSize !== undefined)
    ? codecs.reduce((n, c) => n + c.fixedSize!, 0)
    : undefined;
  const minSize = codecs.reduce((n, c) => n + (c.fixedSize ?? c.minSize ?? 1), 0);
  const parser = compileFixed(names, codecs);
  const template: Readonly<Record<string, unknown>> = Object.fromEntries(names.map((n) => [n, undefined]));
  const readFields = firstOptional < 0 ? compileReader(names, codecs, paths) : undefined;

  function read(r: ByteReader, _field: string): StructValue<F> {
    if (parser !== undefined && r.remaining >= fixedSize!) {
      const parsed = (parser.parse(r.bytes.subarray(r.offset, r.offset + fixedSize!)) as { v: StructValue<F> }).v;
      r.offset += fixedSize!;
      return parsed;
    }
    if (readFields !== undefined) return readFields(r) as StructValue<F>;
    // Interpreted path; also taken when a compiled struct would overrun, so the
    // error names the exact field.
    // Copying a template gives every decoded value the same shape from the start,
    // instead of growing each object field by field.
    const out: Record<string, unknown> = { ...template };
    for (let i = 0; i < names.length; i++) {
      if (firstOptional >= 0 && i >= firstOptional && r.remaining === 0) {
        for (let j = i; j < names.length; j++) out[names[j]!] = tail[names[j]!];
        break;
      }
      out[names[i]!] = codecs[i]!.read(r, paths[i]!, out);
    }
    return out as StructValue<F>;
  }

  const writeFields = compileWriter(names, codecs, paths);

  function write(w: ByteWriter, value: StructValue<F>): void {
    const v = value as Readonly<Record<string, unknown>>;
    if (writeFields !== undefined) {
      writeFields(w, v);
      return;
    }
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      if (v[n] === undefined) throw new ProtocolError('missing value', { field: paths[i]! });
      codecs[i]!.write(w, v[n], paths[i]!, v);
    }
  }

  const codec: StructCodec<StructValue<F>> = {
    typeName,
    minSize,
    read,
    write,
    decode: (bytes) => read(new ByteReader(bytes), typeName),
    encode(value) {
      const w = new ByteWriter(fixedSize ?? 256);
      write(w, value);
      return w.finish();
    },
  };
  return fixedSize === undefined ? codec : { ...codec, fixedSize };
}

let codeGeneration: boolean | undefined;

/**
 * Whether this page or process may generate code, asked once: under a strict
 * Content-Security-Policy every refused attempt sends a violation report, and
 * there are dozens of structs.
 */
function codeGenerationAllowed(): boolean {
  if (codeGeneration === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a constant probe
      codeGeneration = (new Function('return true') as () => unknown)() === true;
    } catch {
      codeGeneration = false;
    }
  }
  return codeGeneration;
}

/**
 * The interpreted decoder of a struct, specialised to its fields: an object
 * literal of the right shape, then one call site per field. The generic loop
 * (one call site and one keyed store shared by every field of every struct)
 * is megamorphic, and it was most of the cost of decoding an ObjectPropList of
 * 80,000 elements. Where code generation is not allowed (a strict
 * Content-Security-Policy), undefined: the caller keeps the loop.
 */
function compileReader(
  names: readonly string[],
  codecs: readonly Codec<unknown>[],
  paths: readonly string[],
): ((r: ByteReader) => Record<string, unknown>) | undefined {
  if (!codeGenerationAllowed()) return undefined;
  const keys = names.map((n) => JSON.stringify(n));
  const body = [
    'return function read(r) {',
    `  const o = { ${keys.map((k) => `${k}: undefined`).join(', ')} };`,
    ...keys.map((k, i) => `  o[${k}] = c${i}.read(r, p${i}, o);`),
    '  return o;',
    '};',
  ].join('\n');
  const params = [...names.map((_, i) => `c${i}`), ...names.map((_, i) => `p${i}`)];
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from field names only
    const factory = new Function(...params, body) as (...args: unknown[]) => (r: ByteReader) => Record<string, unknown>;
    return factory(...codecs, ...paths);
  } catch {
    return undefined;
  }
}

/** The encoder counterpart of {@link compileReader}: one call site per field. */
function compileWriter(
  names: readonly string[],
  codecs: readonly Codec<unknown>[],
  paths: readonly string[],
): ((w: ByteWriter, v: Readonly<Record<string, unknown>>) => void) | undefined {
  if (!codeGenerationAllowed()) return undefined;
  const keys = names.map((n) => JSON.stringify(n));
  const body = [
    'return function write(w, v) {',
    '  let x;',
    ...keys.flatMap((k, i) => [
      `  x = v[${k}];`,
      `  if (x === undefined) missing(p${i});`,
      `  c${i}.write(w, x, p${i}, v);`,
    ]),
    '};',
  ].join('\n');
  const params = ['missing', ...names.map((_, i) => `c${i}`), ...names.map((_, i) => `p${i}`)];
  const missing = (field: string): never => {
    throw new ProtocolError('missing value', { field });
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from field names only
    const factory = new Function(...params, body) as (...args: unknown[]) => (w: ByteWriter, v: Readonly<Record<string, unknown>>) => void;
    return factory(missing, ...codecs, ...paths);
  } catch {
    return undefined;
  }
}

/** A binary-parser decoder for a struct made only of fixed-size integers, else undefined. */
function compileFixed(names: readonly string[], codecs: readonly Codec<unknown>[]): Parser | undefined {
  if (names.length < 2 || codecs.some((c) => c.parserPrimitive === undefined) || !codeGenerationAllowed()) return undefined;
  let fields = new Parser();
  for (let i = 0; i < names.length; i++) fields = fields[codecs[i]!.parserPrimitive!](names[i]!);
  // binary-parser gives its top-level object context fields and then deletes
  // them, which leaves it a slow dictionary object (3-7x slower to decode and
  // to use); a nested object is built plainly, so the struct is nested as `v`.
  const parser = new Parser().nest('v', { type: fields });
  try {
    parser.compile(); // now, not at the first parse: binary-parser generates code too
    return parser;
  } catch {
    return undefined; // code generation forbidden (strict CSP): the interpreted path decodes it
  }
}
