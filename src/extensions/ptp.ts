import type { Extension } from './extension.js';

/** Plain ISO 15740: no vendor codes. Fits every device a little, so it is the fallback. */
export const ptpExtension: Extension = {
  name: 'ptp',
  codes: {},
  match: () => 0.01,
};
