import test from 'ava';
import { handleError, main } from './main.ts';
import type { Io } from './main.ts';
import { UserError } from './user-error.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, stdout: () => out, stderr: () => err };
}

test('an internal error prints a one-line apology and no stack without --debug', (t) => {
  const io = capture();
  const code = handleError(new TypeError('boom'), false, io);
  t.is(code, 4);
  t.is(io.stderr().split('\n').filter((l) => l !== '').length, 1);
  t.regex(io.stderr(), /^meshsim: internal error: boom\. This is a bug in meshsim, sorry/);
  t.notRegex(io.stderr(), /\n\s+at /);
});

test('an internal error prints the stack with --debug', (t) => {
  const io = capture();
  handleError(new TypeError('boom'), true, io);
  t.regex(io.stderr(), /\n\s+at /);
});

test('a user error prints its message alone and exits with its code', (t) => {
  const io = capture();
  t.is(handleError(new UserError('cannot read x: no such file or directory. Check the path.'), false, io), 2);
  t.is(io.stderr(), 'meshsim: cannot read x: no such file or directory. Check the path.\n');
});

test('an unknown command is bad input (exit 2) with commander\'s message', (t) => {
  const io = capture();
  t.is(main(['frobnicate'], io), 2);
  t.regex(io.stderr(), /unknown command 'frobnicate'/);
});

test('--help exits 0 and lists validate', (t) => {
  const io = capture();
  t.is(main(['--help'], io), 0);
  t.regex(io.stdout(), /validate \[options\] <paths\.\.\.>/);
});

test('validate of a missing path exits 2 without a stack trace', (t) => {
  const io = capture();
  t.is(main(['validate', 'no/such/dir'], io), 2);
  t.is(io.stderr(), 'meshsim: cannot read no/such/dir: no such file or directory. Check the path.\n');
});

test('validate of the example mesh exits 0 and names its services', (t) => {
  const io = capture();
  t.is(main(['validate', 'scenarios/meshes/shop'], io), 0);
  t.regex(io.stdout(), /service {2}catalog\.shop\.svc\.cluster\.local/);
  t.regex(io.stdout(), /0 errors, 0 warnings, 0 infos \(17 resources from 3 files\)/);
});

test('a folder walk skips other YAML with a warning; the same file named explicitly is an error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-'));
  try {
    writeFileSync(join(dir, 'values.yaml'), 'replicaCount: 2\nimage: {tag: v1}\n');
    writeFileSync(join(dir, 'sa.yaml'), 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: reviews}\n');
    const walked = capture();
    t.is(main(['validate', '--json', dir], walked), 0);
    const diagnostics = JSON.parse(walked.stdout()).diagnostics as { code: string; severity: string }[];
    t.deepEqual(diagnostics.filter((d) => d.code === 'MS0003').map((d) => d.severity), ['warning']);
    const named = capture();
    t.is(main(['validate', '--json', join(dir, 'values.yaml')], named), 2);
    t.deepEqual((JSON.parse(named.stdout()).diagnostics as { code: string; severity: string }[]).map((d) => [d.code, d.severity]), [['MS0003', 'error']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same resource in two files is an info (layering); twice in one file a warning', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-'));
  try {
    const sa = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: reviews}\n';
    writeFileSync(join(dir, 'a.yaml'), sa);
    writeFileSync(join(dir, 'b.yaml'), `${sa}---\n${sa}`);
    const io = capture();
    t.is(main(['validate', '--json', dir], io), 0);
    const duplicates = (JSON.parse(io.stdout()).diagnostics as { code: string; severity: string; file: string }[])
      .filter((d) => d.code === 'MS0008').map((d) => d.severity);
    t.deepEqual(duplicates.sort(), ['info', 'warning']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
