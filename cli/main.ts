/**
 * The `meshsim` command: parses flags, calls the library, prints, exits. No logic of its own.
 *
 * Exit codes: 0 ok, 1 assertions or conformance failed, 2 bad input, 3 environment missing,
 * 4 internal error (a bug: it prints a one-line apology, and the stack only with --debug).
 */
import { Command, CommanderError } from 'commander';
import { runValidate } from './commands/validate.ts';
import { EXIT, UserError } from './user-error.ts';

const REPORT_URL = 'the meshsim issue tracker';

export function buildProgram(out: (text: string) => void): Command {
  const program = new Command('meshsim')
    .description('Simulate an Istio service mesh from the manifests you already apply.')
    .option('--debug', 'print stack traces of internal errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  program
    .command('validate')
    .description('check Kubernetes and Istio manifests and print diagnostics (like istioctl analyze)')
    .argument('<paths...>', 'files or folders (recursive) of YAML/JSON manifests; - for stdin')
    .option('--json', 'print the diagnostics as JSON')
    .option('--strict', 'exit non-zero on warnings too')
    .option('-q, --quiet', 'hide info-level diagnostics')
    .option('-n, --namespace <ns>', 'namespace for resources that name none', 'default')
    .action((paths: string[], flags) => {
      process.exitCode = runValidate(paths, flags, out);
    });
  return program;
}

export function main(argv: readonly string[]): number {
  const out = (text: string) => process.stdout.write(text);
  const program = buildProgram(out);
  const debug = argv.includes('--debug');
  try {
    program.parse(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its own message (unknown option, missing argument, --help).
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof UserError) {
      process.stderr.write(`meshsim: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`meshsim: internal error: ${(error as Error)?.message ?? String(error)}. ` +
      `This is a bug in meshsim, sorry; please report it with the command you ran to ${REPORT_URL}` +
      `${debug ? '' : ' (rerun with --debug for the stack trace)'}.\n`);
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.internalError;
  }
}

if (import.meta.main) {
  process.exitCode = main(process.argv.slice(2));
}
