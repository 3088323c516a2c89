// binary-parser ships types, but its package.json "exports" hides them from
// NodeNext resolution; declare the part we use.
declare module 'binary-parser' {
  type Primitive = 'uint8' | 'int8' | 'uint16le' | 'int16le' | 'uint32le' | 'int32le' | 'uint64le' | 'int64le';
  export class Parser {
    constructor();
    uint8(name: string): this;
    int8(name: string): this;
    uint16le(name: string): this;
    int16le(name: string): this;
    uint32le(name: string): this;
    int32le(name: string): this;
    uint64le(name: string): this;
    int64le(name: string): this;
    nest(name: string, options: { type: Parser }): this;
    compile(): void;
    parse(buffer: Uint8Array): unknown;
  }
  export type { Primitive };
}
