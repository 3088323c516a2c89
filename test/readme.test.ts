/**
 * The README's API example must run as written: extract it, run it against the
 * built package (imported as 'ptpts', as a user would), and check its output.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('README', () => {
  it('the "Using the library" example runs and prints the sample card and capture', async function () {
    this.timeout(60_000);
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Using the library'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, 'no ts block in "Using the library"').to.be.a('string');
    expect(code).to.contain("from 'ptpts'");
    // Inside the project so that 'ptpts' resolves to this package (self-reference).
    const dir = path.join(root, '.tmp');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `readme-example-${process.pid}.ts`);
    await writeFile(file, code!);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: root });
      expect(stdout).to.contain('Virtual Camera ptp');
      expect(stdout).to.match(/SAMP0001\.JPG \d+/);
      expect(stdout).to.contain('CaptureComplete');
    } finally {
      await rm(file, { force: true });
    }
  });
});
