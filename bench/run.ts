/**
 * `npm run bench [-- --quick]`: speed and memory figures, printed as a table
 * and written to bench/results/latest.json. Not part of `npm test`: nothing
 * here decides whether the build passes.
 */
import { printTable, writeJson, type Result } from './harness.js';
import { ptpipBench } from './ptpip.js';
import { codecBench } from './codec.js';
import { mtpBench } from './mtp.js';

const quick = process.argv.includes('--quick');
const results: Result[] = [];
results.push(...(await codecBench()));
results.push(...(await ptpipBench({ quick })));
results.push(...(await mtpBench()));
printTable(results);
const file = await writeJson(results, { date: new Date().toISOString(), node: process.version, quick });
console.log(`\nwritten to ${file}`);
