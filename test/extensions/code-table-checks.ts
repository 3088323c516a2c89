/** Checks every vendor code table must pass; shared by the per-vendor tests. */
import { expect } from 'chai';
import { CodeNames, isVendorCode, type CodeKind, type CodeTable } from '../../src/core/codes/names.js';

/**
 * `table` of `kind` has no code twice, only codes in the kind's vendor range
 * (which are the only ones a layer may name), and no name that the standard
 * table already uses for another code.
 */
export function checkVendorTable(kind: CodeKind, table: CodeTable): void {
  const seen = new Map<number, string>();
  for (const [name, code] of Object.entries(table)) {
    expect(seen.get(code), `${name} repeats ${code.toString(16)}`).to.equal(undefined);
    seen.set(code, name);
    expect(isVendorCode(kind, code), `${name} 0x${code.toString(16)} outside the ${kind} vendor range`).to.equal(true);
    expect(CodeNames.standard.code(kind, name), `${name} is a standard ${kind} name`).to.equal(undefined);
  }
}
