/** Tiny benchmark harness: named cases, a printed table, a JSON file. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One measured figure, optionally checked against a target. */
export interface Result {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Pass/fail against the target, when there is one. */
  readonly target?: { readonly op: '>=' | '<='; readonly value: number; readonly text: string };
  readonly note?: string;
}

export function passed(r: Result): boolean | undefined {
  if (r.target === undefined) return undefined;
  return r.target.op === '>=' ? r.value >= r.target.value : r.value <= r.target.value;
}

export function printTable(results: readonly Result[]): void {
  const rows = results.map((r) => {
    const ok = passed(r);
    return [r.name, `${fmt(r.value)} ${r.unit}`, r.target?.text ?? '', ok === undefined ? '' : ok ? 'ok' : 'MISSED', r.note ?? ''];
  });
  const head = ['case', 'result', 'target', '', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export async function writeJson(results: readonly Result[], meta: Record<string, unknown>): Promise<string> {
  const dir = path.resolve('bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  await writeFile(file, JSON.stringify({ ...meta, results: results.map((r) => ({ ...r, passed: passed(r) })) }, null, 2) + '\n');
  return file;
}
