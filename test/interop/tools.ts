/**
 * Shared rule of the interop suites that drive external programs (gphoto2,
 * tshark, QEMU ...): a missing tool or missing permission skips the suite on a
 * developer machine, with a message saying how to get it, but FAILS in CI,
 * where `.ci/run` installs everything and a skip would hide a broken setup.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** True when running in CI: `CI` is set to anything but "", "0" or "false". */
export function inCI(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Full path of an executable found on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const announced = new Set<string>();

/**
 * Skips the current suite (outside CI) or fails it (in CI) with `message`.
 * Call from a hook or test with mocha's `this`. Never returns.
 */
export function skipOrFail(ctx: Mocha.Context, message: string): never {
  if (inCI()) throw new Error(`${message} (CI=${process.env['CI'] ?? ''}: interop suites must not be skipped in CI)`);
  if (!announced.has(message)) {
    announced.add(message);
    process.stderr.write(`  skipped: ${message}\n`);
  }
  ctx.skip();
}

/** The text a missing tool is reported with. */
export function missingToolMessage(name: string, installHint: string): string {
  return `${name} not installed: run \`npm run setup:system\` (or ${installHint})`;
}

/**
 * A `before` hook requiring `name` on PATH.
 * @example
 * before(requireTool('gphoto2', 'apt-get install gphoto2'));
 */
export function requireTool(name: string, installHint: string): (this: Mocha.Context) => void {
  return function (this: Mocha.Context): void {
    if (findOnPath(name) === undefined) skipOrFail(this, missingToolMessage(name, installHint));
  };
}
