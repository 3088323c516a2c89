/**
 * The `ptpts` command line. Every command takes the same target flags; errors
 * are one clear line (the stack only with --verbose).
 */
import { Command, CommanderError, Option } from 'commander';
import type { PtpError } from '../core/errors.js';
import { getCommand, infoCommand, lsCommand, type Output } from './commands.js';
import { demoCommand } from './demo.js';
import { devicesCommand, type DevicesOptions } from './devices.js';
import { emulateCommand, type EmulateOptions } from './emulate.js';
import { openTarget, UsageError, type TargetOptions } from './target.js';

const stdio: Output = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function withTarget(cmd: Command): Command {
  return cmd
    .addOption(new Option('--usb [vid:pid]', 'a USB camera (the default), optionally by vendor:product ID'))
    .addOption(new Option('--ptpip <host[:port]>', 'a PTP/IP camera (Wi-Fi/Ethernet)'))
    .addOption(new Option('--emulator [personality]', 'the built-in virtual camera'))
    .addOption(new Option('--root <dir>', 'folder the virtual camera serves (default: a sample card)'))
    .addOption(new Option('--timeout <ms>', 'per-operation timeout'))
    .option('--json', 'machine-readable output')
    .option('--verbose', 'show stack traces on errors');
}

/** Runs the CLI with `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: Output = stdio): Promise<number> {
  let verbose = argv.includes('--verbose');
  const program = new Command('ptpts')
    .description('Talk PTP/MTP to cameras, phones and media players')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  const run = (fn: (opts: TargetOptions & { json?: boolean; verbose?: boolean }, cmd: Command) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const opts = cmd.opts<TargetOptions & { json?: boolean; verbose?: boolean }>();
      verbose = opts.verbose === true;
      await fn(opts, cmd);
    };

  const withCamera = async (
    opts: TargetOptions,
    fn: (t: Awaited<ReturnType<typeof openTarget>>) => Promise<void>,
  ): Promise<void> => {
    const target = await openTarget(opts);
    try {
      await fn(target);
    } finally {
      await target.close();
    }
  };

  withTarget(program.command('info').description('show DeviceInfo and storages')).action(
    run((opts) => withCamera(opts, (t) => infoCommand(t.camera, opts.json === true, io))),
  );
  withTarget(program.command('ls').description('list every object with its path')).action(
    run((opts) => withCamera(opts, (t) => lsCommand(t.camera, opts.json === true, io))),
  );
  withTarget(
    program
      .command('get')
      .description('download objects by handle or path, or --all')
      .argument('[objects...]', 'handles (12, 0x0c) or paths (/store_00010001/DCIM/IMG_0001.JPG)')
      .option('--all', 'every file, keeping the device folders')
      .option('-o, --output <dir>', 'destination folder', '.'),
  ).action(
    run((opts, cmd) =>
      withCamera(opts, (t) => getCommand(t.camera, cmd.args, cmd.opts<{ all?: boolean; output?: string; json?: boolean }>(), io)),
    ),
  );
  program
    .command('devices')
    .description('list the PTP/MTP devices on USB (--watch: then each one attached or detached, until Ctrl-C)')
    .option('--watch', 'keep listening, one line per attach (+) or detach (-)')
    .option('--json', 'machine-readable output (with --watch: one JSON object per line)')
    .option('--verbose', 'show stack traces on errors')
    .action(run((_opts, cmd) => devicesCommand(cmd.opts<DevicesOptions>(), io)));
  program
    .command('emulate')
    .description('run the virtual camera over PTP/IP until Ctrl-C, logging each transaction')
    .option('--root <dir...>', 'folder(s) to serve, one storage each (default: a sample card)')
    .option('--personality <name>', 'device to imitate (ptp)')
    .option('--ptpip <host[:port]>', 'address to listen on', '127.0.0.1:15740')
    .option('--read-only', 'refuse uploads and deletes')
    .option('--verbose', 'show stack traces on errors')
    .action(run((_opts, cmd) => emulateCommand(cmd.opts<EmulateOptions>(), io)));
  program
    .command('demo')
    .description('run the tour against the embedded virtual camera (npm start)')
    .option('--verbose', 'show stack traces on errors')
    .action(run(() => demoCommand(io)));

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      io.err(`ptpts: ${err.message}`);
      return 2;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    // By code, not instanceof: an error from another copy of the library still counts.
    const code = (e as Partial<PtpError>).code;
    io.err(`ptpts: ${e.message}${typeof code === 'string' && code.startsWith('ERR_PTP') ? ` [${code}]` : ''}`);
    if (verbose && e.stack !== undefined) io.err(e.stack);
    return 1;
  }
}
