// The compiled command: bin/meshsim.js runs dist/ when it exists and the TypeScript sources when it
// does not, with the same output either way. Each test lays out a throwaway copy of the package in a
// temp folder (bin/, package.json, node_modules linked back here, and either a fresh dist/ or the
// source folders linked back), so the tests never touch this tree's own dist/.
// The build here is emit-only (`--noCheck`): `npm test` type-checks the sources with tsconfig.json.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const TSC = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
const BUILD_TIMEOUT_MS = 90_000;
const RUN_TIMEOUT_MS = 30_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runNode(args: readonly string[], timeout: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A temp folder holding bin/meshsim.js, a package.json (for `"type": "module"`) and node_modules. */
function packageCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-compiled-'));
  mkdirSync(path.join(dir, 'bin'));
  copyFileSync(path.join(repoRoot, 'bin/meshsim.js'), path.join(dir, 'bin/meshsim.js'));
  copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

test('bin/meshsim.js runs the compiled dist/ and prints the same help and validate output as the TS entry', async (t) => {
  t.timeout(BUILD_TIMEOUT_MS + 4 * RUN_TIMEOUT_MS);
  const dir = packageCopy();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const build = await runNode([TSC, '-p', 'tsconfig.build.json', '--noCheck', '--outDir', path.join(dir, 'dist')], BUILD_TIMEOUT_MS);
  t.is(build.code, 0, `tsc -p tsconfig.build.json failed:\n${build.stdout}${build.stderr}`);
  t.true(existsSync(path.join(dir, 'dist/cli/main.js')));
  // The copy has no cli/ or sim/ sources, so the bin can only have succeeded through dist/.
  t.false(existsSync(path.join(dir, 'cli')));

  const bin = path.join(dir, 'bin/meshsim.js');
  const [compiledHelp, sourceHelp] = await Promise.all([
    runNode([bin, '--help'], RUN_TIMEOUT_MS),
    runNode(['cli/main.ts', '--help'], RUN_TIMEOUT_MS),
  ]);
  t.is(compiledHelp.code, 0, compiledHelp.stderr);
  t.is(compiledHelp.stderr, '');
  t.regex(compiledHelp.stdout, /validate \[options\] <paths\.\.\.>/);
  t.is(compiledHelp.stdout, sourceHelp.stdout);

  // validate loads its command module lazily; from dist/ that must be the compiled .js module.
  const [compiledValidate, sourceValidate] = await Promise.all([
    runNode([bin, 'validate', 'scenarios/meshes/shop'], RUN_TIMEOUT_MS),
    runNode(['cli/main.ts', 'validate', 'scenarios/meshes/shop'], RUN_TIMEOUT_MS),
  ]);
  t.is(compiledValidate.code, 0, compiledValidate.stderr);
  t.regex(compiledValidate.stdout, /0 errors, 0 warnings, 0 infos \(17 resources from 3 files\)/);
  t.is(compiledValidate.stdout, sourceValidate.stdout);
});

test('without dist/, bin/meshsim.js falls back to the TypeScript sources', async (t) => {
  t.timeout(2 * RUN_TIMEOUT_MS);
  const dir = packageCopy();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const folder of ['cli', 'sim', 'scenarios']) {
    symlinkSync(path.join(repoRoot, folder), path.join(dir, folder), 'dir');
  }
  const [fallbackHelp, sourceHelp] = await Promise.all([
    runNode([path.join(dir, 'bin/meshsim.js'), '--help'], RUN_TIMEOUT_MS),
    runNode(['cli/main.ts', '--help'], RUN_TIMEOUT_MS),
  ]);
  t.false(existsSync(path.join(dir, 'dist')));
  t.is(fallbackHelp.code, 0, fallbackHelp.stderr);
  t.is(fallbackHelp.stdout, sourceHelp.stdout);
});
