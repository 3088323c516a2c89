#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli and is built into dist/ by `npm install`.
import { main } from '../dist/cli/main.js';

// `ptpts ls | head` closes stdout early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
