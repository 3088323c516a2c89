/**
 * The schema layer's struct codec: what a dataset declaration decodes and
 * encodes, and that it behaves the same where code generation is forbidden
 * (a browser page with a strict Content-Security-Policy).
 */
import { expect } from 'chai';
import { codecForDataType, DataType } from '../../../src/core/codec/datatypes.js';
import { dependent, ptpString, struct, uint16, uint32, type Codec } from '../../../src/core/codec/schema.js';
import { ProtocolError } from '../../../src/core/errors.js';
import { bytes } from '../../support/assertions.js';

/** Declares the test structs; called again with code generation forbidden. */
function declare() {
  return {
    element: struct('Element', {
      handle: uint32,
      // A name that must be quoted in generated code.
      'odd "name"\n': uint16,
      dataType: uint16,
      value: dependent('Value', (s, f) => codecForDataType(s['dataType'] as number, f)) as Codec<number | string>,
    }),
    tail: struct('Tail', { a: uint16, b: ptpString }, { optionalTail: { b: 'none' } }),
    // Fixed-size integers only: compiled by binary-parser when code generation is allowed.
    fixed: struct('Fixed', { a: uint16, b: uint32 }),
  };
}

function withoutCodeGeneration<T>(fn: () => T): T {
  const original = globalThis.Function;
  globalThis.Function = function blocked(): never {
    throw new EvalError('code generation from strings disallowed for this context');
  } as unknown as FunctionConstructor;
  try {
    return fn();
  } finally {
    globalThis.Function = original;
  }
}

const wire = bytes('01000000 0700 0600 2a000000'); // handle 1, odd 7, UINT32, value 42
const wireString = bytes('02000000 0800 ffff 03 41004200 0000'); // handle 2, odd 8, STR "AB"

for (const [label, make] of [
  ['generated codecs', () => declare()],
  ['without code generation', () => withoutCodeGeneration(declare)],
] as const) {
  describe(`struct (${label})`, () => {
    const { element, tail, fixed } = make();

    it('decodes and encodes a struct of fixed-size integers', () => {
      expect(fixed.decode(bytes('0100 02000000 ff'))).to.deep.equal({ a: 1, b: 2 });
      expect(fixed.encode({ a: 1, b: 2 })).to.deep.equal(bytes('0100 02000000'));
      expect(() => fixed.decode(bytes('0100 0200'))).to.throw(ProtocolError).with.property('field', 'Fixed.b');
    });

    it('decodes fields in order, a field typed by an earlier one included', () => {
      expect(element.decode(wire)).to.deep.equal({ handle: 1, 'odd "name"\n': 7, dataType: DataType.UINT32, value: 42 });
      expect(element.decode(wireString)).to.deep.equal({ handle: 2, 'odd "name"\n': 8, dataType: DataType.STR, value: 'AB' });
    });

    it('encodes back to the same bytes', () => {
      expect(element.encode(element.decode(wire))).to.deep.equal(wire);
      expect(element.encode(element.decode(wireString))).to.deep.equal(wireString);
    });

    it('names the field that runs out of bytes', () => {
      const err = (() => {
        try {
          element.decode(wire.subarray(0, 9));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).to.be.instanceOf(ProtocolError);
      expect((err as ProtocolError).field).to.equal('Element.value');
    });

    it('refuses to encode a value with a field missing, naming it', () => {
      const value = { handle: 1, dataType: DataType.UINT32, value: 1 } as unknown as Parameters<typeof element.encode>[0];
      expect(() => element.encode(value)).to.throw(ProtocolError).with.property('field', 'Element.odd "name"\n');
    });

    it('a lenient tail may be missing, and is still an error when cut short', () => {
      expect(tail.decode(bytes('0500'))).to.deep.equal({ a: 5, b: 'none' });
      expect(tail.decode(bytes('0500 02 4100 0000'))).to.deep.equal({ a: 5, b: 'A' });
      expect(() => tail.decode(bytes('0500 02 41'))).to.throw(ProtocolError);
    });
  });
}
