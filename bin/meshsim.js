#!/usr/bin/env node
// The `meshsim` command. It runs the compiled CLI in dist/ when that exists (`npm run build` writes
// it, and `npm ci` runs the build through the `prepare` script), else the TypeScript sources.
//
// Why fall back to the sources rather than refuse: the sources are the truth and dist/ is only a
// faster copy of them, so a checkout nobody built (`npm ci --ignore-scripts`, a deleted dist/)
// still gives the same answers, only with a slower start (Node type-strips the sources each time).
// Refusing would turn a missing cache into a broken command.
//
// Invariants: the same argv gives the same output and exit code on either path; with --debug, the
// stack of an internal error names the TypeScript sources on either path (dist/ carries source maps).
//
// Not modelled: a staleness check. After editing the sources, `npm run build` again, or dist/ keeps
// running the old code (`npm run meshsim` and `npm start` always run the sources).
import { existsSync } from 'node:fs';
import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const compiledEntry = new URL('../dist/cli/main.js', import.meta.url);
const runsCompiled = existsSync(compiledEntry);
// Commander and synchronous `require` of ES modules need 22.12; type stripping needs 22.18.
const [needMajor, needMinor] = runsCompiled ? [22, 12] : [22, 18];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(
    `meshsim needs Node ${needMajor}.${needMinor} or later (this is ${process.versions.node}).\n` +
      'Run it through npm (`npm run meshsim -- ...` or `npx meshsim ...`), which uses the Node ' +
      'that `npm ci` installed, or install a current Node.\n',
  );
  process.exit(3);
}
// V8's code cache on disk (Node's default folder under the OS temp dir, as tsc's own command uses):
// later starts skip compiling the modules a command loads; a missing or unwritable cache only costs speed.
// Read off the module object, not imported by name, so an older Node reaches the version check above.
nodeModule.enableCompileCache();
if (runsCompiled && process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const args = process.argv.slice(2);
// `meshsim run` goes on in a child process that cli/supervise.ts watches: a heap that fills between two
// of the memory guard's samples ends in V8's fatal error, which only a parent can turn into the guard's
// message and exit code 5. Every other command, and the supervised child itself, runs here.
if (args.find((a) => !a.startsWith('-')) === 'run' && process.env.MESHSIM_SUPERVISED === undefined) {
  const supervise = new URL('../dist/cli/supervise.js', import.meta.url);
  const { superviseRun } = runsCompiled ? await import(supervise.href) : await import('../cli/supervise.ts');
  process.exitCode = await superviseRun(fileURLToPath(import.meta.url), args);
} else {
  const { main } = runsCompiled ? await import(compiledEntry.href) : await import('../cli/main.ts');
  process.exitCode = main(args);
}
