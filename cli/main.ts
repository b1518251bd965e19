/**
 * The `meshsim` command: parses flags, calls the library, prints, exits. No logic of its own.
 *
 * Exit codes: 0 ok, 1 assertions or conformance failed, 2 bad input, 3 environment missing,
 * 4 internal error (a bug: it prints a one-line apology, and the stack only with --debug).
 *
 * Start-up: each command's module (and through it the simulator, the scenario loader and the report
 * writers) is loaded when that command runs, not when this file is imported, so `--help`, a bad flag
 * or an unknown command cost only commander. `main` stays synchronous (callers and tests read its
 * exit code directly), so the modules are loaded with `require` of ES modules, which Node supports
 * synchronously for module graphs without top-level await (none of ours has one).
 *
 * Not modelled: commands that finish asynchronously (each runs to completion inside `main`).
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EXIT, UserError } from './user-error.ts';

const requireCommandModule = createRequire(import.meta.url);
/**
 * `.ts` when Node runs the sources, `.js` when it runs the build in dist/: tsc rewrites the
 * specifiers of `import` statements, not strings handed to `require`.
 */
const COMMAND_MODULE_EXTENSION = path.extname(import.meta.filename);

function loadValidateCommand(): typeof import('./commands/validate.ts') {
  return requireCommandModule(`./commands/validate${COMMAND_MODULE_EXTENSION}`);
}
function loadProbeCommand(): typeof import('./commands/probe.ts') {
  return requireCommandModule(`./commands/probe${COMMAND_MODULE_EXTENSION}`);
}
function loadRunCommand(): typeof import('./commands/run.ts') {
  return requireCommandModule(`./commands/run${COMMAND_MODULE_EXTENSION}`);
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_IO: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

const REPORT_WHERE = 'the meshsim issue tracker';

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('meshsim')
    .description('Simulate an Istio service mesh from the manifests you already apply.')
    .option('--debug', 'print stack traces of internal errors')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('validate')
    .description('check Kubernetes and Istio manifests and print diagnostics (like istioctl analyze)')
    .argument('<paths...>', 'files or folders (recursive) of YAML/JSON manifests; - for stdin')
    .option('--json', 'print the diagnostics as JSON')
    .option('--strict', 'exit non-zero on warnings too')
    .option('-q, --quiet', 'hide the overview and info-level diagnostics')
    .option('-n, --namespace <ns>', 'namespace for resources that name none', 'default')
    .action((paths: string[], flags) => {
      setExit(loadValidateCommand().runValidate(paths, flags, io.out));
    });
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program
    .command('probe')
    .description('send one request through the mesh and show the path it takes (listener, route, cluster, endpoint)')
    .argument('<manifests...>', 'files or folders of YAML/JSON manifests')
    .option('--from <source>', 'the client: NS/WORKLOAD (Deployment, StatefulSet, DaemonSet or Pod), or external')
    .option('--url <url>', 'http://host[:port]/path (also https://, tcp://, tls://); host names resolve as in cluster DNS')
    .option('-X, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable; Host sets the authority)", collect)
    .option('--sni <name>', 'TLS server name for tls:// and https:// URLs')
    .option('--tls <transport>', 'for --from external: what the caller puts on the wire: plaintext, tls or mtls (default plaintext)')
    .option('--jwt <token>', 'send a JWT as Authorization: Bearer TOKEN (checked against the RequestAuthentication keys)')
    .option('--jwt-claims <json>', 'send a stand-in for a validly signed token with these claims, e.g. \'{"iss":"issuer","sub":"alice"}\' (signature not checked)')
    .option('--jwks <uri=file>', 'serve a RequestAuthentication jwksUri from a local JWKS file (meshsim has no network; repeatable)', collect)
    .option('--ext-authz <name=answer>', 'what an ext_authz provider (MeshConfig extensionProviders) answers: allow, deny or error (repeatable; default deny)', collect)
    .option('--count <n>', 'send N requests and aggregate statuses and destinations')
    .option('--seed <n>', 'seed of the random streams (weights, load balancing, faults)', '1')
    .option('--inject <namespace>', 'label a namespace istio-injection=enabled, as Istio\'s tasks do before deploying (repeatable)', collect)
    .option('-n, --namespace <ns>', 'namespace for resources that name none', 'default')
    .option('--batch <file>', 'JSON lines, one request each ({"from", "url", "method", "headers", "sni", "tls", "jwt", "jwtClaims", "extAuthz", "count"}); - for stdin')
    .option('--json', 'print the result as JSON')
    .action((paths: string[], flags) => {
      setExit(loadProbeCommand().runProbe(paths, flags, io.out, io.err));
    });
  program
    .command('run')
    .description('simulate a scenario in virtual time, check its assertions, write a report (CSV, Prometheus text, HTML)')
    .argument('<scenario>', 'a scenario file (see scenarios/README.md)')
    .option('--seed <n>', 'seed of the random streams (overrides the scenario\'s)')
    .option('--out <dir>', 'report folder (default reports/<scenario name>)')
    .option('-q, --quiet', 'no warnings and no progress bar')
    .option('--no-progress', 'no progress bar')
    .option('--check', 'check mode: recompute each request\'s choices without the hot path\'s caches and stop on a difference (also MESHSIM_CHECK=1); slower')
    .action((file: string, flags) => {
      setExit(loadRunCommand().runScenario(file, flags, io.out, io.err));
    });
  return program;
}

/** Runs the command line; returns the exit code. Never throws. */
export function main(argv: readonly string[], io: Io = PROCESS_IO): number {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    program.parse(argv, { from: 'user' });
    return code;
  } catch (error) {
    return handleError(error, argv.includes('--debug'), io);
  }
}

/** Turns anything thrown into an exit code and a message: user errors plainly, bugs with an apology. */
export function handleError(error: unknown, debug: boolean, io: Io): number {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (unknown option, missing argument, --help, --version).
    return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (error instanceof UserError) {
    io.err(`meshsim: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`meshsim: internal error: ${message}. This is a bug in meshsim, sorry; please report it, with the ` +
    `command you ran and its input, to ${REPORT_WHERE}${debug ? '.' : ' (rerun with --debug for the stack trace).'}\n`);
  if (debug) io.err(`${error instanceof Error ? error.stack : String(error)}\n`);
  return EXIT.internalError;
}

if (import.meta.main) {
  // `npm start` and `npm run meshsim` enter here; `meshsim run` is supervised as bin/meshsim.js does it.
  const args = process.argv.slice(2);
  if (args.find((a) => !a.startsWith('-')) === 'run' && process.env['MESHSIM_SUPERVISED'] === undefined) {
    const { superviseRun } = await import('./supervise.ts');
    process.exitCode = await superviseRun(import.meta.filename, args);
  } else {
    process.exitCode = main(args);
  }
}
