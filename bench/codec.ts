/** Codec figures: ObjectPropList decoding (issue #8's 20 ms target) and DeviceInfo. */
import { DataType } from '../src/core/codec/datatypes.js';
import { decodeObjectPropList, encodeObjectPropList, type ObjectPropListElement } from '../src/core/datasets/object-prop-list.js';
import type { Result } from './harness.js';

export async function codecBench(): Promise<Result[]> {
  const list: ObjectPropListElement[] = [];
  for (let h = 1; h <= 10_000; h++) {
    for (let p = 0; p < 8; p++) {
      list.push(p === 2
        ? { objectHandle: h, propertyCode: 0xdc07, dataType: DataType.STR, value: `IMG_${String(h).padStart(4, '0')}.JPG` }
        : { objectHandle: h, propertyCode: 0xdc01 + p, dataType: DataType.UINT32, value: h * p });
    }
  }
  const bytes = encodeObjectPropList(list);
  for (let i = 0; i < 5; i++) decodeObjectPropList(bytes); // warm up
  const runs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    decodeObjectPropList(bytes);
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  return [{
    name: 'decode ObjectPropList 10,000 x 8', value: runs[runs.length >> 1]!, unit: 'ms',
    target: { op: '<=', value: 20, text: '<= 20 ms' }, note: `median of 20, ${(bytes.length / 1024 / 1024).toFixed(1)} MiB`,
  }];
}
